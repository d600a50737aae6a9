"""CLI for the two decisions: ``labeleval replace`` (can a cheaper labeller replace a vendor?) and
``labeleval watch`` (can the pilot stop today?)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from labeleval import fmt
from labeleval.api import evaluate
from labeleval.cli.output import json_for_terminal, say
from labeleval.present.decision_text import replacement_sentences
from labeleval.safety import spreadsheet_frame, terminal_text

COMMANDS = ("replace",)


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
    replace.add_argument("--allow-outside", action="store_true", help="let the manifest name files outside its folder")


def run(args: argparse.Namespace) -> int:
    return _replace(args)


def _emit(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
        say(f"wrote {out}")
    else:
        say(text)


def _replace(args: argparse.Namespace) -> int:
    report = evaluate(args.project, n_boot=0)
    result = report.replacement(candidate=args.candidate, incumbent=args.incumbent, epsilon=args.epsilon, by=args.by)
    if args.format == "csv":
        _emit(spreadsheet_frame(result.annotators).to_csv(index=False), args.out)
        return 0
    if args.format == "json":
        payload = {
            "settings": dict(result.settings),
            "decision": _records(result.decision),
            "annotators": _records(result.annotators),
        }
        text = json.dumps(payload, indent=2, ensure_ascii=False)
        _emit(text + "\n" if args.out else json_for_terminal(text), args.out)
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
    _emit("\n".join(lines) + "\n", args.out)
    return 0


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for record in frame.to_dict("records"):
        out.append({str(k): _plain(v) for k, v in record.items()})
    return out


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
