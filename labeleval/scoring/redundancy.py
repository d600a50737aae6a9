"""What redundancy buys: consensus accuracy on gold items as a function of k labels per item.

For each vendor and k = 1 .. the most judgments it gave any gold item, draw k of each gold item's
judgments without replacement (items with fewer than k are left out at that k), take the consensus (the
majority vote under the evaluation's tie policy, by default fractional credit: a tie among t labels that
include the right one earns 1/t, the expectation of settling it at random; the median or mean for ordinal
and numeric kinds), and score it against gold (within the task's tolerance); average over seeded draws.
The price of an item at k is k times the vendor's cost per label. The interval is a Wilson interval over
the items; ``clears_target`` says whether its lower end reaches the target accuracy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labeleval.inference.stats import wilson_interval
from labeleval.metrics.forms import counts_by_rank
from labeleval.options import TiePolicy
from labeleval.scoring.kinds import Kind
from labeleval.tuning import REDUNDANCY_DRAW_JUDGMENTS, REDUNDANCY_DRAWS


def redundancy_curve(
    *,
    vendor: str,
    item_codes: np.ndarray,
    label_codes: np.ndarray,
    gold_codes: np.ndarray,
    kind: Kind,
    cost_per_label: float,
    draws: int,
    seed: int,
    confidence: float,
    tie: TiePolicy = TiePolicy.FRACTIONAL,
) -> pd.DataFrame:
    """Rows for one vendor: k, items, accuracy (mean over draws), its interval, cost per item."""
    on_gold = gold_codes[item_codes] >= 0
    if not on_gold.any():
        return pd.DataFrame()
    gold_items, items = np.unique(item_codes[on_gold], return_inverse=True)  # gold items only, local codes
    labels = label_codes[on_gold]
    truth = gold_codes[gold_items]
    n_gold = len(gold_items)
    per_item = np.bincount(items, minlength=n_gold)
    max_k = int(per_item.max())
    rng = np.random.default_rng(seed)
    k_classes = len(kind.categories)
    hit = None if kind.exact_match else kind.hit  # exact match: no K x K comparison per draw
    rows = []
    accuracy = np.zeros((draws, max_k))
    ranks = WithinItemRanks(items, per_item)
    for d in range(draws):
        rank = ranks.random(rng.random(len(items)))  # a random order of judgments within each item
        for k, matrix in enumerate(counts_by_rank(items, labels, rank, n_gold, k_classes, max_k), start=1):
            eligible = per_item >= k
            if tie == TiePolicy.FRACTIONAL and kind.majority_vote:
                credit = matrix.tie_credit(truth, hit)[0]
            else:
                consensus = kind.consensus(matrix, tie=tie, rng=rng)
                credit = kind.correct(consensus.code, consensus.value, truth)
            accuracy[d, k - 1] = np.mean(credit[eligible])
    for k in range(1, max_k + 1):
        n_eligible = int((per_item >= k).sum())
        mean = float(accuracy[:, k - 1].mean())
        low, high = wilson_interval(np.array([mean * n_eligible]), np.array([n_eligible]), confidence)
        cost_item = cost_per_label * k
        rows.append(
            {
                "vendor": vendor,
                "k": k,
                "items": n_eligible,
                "accuracy": mean,
                "accuracy_ci_low": float(low[0]),
                "accuracy_ci_high": float(high[0]),
                "draw_sd": float(accuracy[:, k - 1].std(ddof=1)) if draws > 1 else np.nan,
                "cost_per_item": cost_item,
                "cost_per_correct_item": cost_item / mean if mean > 0 else np.inf,
            }
        )
    return pd.DataFrame(rows)


class WithinItemRanks:
    """Each judgment's rank among its item's judgments in the order of random keys (0 first): the rank within
    the item of ``argsort(items + keys)``, the same for any keys in [0, 1). Where the items' judgments fit a
    padded items x k table (at most twice the judgments), the keys are ranked along its rows (sorting rows of k
    keys, not all the judgments at once); else by the sort of all judgments."""

    def __init__(self, items: np.ndarray, per_item: np.ndarray) -> None:
        self.items, self.width = items, int(per_item.max()) if len(per_item) else 0
        self.padded = len(per_item) * self.width <= 2 * len(items)
        if self.padded:
            by_item = np.argsort(items, kind="stable")
            starts = np.r_[0, np.cumsum(per_item)[:-1]]
            self.slot = np.empty(len(items), dtype=np.int64)
            self.slot[by_item] = np.arange(len(items)) - np.repeat(starts, per_item)
            self.table = np.full((len(per_item), self.width), np.inf)

    def random(self, keys: np.ndarray) -> np.ndarray:
        items = self.items
        if not self.padded:
            order = np.argsort(items + keys)
            sorted_items = items[order]
            starts = np.r_[0, np.flatnonzero(sorted_items[1:] != sorted_items[:-1]) + 1]
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
            return rank
        self.table[items, self.slot] = keys  # the unused cells stay infinite: ranked last
        in_row = np.argsort(self.table, axis=1)
        rank_of_slot = np.empty_like(in_row)
        np.put_along_axis(rank_of_slot, in_row, np.arange(self.width)[None, :], axis=1)
        return np.asarray(rank_of_slot[items, self.slot], dtype=np.int64)


def draws_for(gold_judgments: int) -> int:
    """Seeded draws to average over: :data:`~labeleval.tuning.REDUNDANCY_DRAWS`, fewer (two at least) when millions
    of gold judgments make each draw exact enough."""
    return int(max(2, min(REDUNDANCY_DRAWS, REDUNDANCY_DRAW_JUDGMENTS // max(gold_judgments, 1))))


def cheapest_for_target(redundancy: pd.DataFrame, target: float) -> pd.Series | None:
    """The (vendor, k) with the lowest cost per item whose accuracy reaches ``target``; None if none does."""
    if redundancy.empty:
        return None
    reaching = redundancy[redundancy["accuracy"] >= target]
    if reaching.empty:
        return None
    return reaching.sort_values(["cost_per_item", "accuracy"], ascending=[True, False]).iloc[0]


def cheapest_clearing(redundancy: pd.DataFrame, target: float, *, end: str = "accuracy_ci_low") -> pd.Series | None:
    """The cheapest (vendor, k) whose interval's ``end`` reaches ``target``: with the lower end (default),
    the cheapest that clears the target with confidence; with ``accuracy_ci_high``, the cheapest that the
    data cannot rule out. None if none does."""
    if redundancy.empty or end not in redundancy.columns:
        return None
    reaching = redundancy[redundancy[end] >= target]
    if reaching.empty:
        return None
    return reaching.sort_values(["cost_per_item", "accuracy"], ascending=[True, False]).iloc[0]
