"""Metrics per slice of the items (language, domain, difficulty ...).

``evaluate(project, by="language")`` scores every slice of the items on its own (the engine on the slice's
judgments, see :mod:`labeleval.analyses.subsets`) and fills three frames:

``slices``
    slice x vendor: every headline figure with its interval and counts. ``status`` says why a figure is
    missing: ``absent`` (the vendor labelled nothing in the slice), ``no gold`` or ``too few gold items``
    (fewer than ``min_gold_items`` gold items, default 20: the gold figures are left blank rather than
    shown as a number nobody should read).
``slice_comparisons``
    One family of tests, adjusted together by the verdict's bootstrap max-T
    (:func:`labeleval.inference.stats.max_t`, through the comparisons' own family code): every vendor pair's
    difference in every slice on accuracy, consensus accuracy and (unless the usability rule is gold, where
    it *is* the accuracy) the usable rate (``contrast`` "vendors in the slice"), and every pair's accuracy
    difference in a slice against its mean over the slices (``contrast`` "slice against the mean"). The
    resamples are the evaluation's, items and annotators unless ``uncertainty = "items"``
    (:mod:`labeleval.scoring.parts`): a vendor's annotators work in every slice, so which of them happened to
    label a slice is a source of difference between vendors, not a finding about the slice. ``p_adjusted``
    and ``significant`` hold over the whole family, so looking in many slices does not manufacture a finding.
``slice_ranking``
    Per vendor pair, read from that family: ``ranking_differs`` when one vendor is ahead beyond chance in
    one slice and the other in another (a qualitative interaction, claimed only when both simultaneous
    intervals exclude 0), ``difference_differs`` when some slice's accuracy difference departs from the mean
    over slices beyond chance (``differs_in``), and the slices where each vendor is ahead.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from labeleval.analyses.subsets import Scorer, score_quietly, subset
from labeleval.errors import LabelevalError
from labeleval.io.dataset import Dataset
from labeleval.options import Uncertainty, UsabilityRule
from labeleval.scoring.compare import COLUMNS, _difference, _Family
from labeleval.scoring.parts import Parts
from labeleval.scoring.settings import Settings
from labeleval.scoring.uncertainty import RatioSums

MISSING_SLICE = "(missing)"
MIN_GOLD_ITEMS = 20
#: figures measured on gold: blank when the slice has too few gold items
GOLD_FIGURES = ("accuracy", "consensus_accuracy", "usable_rate", "cost_per_usable_label", "cost_per_correct_item")
FIGURES = ("alpha", *GOLD_FIGURES)
SLICE_COLUMNS = (
    "by",
    "slice",
    "vendor",
    "status",
    "n_items",
    "n_judgments",
    "gold_items",
    *(f"{f}{s}" for f in FIGURES for s in ("", "_ci_low", "_ci_high")),
    "total_cost",
)
RANKING_COLUMNS = (
    "vendor_a",
    "vendor_b",
    "slices_compared",
    "a_ahead_in",
    "b_ahead_in",
    "a_ahead_beyond_chance_in",
    "b_ahead_beyond_chance_in",
    "ranking_differs",
    "differs_in",
    "difference_differs",
    "p_adjusted",
    "test",
    "uncertainty",
)
#: the figures compared inside a slice (the cost per usable label is the vendor's price over the usable rate)
SLICE_METRICS = ("accuracy", "consensus_accuracy", "usable_rate")
VENDORS_IN_SLICE = "vendors in the slice"
AGAINST_MEAN = "slice against the mean"
COMPARISON_COLUMNS = ("by", "slice", "contrast", *COLUMNS)


def slice_values(data: Dataset, by: str) -> pd.Series:
    """The slice of every item that was labelled (item metadata column ``by``; missing -> "(missing)")."""
    items = data.items
    if by not in items.columns:
        available = ", ".join(map(repr, items.columns)) or "none (declare [items] or [gold] metadata)"
        raise LabelevalError(f"no item metadata column {by!r} to slice by; the project's item metadata: {available}")
    labelled = pd.Index(pd.unique(data.annotations["item_id"]))
    values = items[by].reindex(labelled)
    return values.fillna(MISSING_SLICE).astype(str)


def _vendor_rows(
    by: str, value: str, report_summary: pd.DataFrame | None, vendors: list[str], min_gold: int
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    summary = report_summary.set_index("vendor") if report_summary is not None else None
    for vendor in vendors:
        row: dict[str, object] = dict.fromkeys(SLICE_COLUMNS, np.nan)
        row.update(by=by, slice=value, vendor=vendor)
        if summary is None or vendor not in summary.index:
            row.update(status="absent", n_items=0, n_judgments=0, gold_items=0)
            rows.append(row)
            continue
        s = summary.loc[vendor]
        for column in SLICE_COLUMNS[4:]:
            if column in s.index:
                row[column] = s[column]
        gold_items = int(s.get("gold_items", 0) or 0)
        if gold_items == 0:
            row["status"] = "no gold"
        elif gold_items < min_gold:
            row["status"] = f"too few gold items ({gold_items} < {min_gold})"
        else:
            row["status"] = "ok"
        if row["status"] != "ok":
            for figure in GOLD_FIGURES:
                for suffix in ("", "_ci_low", "_ci_high"):
                    row[f"{figure}{suffix}"] = np.nan
        rows.append(row)
    return rows


def slice_frames(
    data: Dataset,
    scorer: Scorer,
    by: str,
    *,
    settings: Settings,
    min_gold_items: int = MIN_GOLD_ITEMS,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(``slices``, ``slice_comparisons``, ``slice_ranking``) for item metadata column ``by``.

    ``scorer`` scores each slice on its own for the ``slices`` frame's figures and intervals (the evaluation's
    settings); the tests come from one family over every slice (:func:`slice_tests`)."""
    values = slice_values(data, by)
    item_slice = data.annotations["item_id"].map(values).astype(str).to_numpy()
    vendors = [v.name for v in data.project.vendors]
    slice_rows: list[dict[str, object]] = []
    for value in sorted(pd.unique(values)):
        part = subset(data, item_slice == value)
        report = score_quietly(scorer, part.data) if part.data is not None else None
        slice_rows += _vendor_rows(by, value, report.summary if report is not None else None, vendors, min_gold_items)
    slices = pd.DataFrame(slice_rows, columns=list(SLICE_COLUMNS))
    comparisons = slice_tests(data, settings, by, values, slices)
    return slices, comparisons, slice_ranking(comparisons, vendors, settings)


