"""The two decisions in words: can a cheaper labeller replace a vendor (:mod:`labeleval.analyses.replacement`),
and can the pilot stop today (:mod:`labeleval.analyses.sequential`); for the CLI, the app and scripts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from labeleval import fmt
from labeleval.analyses.replacement import FAILS, NOT_YET, PASSES, Replacement
from labeleval.analyses.sequential import EQUIVALENT, INCONCLUSIVE, Sequential


def ratio(value: float) -> str:
    """A ratio of two costs: ``0.8`` -> ``0.80×``, ``2564.1`` -> ``2,564×`` ("—" when undefined)."""
    if pd.isna(value) or not np.isfinite(value):
        return "—"
    return f"{value:,.0f}×" if value >= 100 else f"{value:.2f}×"


def points(share: float) -> str:
    """A margin in accuracy points: ``0.05`` -> ``5.0 points``."""
    return f"{100 * share:.1f} points"


def replacement_sentences(result: Replacement) -> list[str]:
    """One sentence per slice (the decision and why), then the equivalence of gold accuracy and the method."""
    s = result.settings
    cand, inc = s["candidate"], s["incumbent"]
    out = []
    for r in result.decision.to_dict("records"):
        where = "" if s.get("by") is None else f"In {s['by']} = {r['slice']}: "
        out.append(where + _decision_sentence(r, cand, inc, s))
        out.append(_equivalence_sentence(r, cand, inc, s))
    out.append(
        f"Method: the alternative annotator test (Calderon, Reichart & Dror, ACL 2025): each of {inc}'s annotators "
        f"held out in turn, the candidate and the held-out annotator scored against the others on the items both "
        f"labelled; one-sided paired t-tests of the annotator's advantage being at least epsilon = "
        f"{s['epsilon']:.3f} ({s['epsilon_source']}), Benjamini-Yekutieli adjusted at {s['level']:.2g} over "
        f"every annotator tested; the candidate passes when it wins against at least "
        f"{fmt.pct(s['min_winning_rate'], 0)} of them."
    )
    return out


def _decision_sentence(r: dict[str, Any], cand: str, inc: str, s: Mapping[str, Any]) -> str:
    if r["decision"] == NOT_YET:
        needs = []
        if r["annotators_needed"]:
            needs.append(f"{int(r['annotators_needed'])} more of {inc}'s annotators")
        if r["items_needed"]:
            needs.append(
                f"{int(r['items_needed'])} more shared items for the third annotator (each annotator tested needs "
                f"{s['min_items']} items that {cand} and at least one other of {inc}'s annotators labelled)"
            )
        return (
            f"Cannot tell yet whether {cand} can replace {inc}'s annotators: {int(r['annotators_tested'])} "
            f"annotator(s) have enough shared items and the test needs {s['min_annotators']}; label "
            + (" and ".join(needs) or "more shared items")
            + "."
        )
    verb = PASSES if r["decision"] == PASSES else FAILS
    return (
        f"{cand} {verb} {inc}'s annotators: it wins against {int(r['annotators_won'])} of "
        f"{int(r['annotators_tested'])} (winning rate {fmt.pct(r['winning_rate'], 0)}; needs "
        f"{fmt.pct(s['min_winning_rate'], 0)}) on {fmt.count(r['items'])} shared items; it agrees with the "
        f"others at least as well as a held-out annotator on {fmt.pct(r['candidate_advantage'], 0)} of items."
    )


def _equivalence_sentence(r: dict[str, Any], cand: str, inc: str, s: Mapping[str, Any]) -> str:
    if pd.isna(r["accuracy_difference"]) or r["gold_items"] < 2:
        return f"Gold accuracy: too few shared gold items ({int(r['gold_items'])}) to compare {cand} and {inc}."
    margin = points(s["margin"])
    level = 1 - 2 * float(s["level"])
    verdict = "equivalent" if r["equivalent"] else "not shown equivalent"
    return (
        f"Gold accuracy on {fmt.count(r['gold_items'])} shared gold items: {cand} {fmt.pct(r['candidate_accuracy'])}, "
        f"{inc} {fmt.pct(r['incumbent_accuracy'])}; difference {fmt.pct(r['accuracy_difference'])} "
        f"[{fmt.pct(level, 0)} CI {fmt.pct(r['difference_ci_low'])}, {fmt.pct(r['difference_ci_high'])}]: "
        f"{verdict} within ±{margin} (TOST p = {fmt.p_value(r['equivalence_p_value'])}; items are the units)."
    )


def watch_sentences(watched: Sequential) -> list[str]:
    """One sentence per pair (its decision and the look it was reached), then what the sequences cover."""
    s = watched.settings
    level = fmt.pct(s["confidence"], 0)
    delta = points(s["delta"])
    out = []
    for r in watched.decisions.to_dict("records"):
        a, b = r["vendor_a"], r["vendor_b"]
        now = (
            f"now {fmt.pct(r['final_estimate'])} [{fmt.pct(r['final_cs_low'])}, {fmt.pct(r['final_cs_high'])}] "
            f"on {fmt.count(r['final_gold_items'])} shared gold items"
        )
        if r["decision"] == INCONCLUSIVE:
            out.append(
                f"{a} vs {b}: inconclusive so far (difference {a} − {b} {now}); neither a difference nor "
                f"equivalence within ±{delta} is established: keep labelling, or accept that they are this close."
            )
            continue
        what = f"equivalent within ±{delta}" if r["decision"] == EQUIVALENT else str(r["decision"])
        out.append(
            f"{a} vs {b}: {what}, reached at look {int(r['first_look'])} ({r['first_window']}) on "
            f"{fmt.count(r['gold_items'])} shared gold items (difference {fmt.pct(r['estimate'])} "
            f"[{fmt.pct(r['cs_low'])}, {fmt.pct(r['cs_high'])}]); {now}."
        )
    out += cost_sentences(watched)
    out.append(
        f"Method: {level} anytime-valid confidence sequences, one look per {s['over']} ({s['looks']} looks); a "
        f"decision taken at the first look it holds keeps its error rate however often one looks. They cover "
        f"{s['covers']}."
        + (f" {s['items_without_time']} gold items without a time are left out." if s["items_without_time"] else "")
    )
    return out


def cost_sentences(watched: Sequential) -> list[str]:
    """One sentence per pair on the cost per usable label: its decision, the look it was reached and the ratio
    of the two costs (A / B) then and now."""
    margin = watched.settings.get("cost_margin")
    out = []
    for r in watched.cost_decisions.to_dict("records"):
        a, b = r["vendor_a"], r["vendor_b"]
        now = (
            f"now {ratio(r['final_estimate'])} [{ratio(r['final_cs_low'])}, {ratio(r['final_cs_high'])}] on "
            f"{fmt.count(r['final_gold_items'])} shared gold items"
        )
        if r["decision"] == INCONCLUSIVE:
            out.append(
                f"{a} vs {b}, cost per usable label: inconclusive so far ({a}'s cost over {b}'s {now}); neither "
                f"is shown cheaper, nor are they shown within {fmt.pct(margin, 0)} of each other."
            )
            continue
        what = f"equivalent within {fmt.pct(margin, 0)}" if r["decision"] == EQUIVALENT else str(r["decision"])
        out.append(
            f"{a} vs {b}, cost per usable label: {what}, reached at look {int(r['first_look'])} "
            f"({r['first_window']}) on {fmt.count(r['gold_items'])} shared gold items ({a}'s cost over {b}'s "
            f"{ratio(r['estimate'])} [{ratio(r['cs_low'])}, {ratio(r['cs_high'])}]); {now}."
        )
    if out:
        out.append(f"The costs cover {watched.settings['cost_covers']}.")
    return out
