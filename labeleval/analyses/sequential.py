"""Can the pilot stop today? The pilot replayed look by look with anytime-valid confidence sequences.

:func:`sequential` orders a project's gold items by when their labels were complete (the day, week or batch of
the vendor's last judgment on the item; for a pair, the later of the two vendors') and, after each look, gives a
confidence sequence (:mod:`labeleval.inference.sequences`) for

* each vendor's **gold accuracy**: the mean over its gold items of the item's share of the vendor's judgments
  that match gold (the kind's rule);
* each pair's **paired difference** on the gold items both labelled: the mean of ``share_a - share_b``.

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
from labeleval.inference.sequences import annotator_excess, confidence_sequence, running_sums
from labeleval.io.dataset import Dataset
from labeleval.scoring.kinds import kind_for
from labeleval.tuning import WATCH_CONFIDENCE, WATCH_DELTA, WATCH_TUNED_AT

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
        ``window_start``, ``what`` (``accuracy`` of ``vendor``, or ``difference`` ``vendor_a`` − ``vendor_b``),
        gold items so far, the estimate and the confidence sequence (``cs_low``, ``cs_high``), and for pairs the
        status at that look.
    decisions
        One row per pair: the decision, the first look and window it was reached (blank if never), the gold
        items, estimate and sequence then, and at the last look.
    settings
        delta, confidence, the looks, what the sequences cover, the method.
    """

    sequences: pd.DataFrame
    decisions: pd.DataFrame
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Judgments:
    """The judgments on gold of one vendor: item (position in ``shares``), annotator code, right (0/1),
    and per item the vendor's share right, its look (that of its last judgment) and its judgments."""

    item: np.ndarray
    annotator: np.ndarray
    right: np.ndarray
    shares: pd.DataFrame  # indexed by item_id: share, look, judgments


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
        }
    )
    untimed = set(frame.loc[frame["look"] < 0, "item_id"])
    frame = frame[~frame["item_id"].isin(untimed)]
    out = {}
    for vendor in [v.name for v in data.project.vendors]:
        mine = frame[frame["vendor"] == vendor]
        shares = mine.groupby("item_id", sort=True).agg(
            share=("right", "mean"), look=("look", "max"), judgments=("right", "size")
        )
        item = shares.index.get_indexer(mine["item_id"])
        out[vendor] = _Judgments(item, mine["annotator"].to_numpy(), mine["right"].to_numpy(), shares)
    return out, timed, {w: starts.get(w) for w in timed}, len(untimed)


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
) -> Sequential:
    """The pilot replayed look by look (see the module's docstring); ``delta`` is the equivalence margin in
    accuracy points (0.05: five points), ``confidence`` that of every sequence."""
    if over not in LOOKS:
        raise LabelevalError(f"the looks must be one of {', '.join(map(repr, LOOKS))}; got {over!r}")
    if not (0.0 < delta < 1.0):
        raise LabelevalError(f"delta must be above 0 and below 1; got {delta!r}")
    if not (0.5 <= confidence < 1.0):
        raise LabelevalError(f"confidence must be at least 0.5 and below 1; got {confidence!r}")
    if data.gold.empty:
        raise LabelevalError("watching a pilot needs gold labels: declare a [gold] file")
    judgments, windows, starts, left_out = gold_judgments(data, over)
    alpha = 1.0 - confidence
    n_looks = len(windows)
    vendors = list(judgments)
    rows: list[dict[str, Any]] = []
    for vendor in vendors:
        counts, mean, low, high = _vendor_sequence(judgments[vendor], n_looks, alpha, tuned_at)
        rows += _rows(windows, starts, counts, (mean, low, high), what="accuracy", vendor=vendor)
    decisions = []
    for a, b in combinations(vendors, 2):
        counts, mean, low, high = _pair_sequence(judgments[a], judgments[b], n_looks, alpha, tuned_at)
        pair_rows = _rows(windows, starts, counts, (mean, low, high), what="difference", vendor=f"{a} - {b}")
        for row in pair_rows:
            row.update(vendor_a=a, vendor_b=b, status=_status(row["cs_low"], row["cs_high"], a, b, delta))
        rows += pair_rows
        decisions.append(_decision(pair_rows, a, b))
    settings = {
        "delta": delta,
        "confidence": confidence,
        "over": over,
        "looks": n_looks,
        "tuned_at": tuned_at,
        "items_without_time": left_out,
        "covers": COVERS,
        "method": METHOD,
    }
    return Sequential(pd.DataFrame(rows, columns=SEQUENCE_COLUMNS), pd.DataFrame(decisions), settings)


COVERS = "the gold items as a sample from the stream of items, and the vendor's annotators as a sample of its workforce"
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
