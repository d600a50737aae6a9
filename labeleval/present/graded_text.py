"""A graded evaluation in words and tables: the verdict (sentences only from the family's tests and the rubric
checks), the leaderboard, the criteria, the rubric's reliability, the reviewers and the writers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from labeleval import fmt
from labeleval.options import AcceptanceRule
from labeleval.present.render import markdown_table
from labeleval.safety import markdown_text, terminal_text
from labeleval.tuning import ALT_MIN_ANNOTATORS, ALT_MIN_ITEMS

WEIGHTED = "weighted score"
#: the documents' section on how the reviewers are spread over the vendors (its warning is written under it)
BALANCE_TITLE = "Reviewer balance (share of each vendor's scores)"


def graded_verdict(frames: Mapping[str, pd.DataFrame], settings: Mapping[str, Any]) -> list[str]:
    """The findings: each significant paired difference, the criteria kept out, and the reviewer balance."""
    level = fmt.confidence_level(float(settings.get("confidence", 0.95)))
    out: list[str] = []
    comparisons = frames["comparisons"]
    found = comparisons[comparisons["significant"].astype(bool)] if len(comparisons) else comparisons
    for r in found.itertuples(index=False):
        better, worse = (r.vendor_a, r.vendor_b) if r.difference > 0 else (r.vendor_b, r.vendor_a)
        unit = " (0-1)" if r.metric == WEIGHTED else " points"
        out.append(
            f"{better} scores higher than {worse} on {r.metric} after reviewer severity is taken out: "
            f"{abs(r.difference):.2f}{unit} on {r.shared_prompts} shared prompts "
            f"({level} simultaneous CI {abs(r.ci_low if r.difference > 0 else r.ci_high):.2f} to "
            f"{abs(r.ci_high if r.difference > 0 else r.ci_low):.2f}; {fmt.p_phrase(r.p_adjusted)})."
        )
    if len(comparisons) and not len(found):
        out.append(
            f"No vendor pair differs on any reliable criterion or the weighted score at {level} confidence "
            f"(one max-T family of {len(comparisons)} tests): the data do not separate them."
        )
    for r in frames["reliability"].itertuples(index=False):
        if not r.reliable:
            out.append(f"Criterion '{r.criterion}' is not in the verdict: {r.reason}.")
    if settings.get("reviewers_unbalanced"):
        summary = frames["summary"]
        exposure = summary["severity_exposure"].abs() if len(summary) else pd.Series(dtype=float)
        worst = summary.loc[exposure.idxmax()] if exposure.notna().any() else None
        lead = (
            f" {worst['vendor']}'s raw weighted score is {worst['severity_exposure']:+.3f} off its adjusted one."
            if worst is not None
            else ""
        )
        out.append(
            f"Reviewers are unbalanced across vendors (Cramer's V {settings.get('reviewer_imbalance_v', 0):.2f}): "
            f"raw scores mix the work's quality with which reviewers each vendor drew; compare the adjusted "
            f"ones.{lead}"
        )
    judges = frames.get("judges", pd.DataFrame())
    for r in judges[judges["role"] == "judge"].itertuples(index=False) if len(judges) else ():
        out.append(_judge_sentence(r))
    for name in settings.get("disconnected_criteria", []):
        out.append(
            f"On '{name}' some reviewers share no deliverable with the others: their severities are not comparable."
        )
    return out


def _judge_sentence(r: Any) -> str:
    """What the replacement test found for a judge on a criterion."""
    won = (
        f"it agrees with the other reviewers as well as {int(r.reviewers_won)} of the {int(r.reviewers_tested)} "
        f"reviewers tested do, up to epsilon {r.epsilon:.2f}"
    )
    handicap = "(alternative annotator test; at least half are needed)"
    if r.stands_in:
        return f"Judge {r.reviewer} can stand in for the reviewers on '{r.criterion}': {won} {handicap}."
    if r.replacement == "can replace":
        return (
            f"Judge {r.reviewer} passes the replacement test on '{r.criterion}' ({won}), but the reviewers do not "
            f"agree on it: standing in for them says nothing."
        )
    if r.replacement == "cannot replace":
        return f"Judge {r.reviewer} cannot stand in for the reviewers on '{r.criterion}': {won} {handicap}."
    return (
        f"Judge {r.reviewer} on '{r.criterion}': too few reviewers share enough deliverables with it to tell whether "
        f"it can stand in for them (at least {ALT_MIN_ANNOTATORS} reviewers with {ALT_MIN_ITEMS} deliverables each)."
    )


def leaderboard_table(frames: Mapping[str, pd.DataFrame], settings: Mapping[str, Any]) -> pd.DataFrame:
    """One row per vendor, figures written for people."""
    level = fmt.confidence_level(float(settings.get("confidence", 0.95)))
    currency = str(settings.get("currency", "USD"))
    rows = []
    for r in frames["summary"].itertuples(index=False):
        rows.append(
            {
                "Vendor": r.vendor,
                "Deliverables": fmt.count(r.deliverables),
                f"Accepted, adjusted [{level} CI]": fmt.ci(
                    r.acceptance_rate, r.acceptance_rate_ci_low, r.acceptance_rate_ci_high, "pct"
                ),
                "Accepted, raw": fmt.pct(r.raw_acceptance_rate),
                "Weighted score (adj.)": fmt.ci(
                    r.weighted_score, r.weighted_score_ci_low, r.weighted_score_ci_high, "number"
                ),
                "Raw score": fmt.number(r.raw_weighted_score),
                "Cost/accepted": fmt.ci(
                    r.cost_per_accepted, r.cost_per_accepted_ci_low, r.cost_per_accepted_ci_high, "money", currency
                ),
                "Total cost": fmt.money(r.total_cost, currency, total=True),
            }
        )
    return pd.DataFrame(rows)


def _cis(frame: pd.DataFrame, stem: str, kind: fmt.Kind, ci: str = "{}_ci_") -> list[str]:
    """The column ``stem`` with its interval columns, written for people."""
    low, high = (ci.format(stem) + "low", ci.format(stem) + "high")
    return [fmt.ci(v, lo, hi, kind) for v, lo, hi in frame[[stem, low, high]].to_numpy()]


def criteria_table(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    c = frames["criteria"]
    return pd.DataFrame(
        {
            "Vendor": c["vendor"],
            "Criterion": c["criterion"],
            "Scores": c["scores"].map(fmt.count),
            "Mean (raw)": _cis(c, "mean_score", "number"),
            "Mean (adjusted)": _cis(c, "adjusted_score", "number"),
            "Pass rate": _cis(c, "pass_rate", "pct"),
            "In verdict": c["reliable"].map({True: "yes", False: "no"}),
        }
    )


def reliability_table(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    r = frames["reliability"]
    return pd.DataFrame(
        {
            "Criterion": r["criterion"],
            "Alpha": _cis(r, "alpha", "number"),
            "Level": r["level"],
            "Deliverables": r["deliverables"].map(fmt.count),
            "In verdict": r["reliable"].map({True: "yes", False: "no"}),
            "Why out": r["reason"].fillna("").astype(str) if "reason" in r.columns else "",
        }
    )


def writers_table(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The writers' report cards: deliverables, scored, accepted (adjusted for reviewer severity) with its
    interval, and the mean weighted score."""
    w = frames["annotators"]
    return pd.DataFrame(
        {
            "Vendor": w["vendor"],
            "Writer": w["writer_id"],
            "Deliverables": w["deliverables"].map(fmt.count),
            "Scored": w["scored"].map(fmt.count),
            "Accepted": w["accepted"].map(fmt.count),
            "Acceptance [CI]": _cis(w, "acceptance_rate", "pct"),
            "Weighted score": w["weighted_score"].map(fmt.number),
        }
    )