def _test_name(settings: Settings) -> str:
    over = "items and annotators" if settings.uncertainty == Uncertainty.ITEMS_AND_ANNOTATORS else "items"
    return (
        f"bootstrap max-T over every slice, vendor pair and metric and each slice's accuracy difference against "
        f"its mean over slices, {over}"
    )


def slice_tests(data: Dataset, settings: Settings, by: str, values: pd.Series, slices: pd.DataFrame) -> pd.DataFrame:
    """The ``slice_comparisons`` frame: one max-T family over slices x pairs x metrics and the slices' contrasts.

    A vendor whose slice status is not "ok" (too few gold items) is not tested in that slice."""
    parts = Parts(data, settings)
    enc = parts.enc
    lookup = pd.Series(values.to_numpy(), index=pd.Index(values.index).astype(str))
    item_slice = lookup.reindex(pd.Index(enc.items).astype(str)).to_numpy()
    good = slices[slices["status"] == "ok"]
    ok = set(zip(good["slice"], good["vendor"], strict=True))
    metrics = tuple(m for m in SLICE_METRICS if not (m == "usable_rate" and settings.usability == UsabilityRule.GOLD))
    pairs: list[tuple[str, str, str, np.ndarray]] = []
    wanted: dict[tuple[str, ...], RatioSums] = {}
    for a, b in itertools.combinations(parts.batches, 2):
        shared = parts.batches[a].labelled & parts.batches[b].labelled
        for value in sorted(pd.unique(values)):
            if (value, a) not in ok or (value, b) not in ok:
                continue
            mask = shared & (item_slice == value)
            sums_a, sums_b = parts.sums(a, items=mask), parts.sums(b, items=mask)
            for metric in metrics:
                wanted[(a, b, value, metric, "a")], wanted[(a, b, value, metric, "b")] = sums_a[metric], sums_b[metric]
            pairs.append((a, b, value, mask))
    est = parts.estimates(wanted)
    family = _Family("slices", str(settings.uncertainty), _test_name(settings))
    accuracy: dict[tuple[str, str], list[tuple[dict[str, object], float]]] = {}
    for a, b, value, mask in pairs:
        batch_a, batch_b = parts.batches[a], parts.batches[b]
        counts = {
            "shared_items": int(mask.sum()),
            "shared_gold_items": int((mask & enc.has_gold).sum()),
            "gold_items_a": int((batch_a.labelled & enc.has_gold & (item_slice == value)).sum()),
            "gold_items_b": int((batch_b.labelled & enc.has_gold & (item_slice == value)).sum()),
        }
        for metric in metrics:
            ra, rb = est[(a, b, value, metric, "a")], est[(a, b, value, metric, "b")]
            row: dict[str, object] = {"by": by, "slice": value, "contrast": VENDORS_IN_SLICE, "vendor_a": a}
            row["vendor_b"] = b
            row.update(metric=metric, **counts)
            if min(ra.items, rb.items) < settings.min_shared_gold:
                note = f"too few shared gold items ({min(ra.items, rb.items)} < {settings.min_shared_gold})"
                family.skip(row, ra.value, rb.value, note)
                continue
            ea, eb, samples, floor, df = _difference(batch_a, batch_b, ra, rb, metric, counts["shared_items"])
            family.add(row, ea, eb, samples, floor, df, "")
            if metric == "accuracy":
                accuracy.setdefault((a, b), []).append((row, ea - eb))
    for (a, b), tested in accuracy.items():
        if len(tested) < 2:
            continue
        mean = float(np.mean([d for _, d in tested]))
        for row, d in tested:
            terms = []
            for other, _ in tested:
                c = float(other is row) - 1.0 / len(tested)
                key = (a, b, str(other["slice"]), "accuracy")
                terms += [(c, wanted[(*key, "a")], est[(*key, "a")]), (-c, wanted[(*key, "b")], est[(*key, "b")])]
            contrast = parts.combination(terms)
            note = "the slice's accuracy difference (estimate A) against its mean over the slices (estimate B)"
            family.add({**row, "contrast": AGAINST_MEAN}, d, mean, contrast.samples, contrast.floor, contrast.df, note)
    frame = pd.DataFrame(family.finish(settings.confidence), columns=list(COMPARISON_COLUMNS))
    return frame.astype({"significant": bool})


