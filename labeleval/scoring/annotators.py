"""Annotator report cards: volume, gold accuracy, agreement with peers, Dawid-Skene accuracy, speed and
label skew, and a flag with its reason in words. Vectorised over judgments (no loop over annotators
except to write the reasons of the flagged few).

Flags (each with its evidence in the reason):

- **gold**: the upper end of the ``flag_confidence`` (99%) Wilson interval of gold accuracy is below the
  vendor's gold accuracy, over at least ``min_gold`` gold judgments ("clearly below": at 95% a pool of 150
  annotators at the vendor's level would still give about four flags by chance);
- **model**: the Dawid-Skene accuracy (``sum_k prior_k * confusion[k, k]``, which needs no gold) is more
  than ``ds_margin`` below the vendor's median annotator, over at least ``min_judgments`` judgments;
- **speed**: at least ``too_fast_share`` of the annotator's timed judgments are under ``too_fast_s`` seconds;
- **skew**: the annotator's label mix differs from the vendor's by a total variation distance of at least
  ``skew_tvd``, over at least ``min_judgments`` judgments.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from labeleval.inference.stats import wilson_interval
from labeleval.metrics.forms import dense_ok
from labeleval.project.schema import FlagRules
from labeleval.tuning import MEDIAN_ROWS_PER_PASS, MEDIAN_SORT_PER_KEY


def leave_one_out_agreement(counts_of_item: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per judgment: does its label equal the majority of the *other* judgments on the item?

    ``counts_of_item`` is (judgments x K): the item's label counts for each judgment's item. Returns
    (agrees, comparable), where comparable is False when the others are absent or tied.
    """
    others = counts_of_item.copy()
    rows = np.arange(len(labels))
    others[rows, labels] -= 1
    top = others.max(axis=1)
    unique_top = (others == top[:, None]).sum(axis=1) == 1
    comparable = (top > 0) & unique_top
    agrees = comparable & (others[rows, labels] == top)
    return agrees, comparable


def report_cards(
    *,
    keys: np.ndarray,
    n_keys: int,
    vendor_names: np.ndarray,
    annotator_ids: np.ndarray,
    label_codes: np.ndarray,
    row_gold: np.ndarray,
    leave_one_out: tuple[np.ndarray, np.ndarray],
    durations: np.ndarray | None,
    ds_accuracy: np.ndarray,
    vendor_of_key: np.ndarray,
    vendor_accuracy: dict[str, float],
    k: int,
    confidence: float,
    rules: FlagRules,
    row_hit: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per annotator key (vendor + annotator id).

    ``row_hit`` (per judgment): does the label count as matching gold under the task's rule (a rating within
    the tolerance, a set at the Jaccard threshold)? The annotators' gold accuracy then follows the same rule as
    the vendor's; without it a judgment is right when it equals gold.
    """
    n = np.bincount(keys, minlength=n_keys)
    on_gold = row_gold >= 0
    right = on_gold & (row_hit if row_hit is not None else label_codes == row_gold)
    gold_n = np.bincount(keys, weights=on_gold, minlength=n_keys)
    gold_c = np.bincount(keys, weights=right, minlength=n_keys)
    low, high = wilson_interval(gold_c, gold_n, confidence)
    agrees, comparable = leave_one_out
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.bincount(keys, weights=agrees, minlength=n_keys) / np.bincount(
            keys, weights=comparable, minlength=n_keys
        )
        gold_accuracy = np.where(gold_n > 0, gold_c / gold_n, np.nan)
    skew = label_skew(keys, label_codes, n_keys, k, n, vendor_of_key)
    frame = pd.DataFrame(
        {
            "vendor": vendor_names,
            "annotator_id": annotator_ids,
            "n_judgments": n,
            "gold_judgments": gold_n.astype(np.int64),
            "gold_correct": gold_c.astype(np.int64),
            "gold_accuracy": gold_accuracy,
            "gold_accuracy_ci_low": low,
            "gold_accuracy_ci_high": high,
            "agreement_with_peers": agreement,
            "ds_accuracy": ds_accuracy,
            "label_skew": skew,
        }
    )
    if durations is not None:
        timed = np.isfinite(durations)
        frame["median_seconds"] = median_by_key(keys, durations, n_keys)
        with np.errstate(invalid="ignore", divide="ignore"):
            frame["too_fast_share"] = np.bincount(
                keys, weights=timed & (durations < rules.too_fast_s), minlength=n_keys
            ) / np.bincount(keys, weights=timed, minlength=n_keys)
    else:
        frame["median_seconds"] = np.nan
        frame["too_fast_share"] = np.nan
    frame["low_performer"], frame["flag_reason"] = _flags(frame, vendor_accuracy, rules)
    return frame


def median_by_key(
    keys: np.ndarray, values: np.ndarray, n_keys: int, rows_per_pass: int = MEDIAN_ROWS_PER_PASS
) -> np.ndarray:
    """Per key: the median of its finite ``values`` (NaN without any), as ``groupby(keys).median()`` gives it.

    Keys are taken a range at a time (about ``rows_per_pass`` values and at most 65,536 keys each), so memory is
    a range's, not a pandas groupby's several per-row arrays (about 3 GB at 1e8 rows). In a range the values are
    grouped by key with a radix sort (16-bit keys) and each key's two middle values found by partial sorting,
    linear in its values; a range of many small groups is sorted by key and value instead (fewer Python steps)."""
    out = np.full(n_keys, np.nan)
    finite = np.isfinite(values)
    per_key = np.bincount(keys[finite], minlength=n_keys)
    bounds = np.searchsorted(np.cumsum(per_key), np.arange(rows_per_pass, int(per_key.sum()), rows_per_pass)) + 1
    bounds = np.union1d(bounds, np.arange(_RADIX_KEYS, n_keys, _RADIX_KEYS))
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, n_keys], strict=True):
        if hi <= lo:
            continue
        counts = per_key[lo:hi]
        if not counts.any():
            continue
        whole = lo == 0 and hi == n_keys
        mine = np.flatnonzero(finite if whole else finite & (keys >= lo) & (keys < hi))
        out[lo:hi] = _range_medians(keys[mine] - lo, values[mine], counts)
    return out


#: keys per range of :func:`median_by_key`: its keys, less the range's first, fit 16 bits (radix-sorted)
_RADIX_KEYS: Final = 1 << 16


def _range_medians(key: np.ndarray, value: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The median of ``value`` per ``key`` (0 to ``len(counts)`` - 1, ``counts`` values each; NaN for none)."""
    out = np.full(len(counts), np.nan)
    has = np.flatnonzero(counts)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    low, high = (counts - 1) // 2, counts // 2
    if len(value) < MEDIAN_SORT_PER_KEY * len(has):  # small groups: one sort by key, then value, beats a step per key
        order = np.lexsort((value, key))
        ordered = value[order]
        out[has] = (ordered[starts[has] + low[has]] + ordered[starts[has] + high[has]]) / 2
        return out
    grouped = value[np.argsort(key.astype(np.uint16), kind="stable")]  # radix sort: linear
    for j in has.tolist():
        part = np.partition(grouped[starts[j] : starts[j] + counts[j]], (low[j], high[j]))
        out[j] = (part[low[j]] + part[high[j]]) / 2
    return out