def balance_table(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Reviewer x vendor: the share of each vendor's scores each reviewer gave."""
    b = frames["reviewer_balance"]
    if not len(b):
        return pd.DataFrame()
    share = b.pivot_table(index="reviewer", columns="vendor", values="share_of_vendor", sort=False, fill_value=0.0)
    share = share.reindex(columns=[v for v in frames["summary"]["vendor"] if v in share.columns])
    return share.map(fmt.pct).reset_index().rename(columns={"reviewer": "Reviewer"}).rename_axis(columns=None)


def balance_note(settings: Mapping[str, Any]) -> str:
    """Whether the reviewers are spread evenly over the vendors, in words, from the scoring's check."""
    v = float(settings.get("reviewer_imbalance_v", 0.0) or 0.0)
    if settings.get("reviewers_unbalanced"):
        return (
            f"Reviewers are unbalanced across vendors (Cramer's V {v:.2f}): a vendor that drew lenient reviewers "
            "looks better raw for no reason of its own; read the severity-adjusted figures."
        )
    return f"Reviewers are spread evenly enough across vendors (Cramer's V {v:.2f}); raw and adjusted figures agree."


def cost_table(frames: Mapping[str, pd.DataFrame], settings: Mapping[str, Any]) -> pd.DataFrame:
    """Per vendor: pricing, deliverables, total, per deliverable, accepted share and cost per accepted one."""
    currency = str(settings.get("currency", "USD"))
    s, c = frames["summary"], frames["cost"]
    model = dict(zip(c["vendor"], c["pricing_model"], strict=True)) if len(c) else {}
    return pd.DataFrame(
        {
            "Vendor": s["vendor"],
            "Pricing": s["vendor"].map(lambda v: str(model.get(v, "")).replace("_", " ")),
            "Deliverables": s["deliverables"].map(fmt.count),
            "Total cost": s["total_cost"].map(lambda v: fmt.money(v, currency, total=True)),
            "Per deliverable": s["cost_per_deliverable"].map(lambda v: fmt.money(v, currency)),
            "Accepted (adj.)": _cis(s, "acceptance_rate", "pct"),
            "Cost per accepted [CI]": [
                fmt.ci(v, lo, hi, "money", currency)
                for v, lo, hi in s[
                    ["cost_per_accepted", "cost_per_accepted_ci_low", "cost_per_accepted_ci_high"]
                ].to_numpy()
            ],
        }
    )


def comparisons_table(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    c = frames["comparisons"]
    return pd.DataFrame(
        {
            "Pair": c["vendor_a"] + " - " + c["vendor_b"],
            "Metric": c["metric"],
            "Shared prompts": c["shared_prompts"].map(fmt.count),
            "Difference (adj.)": _cis(c, "difference", "number", ci="ci_"),
            "Raw difference": c["raw_difference"].map(fmt.number),
            "Adjusted p": c["p_adjusted"].map(fmt.p_value),
        }
    )


def severity_table(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    s = frames["severity"].pivot_table(index="reviewer", columns="criterion", values="severity", sort=False)
    return s.map(lambda v: f"{v:+.2f}").reset_index().rename(columns={"reviewer": "Reviewer"})


def sections(frames: Mapping[str, pd.DataFrame], settings: Mapping[str, Any]) -> list[tuple[str, pd.DataFrame]]:
    return [
        ("Vendors", leaderboard_table(frames, settings)),
        ("Comparisons on shared prompts (one max-T family)", comparisons_table(frames)),
        ("Rubric reliability (reviewers' agreement)", reliability_table(frames)),
        ("Criteria", criteria_table(frames)),
        ("Reviewer severity (points; + lenient, - severe)", severity_table(frames)),
        (BALANCE_TITLE, balance_table(frames)),
        *(
            [("Judges and gold reviewers against the panel", judges_table(frames))]
            if len(frames.get("judges", ()))
            else []
        ),
        ("Writers", writers_table(frames)),
    ]


def judges_table(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    j = frames["judges"]
    return pd.DataFrame(
        {
            "Reviewer": j["reviewer"],
            "Role": j["role"],
            "Criterion": j["criterion"],
            "Deliverables": j["deliverables"].map(fmt.count),
            "Offset from panel": j["offset"].map(lambda v: f"{v:+.2f}"),
            "Distance less panel's [CI]": _cis(j, "gap_difference", "number"),
            "Reviewers won": [
                f"{won:.0f} of {tested:.0f}" if role == "judge" else ""
                for won, tested, role in zip(j["reviewers_won"], j["reviewers_tested"], j["role"], strict=True)
            ],
            "Replacement test": [
                d if role == "judge" else "" for d, role in zip(j["replacement"], j["role"], strict=True)
            ],
            "Stands in": [
                ("yes" if s else "no") if role == "judge" else ""
                for s, role in zip(j["stands_in"], j["role"], strict=True)
            ],
        }
    )


def method_line(settings: Mapping[str, Any]) -> str:
    level = fmt.confidence_level(float(settings.get("confidence", 0.95)))
    return (
        f"{level} intervals count prompts and writers (multiway cluster-robust variance) and reviewers (through the "
        f"severity model); scores adjusted "
        f"for each reviewer's severity per criterion (additive model, deliverables as fixed effects); accepted when "
        f"{acceptance_words(settings)}; criteria with reviewer alpha below {settings.get('min_alpha')} are kept "
        f"out of the verdict."
    )


def acceptance_words(settings: Mapping[str, Any]) -> str:
    """The acceptance rule in words, with its threshold."""
    rule = str(settings.get("acceptance_rule"))
    if rule == AcceptanceRule.WEIGHTED_SCORE:
        return f"the weighted mean of the criteria's scores on 0-1 reaches {settings.get('min_score')}"
    if rule == AcceptanceRule.ALL_PASS:
        return "every criterion passes (its reviewers' mean at or above its pass mark)"
    return rule


def graded_text(frames: Mapping[str, pd.DataFrame], settings: Mapping[str, Any], table: Any) -> str:
    """The terminal view: leaderboard, verdict, ledger line. ``table`` formats a display frame as text."""
    ledger = frames["ledger"]
    read, kept, quarantined = (int(ledger[c].sum()) for c in ("rows_read", "kept", "quarantined"))
    header = (
        f"labeleval {settings.get('version')} · {settings.get('task')} (graded, {len(frames['reliability'])} "
        f"criteria) · {len(frames['summary'])} vendors · {settings.get('prompts')} prompts · "
        f"{settings.get('reviewers')} reviewers"
    )
    lines = [header, "", table(leaderboard_table(frames, settings)), ""]
    lines += [f"  • {terminal_text(s, keep_newlines=False)}" for s in graded_verdict(frames, settings)]
    lines += ["", "Rubric reliability:", table(reliability_table(frames).drop(columns=["Why out"]))]
    lines += ["", "Criteria (severity-adjusted means; pass rate of the reviews):", table(criteria_table(frames))]
    lines += ["", terminal_text(balance_note(settings), keep_newlines=False)]
    lines += ["Writers' report cards: labeleval annotators; every table: --format html or markdown."]
    lines += ["", f"Rows: {read:,} read = {kept:,} kept + {quarantined:,} quarantined. {method_line(settings)}"]
    return "\n".join(lines)


def graded_markdown(frames: Mapping[str, pd.DataFrame], settings: Mapping[str, Any]) -> str:
    lines = [f"# labeleval report: {markdown_text(str(settings.get('task', '')))}", ""]
    lines += [f"- {markdown_text(s)}" for s in graded_verdict(frames, settings)]
    lines += ["", f"_{markdown_text(method_line(settings))}_", ""]
    for title, frame in sections(frames, settings):
        lines += [f"## {title}", "", markdown_table(frame), ""]
        if title == BALANCE_TITLE:
            lines += [f"_{markdown_text(balance_note(settings))}_", ""]
    return "\n".join(lines) + "\n"
