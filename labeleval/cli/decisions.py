"""CLI for the two decisions: ``labeleval replace`` (can a cheaper labeller replace a vendor?) and
``labeleval watch`` (can the pilot stop today?)."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import pandas as pd

from labeleval import fmt
from labeleval.api import evaluate
from labeleval.cli.output import add_raw_csv, csv_text, emit, json_for_terminal
from labeleval.present.decision_text import points, ratio, replacement_sentences, watch_sentences
from labeleval.safety import terminal_text
from labeleval.tuning import WATCH_CONFIDENCE, WATCH_COST_MARGIN, WATCH_DELTA

COMMANDS = ("replace", "watch")


def _epsilon(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to below 1, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to below 1, got {value}")
    return value


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    replace = sub.add_parser(
        "replace",
        help="can a cheaper labeller (a model, a cheaper vendor) replace a vendor's annotators? "
        "(the alternative annotator test)",
    )
    replace.add_argument("project")
    replace.add_argument("--candidate", required=True, help="the vendor that would stand in (e.g. a model)")
    replace.add_argument("--incumbent", required=True, help="the vendor whose annotators it would replace")
    replace.add_argument(
        "--epsilon",
        type=_epsilon,
        help="the handicap the incumbent's annotators carry for the candidate's lower cost (the paper suggests 0.2 "
        "experts, 0.15 skilled, 0.1 crowd; default: from the two vendors' cost per usable label)",
    )
    replace.add_argument("--by", help="run the test in every slice of this item metadata column")
    replace.add_argument("--format", choices=("table", "json", "csv"), default="table")
    replace.add_argument("--out", help="write to this file instead of standard output")
    add_raw_csv(replace)
    replace.add_argument("--allow-outside", action="store_true", help="let the manifest name files outside its folder")
    _watch_parser(sub)


def _watch_parser(sub: argparse._SubParsersAction[Any]) -> None:
    watch = sub.add_parser(
        "watch", help="can the pilot stop today? each vendor pair's decision from anytime-valid confidence sequences"
    )
    watch.add_argument("project")
    watch.add_argument(
        "--delta",
        type=_share,
        default=WATCH_DELTA,
        help=f"two vendors within this much gold accuracy are equivalent (default {WATCH_DELTA:g}: five points)",
    )
    watch.add_argument(
        "--cost-margin",
        type=_share,
        default=WATCH_COST_MARGIN,
        help=f"two vendors whose costs per usable label are within this share of each other are equivalent "
        f"(default {WATCH_COST_MARGIN:g}: 10%%)",
    )
    watch.add_argument(
        "--confidence", type=_share, default=WATCH_CONFIDENCE, help=f"of every sequence (default {WATCH_CONFIDENCE:g})"
    )
    watch.add_argument("--over", choices=("day", "week", "batch"), default="day", help="one look per (default day)")
    watch.add_argument("--format", choices=("table", "json", "csv"), default="table")
    watch.add_argument("--out", help="write to this file instead of standard output")
    add_raw_csv(watch)
    watch.add_argument("--allow-outside", action="store_true", help="let the manifest name files outside its folder")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    if args.command == "watch":
        return _watch(args)
    return _replace(args)


def _watch(args: argparse.Namespace) -> int:
    report = evaluate(args.project, n_boot=0)
    watched = report.sequential(
        delta=args.delta, confidence=args.confidence, over=args.over, cost_margin=args.cost_margin
    )
    frames = {"decisions": watched.decisions, "cost_decisions": watched.cost_decisions, "sequences": watched.sequences}
    if _machine_output(args, watched.settings, frames):
        return 0
    currency = str(report.settings.get("currency", "") or "")
    seq = watched.sequences
    last = seq[(seq["what"] == "accuracy") & (seq["look"] == seq["look"].max())]
    accuracy = ", ".join(
        f"{terminal_text(r.vendor, keep_newlines=False)} {fmt.pct(r.estimate)} [{fmt.pct(r.cs_low)}, "
        f"{fmt.pct(r.cs_high)}]"
        for r in last.itertuples(index=False)
    )
    costs = ", ".join(
        f"{terminal_text(r.vendor, keep_newlines=False)} {fmt.money(r.estimate, currency)} "
        f"[{fmt.money(r.cs_low, currency)}, {fmt.money(r.cs_high, currency)}]"
        for r in seq[(seq["what"] == "cost") & (seq["look"] == seq["look"].max())].itertuples(index=False)
    )
    rows = [
        {
            "pair": terminal_text(f"{r.vendor_a} vs {r.vendor_b}", keep_newlines=False),
            "on": what,
            "decision": terminal_text(str(r.decision), keep_newlines=False),
            "reached": "—" if pd.isna(r.first_look) else f"look {int(r.first_look)} ({r.first_window})",
            "now": now(r),
        }
        for what, frame, now in (
            ("gold accuracy", watched.decisions, _difference_now),
            ("cost per usable label", watched.cost_decisions, _ratio_now),
        )
        for r in frame.itertuples(index=False)
    ]
    lines = [
        f"Watching the pilot: {watched.settings['looks']} looks (one per {args.over}); equivalent within "
        f"±{points(args.delta)} of gold accuracy, or costs within {fmt.pct(args.cost_margin, 0)}; "
        f"{fmt.pct(args.confidence, 0)} confidence sequences.",
        f"Gold accuracy now: {accuracy}.",
        f"Cost per usable label (on gold) now: {costs}.",
        "",
        pd.DataFrame(rows).to_string(index=False) if rows else "(one vendor: nothing to compare)",
        "",
        *[f"  • {s}" for s in watch_sentences(watched)],
        "",
        "Every look: --format csv (or json).",
    ]
    emit(args, "\n".join(lines) + "\n")
    return 0


def _difference_now(r: Any) -> str:
    return f"A − B {fmt.pct(r.final_estimate)} [{fmt.pct(r.final_cs_low)}, {fmt.pct(r.final_cs_high)}]"


def _ratio_now(r: Any) -> str:
    return f"A / B {ratio(r.final_estimate)} [{ratio(r.final_cs_low)}, {ratio(r.final_cs_high)}]"


def _machine_output(args: argparse.Namespace, settings: Any, frames: dict[str, pd.DataFrame]) -> bool:
    """``--format csv`` (the last frame: every look, or every annotator) or ``json`` (the settings and every
    frame) written, and True; False for the table a person reads."""
    if args.format == "csv":
        emit(args, csv_text(list(frames.values())[-1], args))
        return True
    if args.format == "json":
        payload = {"settings": dict(settings), **{name: _records(frame) for name, frame in frames.items()}}
        text = json.dumps(payload, indent=2, ensure_ascii=False)
        emit(args, text + "\n" if args.out else json_for_terminal(text))
        return True
    return False


def _replace(args: argparse.Namespace) -> int:
    report = evaluate(args.project, n_boot=0)
    result = report.replacement(candidate=args.candidate, incumbent=args.incumbent, epsilon=args.epsilon, by=args.by)
    if _machine_output(args, result.settings, {"decision": result.decision, "annotators": result.annotators}):
        return 0
    currency = str(report.settings.get("currency", "") or "")
    rows = [
        {
            "slice": terminal_text(r.slice, keep_newlines=False),
            "shared items": fmt.count(r.items),
            "annotators tested": f"{int(r.annotators_tested)} of {int(r.annotators)}",
            "won": str(int(r.annotators_won)),
            "winning rate": fmt.pct(r.winning_rate, 0),
            "decision": str(r.decision),
            "gold accuracy difference": fmt.pct(r.accuracy_difference),
            "equivalent": "yes" if r.equivalent else "no",
        }
        for r in result.decision.itertuples(index=False)
    ]
    first = result.decision.iloc[0]
    lines = [
        f"Can {args.candidate} replace {args.incumbent}'s annotators? Cost per usable label: {args.candidate} "
        f"{fmt.money(first['candidate_cost_per_usable_label'], currency)}, {args.incumbent} "
        f"{fmt.money(first['incumbent_cost_per_usable_label'], currency)}.",
        "",
        pd.DataFrame(rows).to_string(index=False),
        "",
        *[f"  • {s}" for s in replacement_sentences(result)],
        "",
        "Per annotator: --format csv (or json).",
    ]
    emit(args, "\n".join(lines) + "\n")
    return 0


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for record in frame.to_dict("records"):
        out.append({str(k): _plain(v) for k, v in record.items()})
    return out


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str | bool) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
