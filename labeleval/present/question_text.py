"""Sentences on the slice and drift frames, shared by the command line and the app: what was found and what was
tested (both frames carry their test in a ``test`` column; these sentences say it in short)."""

from __future__ import annotations

import pandas as pd

from labeleval import fmt


def _over(frame: pd.DataFrame) -> str:
    """'items and annotators' or 'items': what the frame's intervals and tests count."""
    if "uncertainty" in frame.columns and len(frame) and str(frame["uncertainty"].iloc[0]) == "items":
        return "items"
    return "items and annotators"


def slice_sentences(ranking: pd.DataFrame, by: str) -> list[str]:
    """Per vendor pair: a ranking that flips between slices, or a difference that is not the same in every slice;
    else one sentence that nothing differs beyond chance."""
    family = (
        f"one max-T family over every slice, vendor pair and metric, intervals over {_over(ranking)}"
        if len(ranking)
        else ""
    )
    out = []
    for r in ranking.itertuples(index=False):
        p = fmt.p_phrase(r.p_adjusted)
        if bool(r.ranking_differs):
            out.append(
                f"The ranking of {r.vendor_a} and {r.vendor_b} differs between {by} slices: {r.vendor_a} is ahead "
                f"beyond chance in {r.a_ahead_beyond_chance_in}, {r.vendor_b} in {r.b_ahead_beyond_chance_in} "
                f"({family})."
            )
        elif bool(r.difference_differs):
            out.append(
                f"The accuracy difference between {r.vendor_a} and {r.vendor_b} is not the same in every {by} slice: "
                f"it departs from its mean over the slices in {r.differs_in} ({p}; {family})."
            )
    if not out:
        out.append(f"No pair of vendors ranks or differs differently between {by} slices beyond chance ({family}).")
    return out


def drift_sentences(drift: pd.DataFrame) -> list[str]:
    """Per vendor with a change point: where, from what to what; else that no vendor's accuracy changed."""
    test = (
        "change-point test: accuracy from each window on against the windows before it, one max-T family over "
        f"vendors and windows, intervals over {_over(drift)}"
    )
    changed = drift[drift["changed"].astype(bool)] if len(drift) else drift
    out = [
        f"{r.vendor}: accuracy {fmt.pct(r.accuracy_since)} from {r.window} on, against {fmt.pct(r.accuracy_before)} "
        f"before it ({100 * r.change:+.1f} points, {fmt.p_phrase(r.p_adjusted)}; {test})."
        for r in changed.itertuples(index=False)
    ]
    if not out:
        out.append(f"No vendor's accuracy changed beyond chance over time ({test}).")
    return out