def _slices_where(rows: pd.DataFrame, mask: pd.Series) -> str:
    return ", ".join(str(s) for s in rows.loc[mask, "slice"])


def slice_ranking(comparisons: pd.DataFrame, vendors: list[str], settings: Settings) -> pd.DataFrame:
    """Does the accuracy ranking (or difference) of two vendors differ between slices? One row per pair,
    read from the family of :func:`slice_tests` (nothing is tested here)."""
    out = []
    accuracy = comparisons[(comparisons["metric"] == "accuracy") & comparisons["p_adjusted"].notna()]
    for a, b in itertools.combinations(vendors, 2):
        mine = accuracy[(accuracy["vendor_a"] == a) & (accuracy["vendor_b"] == b)]
        inside = mine[mine["contrast"] == VENDORS_IN_SLICE]
        against = mine[mine["contrast"] == AGAINST_MEAN]
        significant = inside["significant"].astype(bool)
        a_sure = _slices_where(inside, significant & (inside["difference"] > 0))
        b_sure = _slices_where(inside, significant & (inside["difference"] < 0))
        differs = _slices_where(against, against["significant"].astype(bool))
        out.append(
            {
                "vendor_a": a,
                "vendor_b": b,
                "slices_compared": len(inside),
                "a_ahead_in": _slices_where(inside, inside["difference"] > 0),
                "b_ahead_in": _slices_where(inside, inside["difference"] < 0),
                "a_ahead_beyond_chance_in": a_sure,
                "b_ahead_beyond_chance_in": b_sure,
                "ranking_differs": bool(a_sure and b_sure),
                "differs_in": differs,
                "difference_differs": bool(differs),
                "p_adjusted": float(against["p_adjusted"].min()) if len(against) else np.nan,
                "test": _test_name(settings),
                "uncertainty": str(settings.uncertainty),
            }
        )
    return pd.DataFrame(out, columns=list(RANKING_COLUMNS)).astype(
        {"ranking_differs": bool, "difference_differs": bool}
    )
