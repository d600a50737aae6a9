"""CLI for the questions after "who is best?": ``labeleval gold-audit``, ``labeleval plan``, and
the ``--by`` / ``--over`` / ``--exclude-suspect-gold`` options of ``labeleval score``."""

from __future__ import annotations

import argparse
import math
from typing import Any

import pandas as pd

from labeleval import fmt
from labeleval.analyses.gold_audit import AuditRule, gold_audit, supports_audit
from labeleval.analyses.plan import pilot_plan, pilot_prices
from labeleval.api import evaluate
from labeleval.cli.output import add_raw_csv, csv_text, emit
from labeleval.errors import LabelevalError
from labeleval.io.pipeline import load_data
from labeleval.options import AuditControl
from labeleval.present.glossary import display_frame
from labeleval.present.question_text import drift_sentences, slice_sentences
from labeleval.report import Report
from labeleval.scoring.settings import as_project

COMMANDS = ("gold-audit", "plan")


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {value}")
    return value


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    audit = sub.add_parser(
        "gold-audit",
        help="gold items that every vendor's pooled judgments contradict (a list to send back to the experts)",
    )
    audit.add_argument("project")
    audit.add_argument("--all", action="store_true", help="every contradicted gold item, not only the suspects")
    audit.add_argument(
        "--level", type=_probability, default=0.05, help="error rate held across the gold items (default 0.05)"
    )
    audit.add_argument(
        "--control",
        choices=AuditControl.values(),
        default=AuditControl.FWER.value,
        help="fwer: Holm, the chance of calling any good gold item suspect (default); fdr: Benjamini-Hochberg, "
        "the expected share of good gold among the suspects",
    )
    audit.add_argument("--format", choices=("table", "csv"), default="table")
    audit.add_argument("--out", help="write to this file instead of standard output")
    add_raw_csv(audit)

    plan = sub.add_parser(
        "plan", help="how many shared gold items the report's own test needs to separate each pair of vendors"
    )
    plan.add_argument("project")
    plan.add_argument("--power", type=_probability, default=0.8, help="target power (default 0.8)")
    plan.add_argument("--alpha", type=_probability, default=0.05, help="two-sided level (default 0.05)")
    plan.add_argument("--difference", type=_probability, help="also plan for this difference in accuracy, e.g. 0.03")
    plan.add_argument(
        "--pilot",
        help="plan a pilot not yet run from assumed per-judgment accuracies, e.g. Scale=0.80,Surge=0.88 "
        "(priced at this project's vendors' costs per label)",
    )
    plan.add_argument("--labels-per-item", type=int, default=3, help="pilot: labels per item (default 3)")
    plan.add_argument("--pool", type=int, default=20, help="pilot: annotators per vendor (default 20)")
    plan.add_argument("--skill-sd", type=float, default=0.05, help="pilot: spread of annotator accuracy (0.05)")
    plan.add_argument(
        "--difficulty-sd",
        type=float,
        default=1.0,
        help="pilot: spread of item difficulty on the logit scale, shared by vendors (1.0)",
    )
    plan.add_argument("--gold-share", type=_probability, default=0.2, help="pilot: share of items with gold (0.2)")
    plan.add_argument("--format", choices=("table", "csv"), default="table")
    plan.add_argument("--out", help="write to this file instead of standard output")
    add_raw_csv(plan)
    for command in (audit, plan):
        command.add_argument(
            "--allow-outside", action="store_true", help="let the manifest name files outside its folder"
        )


def run(args: argparse.Namespace) -> int:
    if args.command == "gold-audit":
        return _gold_audit(args)
    return _plan(args)


def _gold_audit(args: argparse.Namespace) -> int:
    data = load_data(as_project(args.project))
    data.raise_problems()
    if not supports_audit(data):
        raise LabelevalError(
            f"the gold audit needs categories; a {data.project.task.kind} task has none (no Dawid-Skene model)"
        )
    rule = AuditRule(level=args.level, control=args.control)
    audit = gold_audit(data, rule)
    shown = audit if args.all else audit[audit["suspect"].astype(bool)]
    if args.format == "csv":
        emit(args, csv_text(shown, args))
        return 0
    columns = {
        "rank": "rank",
        "item_id": "item",
        "gold_label": "gold",
        "suggested_label": "suggested",
        "p_adjusted_gold": "adjusted p",
        "vendors_agreeing": "vendors agreeing",
        "votes": "votes (every vendor)",
    }
    table = shown[list(columns)].rename(columns=columns)
    table["adjusted p"] = [fmt.p_value(p) for p in table["adjusted p"]]
    n_suspect = int(audit["suspect"].sum()) if len(audit) else 0
    lines = [
        f"{n_suspect} of {len(data.gold):,} gold items look wrong: the pooled votes of every vendor's annotators "
        f"reject the gold label beyond what item difficulty explains (adjusted p-value at most {args.level:g}), "
        "and at least two vendors' majorities name the suggested label.",
        f"Error rate: {rule.statement()}; every gold item with at least {rule.min_judgments} judgments is tested.",
        "",
        table.to_string(index=False) if len(table) else "(none)",
        "",
    ]
    if n_suspect:
        lines.append(
            "Send the list back to the experts (--format csv --out suspect_gold.csv, with each vendor's votes and "
            "the raw p-values); score without them with `labeleval score PROJECT --exclude-suspect-gold`."
        )
    else:
        lines.append("`--all` lists the gold items the pooled evidence leans against without rejecting them.")
    emit(args, "\n".join(lines) + "\n")
    return 0


