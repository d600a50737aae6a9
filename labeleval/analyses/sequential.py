"""Can the pilot stop today? The pilot replayed look by look with anytime-valid confidence sequences.

:func:`sequential` orders a project's gold items by when their labels were complete (the day, week or batch of
the vendor's last judgment on the item; for a pair, the later of the two vendors') and, after each look, gives a
confidence sequence (:mod:`labeleval.inference.sequences`) for

* each vendor's **gold accuracy**: the mean over its gold items of the item's share of the vendor's judgments
  that match gold (the kind's rule);
* each pair's **paired difference** on the gold items both labelled: the mean of ``share_a - share_b``.

* each vendor's **cost per usable label** on its gold items: what their judgments cost over the judgments that
  match gold (a ratio of sums: under hourly pay both vary with the annotators' hours);
* each pair's **ratio of costs** on the gold items both labelled.

The costs' sequences are delta-method sequences on the log scale
(:func:`labeleval.inference.sequences.log_ratio_sequence`): a unit's influence on the log cost is
``pay_i / mean pay - usable_i / mean usable``, the mean of which gets the same boundary as accuracy. Their
decisions: ``A cheaper`` / ``B cheaper`` when the ratio's sequence excludes 1, ``equivalent`` when it lies
within ``1 / (1 + margin)`` and ``1 + margin``.

A pair's decision, at the first look where it is reached and kept from then on (a look may be taken every day;
the error rates hold for the whole run): ``A better`` / ``B better`` when the difference's sequence excludes 0,
``equivalent within delta`` when it lies inside ``(-delta, delta)``, ``continue`` while neither holds, and
``inconclusive`` when the data end first.

**What the sequences cover**: the gold items are the random units, in the order their labels were complete;
each unit is an item's share of the vendor's judgments that match gold. The vendor's annotators are a source of
error too, as in the report's headline intervals: the variance of the running mean carries the annotators' part
(two-way cluster-robust, :func:`labeleval.inference.sequences.annotator_excess`), which does not shrink with
more items, so a pilot staffed by a few annotators cannot separate vendors closer than those annotators differ.
Judgments without a time (or batch) are left out, with every judgment of their items
(``settings["items_without_time"]``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from labeleval.analyses.drift import MISSING_WINDOW, windows_of
from labeleval.errors import LabelevalError
from labeleval.inference.sequences import (
    annotator_excess,
    confidence_sequence,
    linear_annotator_excess,
    log_ratio_sequence,
    running_gram,
    running_sums,
)
from labeleval.io.dataset import Dataset
from labeleval.scoring.cost import cost_breakdown, judgment_pay
from labeleval.scoring.kinds import kind_for
from labeleval.tuning import WATCH_CONFIDENCE, WATCH_COST_MARGIN, WATCH_COST_TUNED_AT, WATCH_DELTA, WATCH_TUNED_AT

CONTINUE = "continue"
EQUIVALENT = "equivalent within delta"
INCONCLUSIVE = "inconclusive"
LOOKS = ("day", "week", "batch")


def better(vendor: str) -> str:
    return f"{vendor} better"


@dataclass(frozen=True)
class Sequential:
    """The watched pilot.

    Attributes
    ----------
    sequences
        One row per look and sequence: ``look`` (1 first), ``window`` (its day, week or batch) and
        ``window_start``, ``what`` (``accuracy`` of ``vendor``, or ``difference`` ``vendor_a`` − ``vendor_b``;
        ``cost`` per usable label of ``vendor``, or ``cost ratio`` ``vendor_a`` / ``vendor_b``), gold items so
        far, the estimate and the confidence sequence (``cs_low``, ``cs_high``), and for pairs the status at that
        look.
    decisions
        One row per pair on gold accuracy: the decision, the first look and window it was reached (blank if
        never), the gold items, estimate and sequence then, and at the last look.
    settings
        delta, cost margin, confidence, the looks, what the sequences cover, the method.
    cost_decisions
        One row per pair on cost per usable label, as ``decisions``: ``A cheaper``, ``B cheaper``, ``equivalent
        within delta`` (the cost margin), ``continue`` or ``inconclusive``; the estimate is the ratio of the
        costs ``vendor_a`` / ``vendor_b``.
    """

    sequences: pd.DataFrame
    decisions: pd.DataFrame
    settings: Mapping[str, Any] = field(default_factory=dict)
    cost_decisions: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class _Judgments:
    """The judgments on gold of one vendor: item (position in ``shares``), annotator code, right (0/1), pay
    (:func:`judgment_costs`), and per item the vendor's share right, its look (that of its last judgment), its
    judgments, their pay and the usable (right) ones."""

    item: np.ndarray
    annotator: np.ndarray
    right: np.ndarray
    pay: np.ndarray
    shares: pd.DataFrame  # indexed by item_id: share, look, judgments, pay, usable


def gold_judgments(data: Dataset, over: str) -> tuple[dict[str, _Judgments], list[str], dict[str, Any], int]:
    """Each vendor's judgments on gold (:class:`_Judgments`), the looks' windows in order and their starts, and
    the gold items left out because a judgment of theirs has no time."""
    window, order, starts = windows_of(data, over)
    ann = data.annotations
    gold = data.gold
    kind = kind_for(data.project.task, ann["label"].cat.categories)
    gold_code = pd.Series(gold.cat.codes.to_numpy(dtype=np.int64), index=gold.index.astype(str))
    g = gold_code.reindex(ann["item_id"].astype(str).to_numpy()).fillna(-1).to_numpy(dtype=np.int64)
    on_gold = g >= 0
    code = ann["label"].cat.codes.to_numpy(dtype=np.int64)[on_gold]
    timed = [w for w in order if w != MISSING_WINDOW]
    position = {w: i for i, w in enumerate(timed)}
    frame = pd.DataFrame(
        {
            "vendor": ann["vendor"].to_numpy()[on_gold],
            "item_id": ann["item_id"].astype(str).to_numpy()[on_gold],
            "annotator": pd.factorize(ann["annotator_id"].astype(str).to_numpy()[on_gold])[0],
            "right": np.asarray(kind.hit[code, g[on_gold]], dtype=np.float64),
            "look": pd.Series(window[on_gold]).map(position).fillna(-1).to_numpy(dtype=np.int64),
            "pay": judgment_costs(data)[on_gold],
        }
    )
    untimed = set(frame.loc[frame["look"] < 0, "item_id"])
    frame = frame[~frame["item_id"].isin(untimed)]
    out = {}
    for vendor in [v.name for v in data.project.vendors]:
        mine = frame[frame["vendor"] == vendor]
        shares = mine.groupby("item_id", sort=True).agg(
            share=("right", "mean"),
            look=("look", "max"),
            judgments=("right", "size"),
            pay=("pay", "sum"),
            usable=("right", "sum"),
        )
        item = shares.index.get_indexer(mine["item_id"])
        out[vendor] = _Judgments(
            item, mine["annotator"].to_numpy(), mine["right"].to_numpy(), mine["pay"].to_numpy(), shares
        )
    return out, timed, {w: starts.get(w) for w in timed}, len(untimed)


def judgment_costs(data: Dataset) -> np.ndarray:
    """What each kept judgment cost, in the project's currency, so that a vendor's judgments add up to its
    bill (:func:`labeleval.scoring.cost.cost_breakdown`, fees and quarantined rows included): the bill over
    the judgments where every judgment costs the same; under hourly pay the judgment's own pay
    (:func:`labeleval.scoring.cost.judgment_pay`: rate x duration, or the person's rate x hours) scaled to the
    bill (a vendor whose judgments carry no duration or cost falls back to the mean)."""
    ann = data.annotations
    vendor = ann["vendor"].astype(str).to_numpy()
    durations = ann["duration_s"].to_numpy(dtype=np.float64) if "duration_s" in ann.columns else None
    costs = ann["cost"].to_numpy(dtype=np.float64) if "cost" in ann.columns else None
    out = np.full(len(ann), np.nan)
    for v in data.project.vendors:
        rows = np.flatnonzero(vendor == v.name)
        if not len(rows) or v.name not in data.billing:
            continue
        total = cost_breakdown(v.pricing, data.billing[v.name]).total
        pay = judgment_pay(
            v.pricing, None if durations is None else durations[rows], None if costs is None else costs[rows]
        )
        paid = float(np.sum(pay)) if pay is not None else 0.0
        out[rows] = pay * (total / paid) if pay is not None and paid > 0 else total / len(rows)
    return out


def _vendor_sequence(j: _Judgments, n_looks: int, alpha: float, tuned_at: float) -> tuple[np.ndarray, ...]:
    look = j.shares["look"].to_numpy()
    counts, sums, squares = running_sums(look, j.shares["share"].to_numpy(), n_looks)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (sums / counts)[None, :]
    weight = 1.0 / j.shares["judgments"].to_numpy()[j.item]
    excess = annotator_excess(
        look[j.item], j.annotator, np.zeros(len(j.item), dtype=np.int64), j.right, weight, means, counts
    )
    return counts, *confidence_sequence(
        counts, sums, squares, bounds=(0.0, 1.0), alpha=alpha, tuned_at=tuned_at, excess=excess
    )


def _pair_sequence(a: _Judgments, b: _Judgments, n_looks: int, alpha: float, tuned_at: float) -> tuple[np.ndarray, ...]:
    both = a.shares.merge(b.shares, left_index=True, right_index=True, suffixes=("_a", "_b"), how="inner")
    look = np.maximum(both["look_a"].to_numpy(), both["look_b"].to_numpy())
    counts, sums, squares = running_sums(look, (both["share_a"] - both["share_b"]).to_numpy(), n_looks)
    means, parts = [], []
    for g, (j, suffix) in enumerate(((a, "_a"), (b, "_b"))):
        with np.errstate(invalid="ignore", divide="ignore"):
            means.append(running_sums(look, both[f"share{suffix}"].to_numpy(), n_looks)[1] / counts)
        shared = both.index.get_indexer(j.shares.index)[j.item]  # the judgment's item among the shared ones
        keep = shared >= 0
        weight = 1.0 / j.shares["judgments"].to_numpy()[j.item[keep]]
        parts.append((look[shared[keep]], j.annotator[keep] * 2 + g, np.full(keep.sum(), g), j.right[keep], weight))
    look_j, annotator, group, right, weight = (np.concatenate(x) for x in zip(*parts, strict=True))
    excess = annotator_excess(look_j, annotator, group, right, weight, np.vstack(means), counts)
    return counts, *confidence_sequence(
        counts, sums, squares, bounds=(-1.0, 1.0), alpha=alpha, tuned_at=tuned_at, excess=excess
    )


def sequential(
    data: Dataset,
    *,
    delta: float = WATCH_DELTA,
    confidence: float = WATCH_CONFIDENCE,
    over: str = "day",
    tuned_at: float = WATCH_TUNED_AT,
    cost_margin: float = WATCH_COST_MARGIN,
) -> Sequential:
    """The pilot replayed look by look (see the module's docstring); ``delta`` is the equivalence margin in
    accuracy points (0.05: five points), ``cost_margin`` that of the cost per usable label as a relative
    difference (0.1: the ratio of the costs within 1/1.1 and 1.1), ``confidence`` that of every sequence."""
    if over not in LOOKS:
        raise LabelevalError(f"the looks must be one of {', '.join(map(repr, LOOKS))}; got {over!r}")
    if not (0.0 < delta < 1.0):
        raise LabelevalError(f"delta must be above 0 and below 1; got {delta!r}")
    if not (0.0 < cost_margin < 1.0):
        raise LabelevalError(f"the cost margin must be above 0 and below 1; got {cost_margin!r}")
    if not (0.5 <= confidence < 1.0):
        raise LabelevalError(f"confidence must be at least 0.5 and below 1; got {confidence!r}")
    if data.gold.empty:
        raise LabelevalError("watching a pilot needs gold labels: declare a [gold] file")
    judgments, windows, starts, left_out = gold_judgments(data, over)
    look = _Look(windows, starts, 1.0 - confidence, tuned_at)
    rows, decisions = _accuracy(judgments, look, delta)
    cost_rows, cost_decisions = _cost(judgments, look, cost_margin)
    settings = {
        "delta": delta,
        "cost_margin": cost_margin,
        "confidence": confidence,
        "over": over,
        "looks": len(windows),
        "tuned_at": tuned_at,
        "cost_tuned_at": WATCH_COST_TUNED_AT,
        "items_without_time": left_out,
        "covers": COVERS,
        "cost_covers": COST_COVERS,
        "method": METHOD,
    }
    return Sequential(
        sequences=pd.DataFrame(rows + cost_rows, columns=SEQUENCE_COLUMNS),
        decisions=pd.DataFrame(decisions),
        settings=settings,
        cost_decisions=pd.DataFrame(cost_decisions),
    )


@dataclass(frozen=True)
class _Look:
    """The looks' windows and starts, and the sequences' alpha and tuning."""

    windows: list[str]
    starts: dict[str, Any]
    alpha: float
    tuned_at: float

    @property
    def n(self) -> int:
        return len(self.windows)


def _accuracy(
    judgments: dict[str, _Judgments], look: _Look, delta: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The accuracy sequences (per vendor and per pair's difference) and the pairs' decisions."""
    rows: list[dict[str, Any]] = []
    for vendor, j in judgments.items():
        counts, mean, low, high = _vendor_sequence(j, look.n, look.alpha, look.tuned_at)
        rows += _rows(look.windows, look.starts, counts, (mean, low, high), what="accuracy", vendor=vendor)
    decisions = []
    for a, b in combinations(judgments, 2):
        counts, mean, low, high = _pair_sequence(judgments[a], judgments[b], look.n, look.alpha, look.tuned_at)
        pair_rows = _rows(look.windows, look.starts, counts, (mean, low, high), what="difference", vendor=f"{a} - {b}")
        for row in pair_rows:
            row.update(vendor_a=a, vendor_b=b, status=_status(row["cs_low"], row["cs_high"], a, b, delta))
        rows += pair_rows
        decisions.append(_decision(pair_rows, a, b))
    return rows, decisions


def _cost(
    judgments: dict[str, _Judgments], look: _Look, margin: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The cost per usable label's sequences (per vendor, and per pair the ratio of the two on the gold items
    both labelled) and the pairs' decisions: cheaper, or equivalent within ``margin``."""
    rows: list[dict[str, Any]] = []
    for vendor, j in judgments.items():
        counts, *cs = _cost_sequence([j], look)
        rows += _rows(look.windows, look.starts, counts, tuple(cs), what="cost", vendor=vendor)  # type: ignore[arg-type]
    decisions = []
    for a, b in combinations(judgments, 2):
        counts, *cs = _cost_sequence([judgments[a], judgments[b]], look)
        pair_rows = _rows(look.windows, look.starts, counts, tuple(cs), what="cost ratio", vendor=f"{a} / {b}")  # type: ignore[arg-type]
        for row in pair_rows:
            row.update(vendor_a=a, vendor_b=b, status=_cost_status(row["cs_low"], row["cs_high"], a, b, margin))
        rows += pair_rows
        decisions.append(_decision(pair_rows, a, b))
    return rows, decisions


def _cost_sequence(vendors: list[_Judgments], look: _Look) -> tuple[np.ndarray, ...]:
    """Counts and the (estimate, low, high) of one vendor's cost per usable label (spend / usable labels on its
    gold items), or of two vendors' ratio of costs on the gold items both labelled, at each look: a delta-method
    confidence sequence on the log scale (:func:`labeleval.inference.sequences.log_ratio_sequence`), with the
    annotators' part of the variance as for accuracy."""
    shares = vendors[0].shares[["look", "judgments", "pay", "usable"]]
    for other in vendors[1:]:
        shares = shares.join(other.shares[["look", "judgments", "pay", "usable"]], how="inner", suffixes=("", "_b"))
    unit_look = shares.filter(like="look").max(axis=1).to_numpy(dtype=np.int64)
    columns = np.column_stack([shares[c].to_numpy() for c in shares.columns if c.startswith(("pay", "usable"))])
    counts, sums, gram = running_gram(unit_look, columns, look.n)
    ranges = np.zeros((look.n, columns.shape[1]))
    with np.errstate(invalid="ignore", divide="ignore"):
        for g, name in enumerate(c for c in shares.columns if c.startswith("judgments")):
            ranges[:, 2 * g + 1] = np.nan_to_num(running_sums(unit_look, shares[name].to_numpy(), look.n)[1] / counts)
    signs = np.array([1.0, -1.0, -1.0, 1.0])[: columns.shape[1]]
    parts = []
    for g, j in enumerate(vendors):
        unit = shares.index.get_indexer(j.shares.index)[j.item]  # the judgment's unit among those counted
        keep = unit >= 0
        values = np.zeros((int(keep.sum()), columns.shape[1]))
        values[:, 2 * g], values[:, 2 * g + 1] = j.pay[keep], j.right[keep]
        parts.append((unit_look[unit[keep]], j.annotator[keep] * len(vendors) + g, values))
    j_look, annotator, values = (np.concatenate(x) for x in zip(*parts, strict=True))

    def excess(coef: np.ndarray) -> np.ndarray:
        return linear_annotator_excess(j_look, annotator, values, coef, counts)

    estimate, low, high = log_ratio_sequence(
        counts, sums, gram, signs, ranges, alpha=look.alpha, tuned_at=WATCH_COST_TUNED_AT, excess=excess
    )
    return counts, np.exp(estimate), np.exp(low), np.exp(high)


COVERS = "the gold items as a sample from the stream of items, and the vendor's annotators as a sample of its workforce"
COST_COVERS = (
    "the cost per usable label on the gold items (what their judgments cost, with the bill's fees and quarantined "
    "rows spread over the judgments, over the judgments that match gold), the gold items and the annotators "
    "(their speed under hourly pay, their accuracy) as samples"
)
METHOD = (
    "normal-mixture confidence sequence (Waudby-Smith, Arnold, Wu, Ramdas & Howard 2024; Howard et al. 2021) on "
    "per-item shares, variance regularised to the range, with the annotators' part of the variance "
    "(two-way cluster-robust) as a floor"
)


SEQUENCE_COLUMNS = (
    "look",
    "window",
    "window_start",
    "what",
    "vendor",
    "vendor_a",
    "vendor_b",
    "gold_items",
    "estimate",
    "cs_low",
    "cs_high",
    "status",
)


def _rows(
    windows: list[str],
    starts: dict[str, Any],
    counts: np.ndarray,
    cs: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    what: str,
    vendor: str,
) -> list[dict[str, Any]]:
    mean, low, high = cs
    return [
        {
            "look": k + 1,
            "window": w,
            "window_start": starts.get(w),
            "what": what,
            "vendor": vendor,
            "gold_items": int(counts[k]),
            "estimate": float(mean[k]),
            "cs_low": float(low[k]),
            "cs_high": float(high[k]),
        }
        for k, w in enumerate(windows)
    ]


def _status(low: float, high: float, a: str, b: str, delta: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return CONTINUE
    if low > 0:
        return better(a)
    if high < 0:
        return better(b)
    if -delta < low and high < delta:
        return EQUIVALENT
    return CONTINUE


def cheaper(vendor: str) -> str:
    return f"{vendor} cheaper"


def _cost_status(low: float, high: float, a: str, b: str, margin: float) -> str:
    """The status of the ratio ``cost_a / cost_b`` at one look."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return CONTINUE
    if high < 1.0:
        return cheaper(a)
    if low > 1.0:
        return cheaper(b)
    if 1.0 / (1.0 + margin) < low and high < 1.0 + margin:
        return EQUIVALENT
    return CONTINUE


def _decision(rows: list[dict[str, Any]], a: str, b: str) -> dict[str, Any]:
    reached = next((r for r in rows if r["status"] != CONTINUE), None)
    last = rows[-1] if rows else None
    out: dict[str, Any] = {"vendor_a": a, "vendor_b": b}
    if reached is None:
        out.update(decision=INCONCLUSIVE, first_look=math.nan, first_window=None)
    else:
        out.update(decision=reached["status"], first_look=reached["look"], first_window=reached["window"])
    source = reached or last or {}
    out.update(
        gold_items=source.get("gold_items", 0),
        estimate=source.get("estimate", math.nan),
        cs_low=source.get("cs_low", math.nan),
        cs_high=source.get("cs_high", math.nan),
        final_gold_items=(last or {}).get("gold_items", 0),
        final_estimate=(last or {}).get("estimate", math.nan),
        final_cs_low=(last or {}).get("cs_low", math.nan),
        final_cs_high=(last or {}).get("cs_high", math.nan),
    )
    return out