def label_skew(
    keys: np.ndarray, label_codes: np.ndarray, n_keys: int, k: int, n: np.ndarray, vendor_of_key: np.ndarray
) -> np.ndarray:
    """Per annotator key: the total variation distance between its label mix and its vendor's.

    With many annotators x labels (:func:`labeleval.metrics.forms.dense_ok`) it is summed over the labels the
    annotator used, ``TVD = (sum_used (|p_c - q_c| - q_c) + sum_c q_c) / 2``, instead of a keys x K matrix."""
    if dense_ok(n_keys, k):
        mix = np.bincount(keys * k + label_codes, minlength=n_keys * k).reshape(n_keys, k).astype(np.float64)
        mix /= np.maximum(mix.sum(axis=1, keepdims=True), 1)
        vendor_mix = np.zeros_like(mix)
        for vendor in np.unique(vendor_of_key):
            mine = vendor_of_key == vendor
            vendor_mix[mine] = (mix[mine] * n[mine, None]).sum(axis=0) / max(n[mine].sum(), 1)
        return 0.5 * np.abs(mix - vendor_mix).sum(axis=1)
    vendors, vendor_code = np.unique(np.asarray(vendor_of_key).astype(str), return_inverse=True)
    pairs, count = np.unique(keys.astype(np.int64) * k + label_codes, return_counts=True)
    key, label = pairs // k, pairs % k
    by_vendor = np.bincount(vendor_code[key] * k + label, weights=count, minlength=len(vendors) * k)
    totals = np.bincount(vendor_code[key], weights=count, minlength=len(vendors))
    q = (by_vendor.reshape(len(vendors), k) / np.maximum(totals, 1)[:, None])[vendor_code[key], label]
    p = count / np.maximum(n[key], 1)
    used = np.bincount(key, weights=np.abs(p - q) - q, minlength=n_keys)
    return 0.5 * (used + (totals[vendor_code] > 0))


def _flags(frame: pd.DataFrame, vendor_accuracy: dict[str, float], rules: FlagRules) -> tuple[np.ndarray, np.ndarray]:
    baseline = frame["vendor"].map(vendor_accuracy).to_numpy(dtype=np.float64)
    gold_n = frame["gold_judgments"].to_numpy()
    n = frame["n_judgments"].to_numpy()
    _, high = wilson_interval(frame["gold_correct"].to_numpy(), gold_n, rules.flag_confidence)
    gold_flag = (gold_n >= rules.min_gold) & (high < baseline)
    ds = frame["ds_accuracy"].to_numpy(dtype=np.float64)
    ds_median = frame.groupby("vendor")["ds_accuracy"].transform("median").to_numpy(dtype=np.float64)
    model_flag = (n >= rules.min_judgments) & (ds < ds_median - rules.ds_margin)
    fast = frame["too_fast_share"].to_numpy(dtype=np.float64)
    speed_flag = np.nan_to_num(fast) >= rules.too_fast_share
    skew_flag = (n >= rules.min_judgments) & (frame["label_skew"].to_numpy() >= rules.skew_tvd)
    flagged = gold_flag | model_flag | speed_flag | skew_flag
    reasons = np.full(len(frame), "", dtype=object)
    for i in np.flatnonzero(flagged):
        parts = []
        if gold_flag[i]:
            parts.append(
                f"gold accuracy {frame['gold_accuracy'].iat[i]:.0%} [{frame['gold_accuracy_ci_low'].iat[i]:.0%} to "
                f"{frame['gold_accuracy_ci_high'].iat[i]:.0%}] over {gold_n[i]} gold judgments "
                f"(vendor: {baseline[i]:.0%})"
            )
        if model_flag[i]:
            parts.append(f"Dawid-Skene accuracy {ds[i]:.0%} (vendor median {ds_median[i]:.0%})")
        if speed_flag[i]:
            parts.append(f"{fast[i]:.0%} of judgments under {rules.too_fast_s:g} s")
        if skew_flag[i]:
            parts.append(f"label mix {frame['label_skew'].iat[i]:.0%} away from the vendor's")
        reasons[i] = "; ".join(parts)
    return flagged, reasons