def _count(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return "never" if math.isinf(value) else f"{int(value):,}"


def _plan(args: argparse.Namespace) -> int:
    report = evaluate(args.project, n_boot=0)
    if args.pilot:
        return _pilot(args, report)
    plan = report.plan(power=args.power, alpha=args.alpha, difference=args.difference)
    if args.format == "csv":
        emit(args, csv_text(plan, args))
        return 0
    rows = []
    for r in plan.itertuples(index=False):
        row = {
            "pair": f"{r.vendor_a} vs {r.vendor_b}",
            "metric": str(r.metric).replace("_", " "),
            "shared gold": f"{int(r.shared_gold_items):,}",
            "observed": "n/a" if pd.isna(r.estimate_a) else f"{r.estimate_a:.1%} vs {r.estimate_b:.1%}",
            "power now": "n/a" if pd.isna(r.power_now) else f"{r.power_now:.0%}",
            "items needed": _count(r.items_needed),
            "more": _count(r.more_items_needed),
        }
        if args.difference is not None:
            row[f"needed at {args.difference:.1%}"] = _count(r.items_needed_named)
        rows.append(row)
    test = str(plan["test"].iloc[0]) if len(plan) else ""
    lines = [
        f"Shared gold items at which the report's own test separates two vendors with {args.power:.0%} power, on "
        f"accuracy (the verdict's comparison) and consensus accuracy, sized by simulating pilots of vendors like "
        f"these (their accuracy, labels per item, annotators and the spread of their accuracy).",
        f"Test planned for: {test}." if test else "",
        "",
        pd.DataFrame(rows).to_string(index=False) if rows else "(one vendor: nothing to compare)",
        "",
        "never: no number of items reaches the power with these annotators (staff more, or accept less power).",
        "Plan a pilot that is not yet run with labeleval.pilot_plan(...) or the app's Plan panel.",
    ]
    emit(args, "\n".join(lines) + "\n")
    return 0


def _pilot(args: argparse.Namespace, report: Report) -> int:
    accuracies: dict[str, float] = {}
    for part in str(args.pilot).split(","):
        name, _, value = part.partition("=")
        try:
            accuracies[name.strip()] = float(value)
        except ValueError:
            raise LabelevalError(
                f"--pilot takes vendor=accuracy pairs, e.g. Scale=0.80,Surge=0.88; got {part!r}"
            ) from None
    per_label, per_item = pilot_prices(report.cost)
    plan = pilot_plan(
        accuracies,
        labels_per_item=args.labels_per_item,
        pool_size=args.pool,
        n_classes=max(len(report.settings.get("labels", [])), 2),
        skill_sd=args.skill_sd,
        difficulty_sd=args.difficulty_sd,
        power=args.power,
        alpha=args.alpha,
        gold_share=args.gold_share,
        cost_per_label=per_label,
        cost_per_item=per_item,
    )
    if args.format == "csv":
        emit(args, csv_text(plan.vendors, args))
        return 0
    currency = str(report.settings.get("currency", "")) or None
    pairs = display_frame(plan.pairs, currency=currency, drop=("test",))
    vendors = display_frame(plan.vendors, currency=currency)
    lines = [
        f"A pilot with {args.labels_per_item} labels per item and {args.pool} annotators per vendor (spread of "
        f"their accuracy {args.skill_sd:g}, items' difficulty spread {args.difficulty_sd:g}): gold items for "
        f"{args.power:.0%} power on accuracy (the verdict's comparison) and on consensus accuracy, and each "
        f"comparison's power at the plan's gold items.",
        f"Test planned for: {plan.test}.",
        "",
        pairs.to_string(index=False),
        "",
        f"Gold items: {_count(plan.gold_items)}; items per vendor at {args.gold_share:.0%} gold: "
        f"{_count(plan.items_per_vendor)}.",
        "",
        vendors.to_string(index=False),
        *[f"note: {n}" for n in plan.notes],
    ]
    emit(args, "\n".join(lines) + "\n")
    return 0


def _share(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:.0%}"


def slice_and_drift_text(report: Report) -> str:
    """The table view of ``--by`` and ``--over``: figures per slice or window, and what changed."""
    lines: list[str] = []
    if len(report.slices):
        by = str(report.slices["by"].iloc[0])
        lines += ["", f"By {by} (accuracy on gold [CI]; blank when the slice has too few gold items):", ""]
        lines.append(_figure_table(report.slices, "slice"))
        lines += [f"  • {sentence}" for sentence in slice_sentences(report.slice_ranking, by)]
    if len(report.drift):
        over = str(report.drift["over"].iloc[0])
        lines += ["", f"Over {over} (accuracy on gold [CI]; * the vendor's change point, beyond chance):", ""]
        lines.append(_figure_table(report.drift, "window", flag="changed"))
        lines += [f"  • {sentence}" for sentence in drift_sentences(report.drift)]
        people = report.annotator_drift
        flagged = people[people["drift"].astype(str) != ""] if len(people) else people
        for r in flagged.itertuples(index=False):
            lines.append(f"  • annotator {r.vendor}/{r.annotator_id}, {r.window}: {r.drift}.")
    return "\n".join(lines)


def _figure_table(frame: pd.DataFrame, key: str, flag: str | None = None) -> str:
    def cell(r: pd.Series) -> str:
        if r["status"] == "absent":
            return "absent"
        if pd.isna(r["accuracy"]):
            return str(r["status"])
        text = f"{r['accuracy']:.1%}"
        if pd.notna(r["accuracy_ci_low"]):
            text += f" [{100 * r['accuracy_ci_low']:.1f}, {100 * r['accuracy_ci_high']:.1f}]"
        if flag and bool(r[flag]):
            text += " *"
        return text

    shown = frame.assign(cell=frame.apply(cell, axis=1))
    wide = shown.pivot(index=key, columns="vendor", values="cell")
    order = list(dict.fromkeys(frame[key]))
    vendors = list(dict.fromkeys(frame["vendor"]))
    return wide.loc[order, vendors].to_string()
