"""Krippendorff's alpha of a vendor with items *and* annotators varying: the annotators' part of its interval.

Alpha is ``1 - (N - 1) D / E``: ``D`` the observed disagreement summed over pairable items (each item's pairs
of values over ``m_i - 1``), ``N`` the pairable values, ``E`` the expected disagreement of their marginals.
The item bootstrap (:mod:`.statistics`) resamples items with these annotators held; a vendor is its workforce,
so alpha also moves with which annotators it staffs. The population the two-way interval speaks of is the alpha
of *the vendor's annotator population on this item population*: fresh annotators drawn as these were, on
fresh items like these.

Linearised (delta method), each pairable value ``j`` (label ``c`` on item ``i``) has two influences on alpha,
with ``A = 1 - alpha``, ``s_j = sum_k n_ik d(c, k) / (m_i - 1)`` (its disagreement with the item's other values)
and ``e_c = 2 sum_k N_k d(c, k)`` (its part of ``E``):

- resampling items weighs all of an item's values at once: ``p_j = A (e_c / E - s_j / D - 1 / N)``;
- resampling annotators weighs a *pair* of values by both annotators' weights, so an annotator carries each of
  its pairs whole: ``q_j = A (e_c / E - 2 s_j / D)`` (the first-order projection of a U-statistic of pairs).

Both sum to 0. ``V_i`` is the sum over items of the squared sums of ``p``, ``V_a`` over annotators of the
squared sums of ``q``, ``V_e`` the sum of ``q^2`` (judgment-level noise, counted in ``V_a``). The annotators'
excess is the accuracy ratios' components estimator (:func:`~labeleval.inference.stats.annotator_excess`):
``c (V_a - V_e)``, with the exact factor for unequal volumes and the dilution of an annotator's effect by its
partners (half of ``s_j`` is theirs: the dilution of two judgments per item), and the Satterthwaite df the
annotators bound. Ordinal alpha's mid-ranks are held at the sample's. Ratio-level alpha over many categories
(counts held as non-zero cells) keeps the item part alone.

Everything is from the counts and one pass over the vendor's judgments (annotator sums of ``q``), in passes of
:data:`~labeleval.tuning.RATIO_ROWS_PER_PASS` rows; memory linear in items x categories and annotators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import ndtri, stdtrit

from labeleval.inference.stats import (
    ANNOTATOR_STREAM,
    annotator_df_terms,
    annotator_excess,
    bootstrap_totals,
    excess_factor,
    two_way_df,
    two_way_samples,
    volume_df,
    volume_factor,
)
from labeleval.metrics.agreement import delta, midranks
from labeleval.scoring.encode import Encoded, VendorBatch
from labeleval.tuning import RATIO_ROWS_PER_PASS

PARTNER_DILUTION = 2.0  # an annotator's pairs hold its own value and, as much again, its partners'


@dataclass(frozen=True)
class AlphaParts:
    """One vendor's alpha variance pieces (delta method) and its annotators' influences."""

    value: float  # alpha from the same sums (equals the statistic's)
    item_variance: float  # V_i
    annotator_variance: float  # V_a
    judgment_variance: float  # V_e
    influence: np.ndarray  # per annotator key: sum of q over its pairable values
    volume: np.ndarray  # per annotator key: its pairable values
    items: int  # pairable items
    values: int  # pairable values (N)


@dataclass(frozen=True)
class AlphaTwoWay:
    """Alpha's two-way resamples and interval, with the pieces behind them."""

    samples: np.ndarray
    low: float
    high: float
    excess: float
    df: float


class _Disagreement:
    """Per item and per category pieces of ``D`` and ``E`` at the kind's level, from the counts."""

    def __init__(self, counts: np.ndarray | sparse.csr_array, level: str, values: np.ndarray) -> None:
        self.counts, self.level = counts, level
        self.cross: np.ndarray | None = None
        self.m = np.asarray(counts.sum(axis=1), dtype=np.float64).reshape(-1)
        self.pairable = self.m >= 2
        keep = sparse.diags_array(self.pairable.astype(np.float64))
        nc = np.asarray((keep @ counts).sum(axis=0), dtype=np.float64).reshape(-1)
        self.marginals, self.n = nc, float(nc.sum())
        self.v = midranks(nc) if level == "ordinal" else np.asarray(values, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.scale = np.where(self.pairable, 1.0 / np.maximum(self.m - 1.0, 1.0), 0.0)
        if level in ("interval", "ordinal"):
            s1, s2 = (nc * self.v).sum(), (nc * self.v**2).sum()
            self.e = 2.0 * (self.n * self.v**2 - 2.0 * self.v * s1 + s2)
            self.s1 = np.asarray(counts @ self.v).reshape(-1)
            self.s2 = np.asarray(counts @ (self.v**2)).reshape(-1)
        elif level == "nominal":
            self.e = 2.0 * (self.n - nc)
        elif isinstance(counts, np.ndarray):  # ratio: the K x K differences, on dense counts (few categories)
            d = delta(level, self.v)
            self.e = 2.0 * (d @ nc)
            self.cross = counts @ d
        else:
            self.e = np.zeros(len(nc))
        self.expected = float(nc @ self.e) / 2.0

    @property
    def supported(self) -> bool:
        return self.level != "ratio" or self.cross is not None

    def share(self, item: np.ndarray, label: np.ndarray, n: np.ndarray) -> np.ndarray:
        """``s`` of the cells ``(item, label)`` holding ``n`` values: disagreement with the item's other values
        over ``m_i - 1``."""
        if self.level in ("interval", "ordinal"):
            v = self.v[label]
            raw = self.m[item] * v**2 - 2.0 * v * self.s1[item] + self.s2[item]
        elif self.level == "nominal":
            raw = self.m[item] - n
        else:
            assert self.cross is not None
            raw = self.cross[item, label]
        return raw * self.scale[item]


def _cells(counts: np.ndarray | sparse.csr_array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells (item, label, count) the pieces are computed on: every cell of dense counts (so a value's cell is
    ``item x K + label``), the non-zero cells of sparse ones (CSR order)."""
    if isinstance(counts, np.ndarray):
        n_items, k = counts.shape
        return np.repeat(np.arange(n_items), k), np.tile(np.arange(k), n_items), counts.ravel().astype(np.float64)
    cells = sparse.csr_array(counts)
    cells.sort_indices()
    item = np.repeat(np.arange(cells.shape[0]), np.diff(cells.indptr))
    return item, cells.indices, cells.data.astype(np.float64)


def alpha_parts(enc: Encoded, batch: VendorBatch) -> AlphaParts | None:
    """The variance pieces of one vendor's alpha; None where alpha is undefined or the level has no linearisation
    here (ratio level over many categories)."""
    counts = batch.store.matrix
    pieces = _Disagreement(counts, enc.kind.level, enc.kind.values)
    if not pieces.supported or not pieces.expected > 0 or pieces.n < 2:
        return None
    # per cell (item, label): s and the two influences (0 off pairable items), summed per item by the counts
    cell_item, cell_label, cell_n = _cells(counts)
    share = pieces.share(cell_item, cell_label, cell_n)
    observed = float(cell_n @ share)
    if not observed > 0:
        return None
    a = (pieces.n - 1.0) * observed / pieces.expected
    on = pieces.pairable[cell_item]
    e = pieces.e[cell_label] / pieces.expected
    p = np.where(on, a * (e - share / observed - 1.0 / pieces.n), 0.0)
    q = np.where(on, a * (e - 2.0 * share / observed), 0.0)
    per_item = np.bincount(cell_item, cell_n * p, len(pieces.m))
    influence, volume = _annotator_sums(enc, batch, counts, q, pieces.pairable)
    return AlphaParts(
        value=1.0 - a,
        item_variance=float(per_item @ per_item),
        annotator_variance=float(influence @ influence),
        judgment_variance=float(cell_n @ (q * q)),
        influence=influence,
        volume=volume,
        items=int(pieces.pairable.sum()),
        values=round(pieces.n),
    )


def _annotator_sums(
    enc: Encoded, batch: VendorBatch, counts: np.ndarray | sparse.csr_array, q: np.ndarray, pairable: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per annotator key: the sum of its values' ``q`` (by cell, as :func:`_cells` orders them) and its pairable
    values, in one pass over the vendor's rows."""
    n_keys, k = enc.n_keys, counts.shape[1]
    influence, volume = np.zeros(n_keys), np.zeros(n_keys)
    cell_keys = None
    if not isinstance(counts, np.ndarray):  # sparse: a value's cell found among the sorted non-zero cells
        cells = sparse.csr_array(counts)
        cells.sort_indices()
        cell_keys = np.repeat(np.arange(cells.shape[0], dtype=np.int64), np.diff(cells.indptr)) * k + cells.indices
    for rows in batch.passes(RATIO_ROWS_PER_PASS):
        item, key = enc.item_codes[rows], enc.keys[rows]
        cell = item.astype(np.int64) * k + enc.label_codes[rows]
        if cell_keys is not None:
            cell = np.searchsorted(cell_keys, cell)
        influence += np.bincount(key, q[cell], n_keys)
        volume += np.bincount(key, pairable[item], n_keys)
    return influence, volume


def annotator_deviations(parts: list[AlphaParts | None], n_keys: int, n_boot: int, seed: int) -> np.ndarray:
    """(resamples x vendors) linear deviations of alpha under the annotators' Poisson weights, the same weights
    the accuracy ratios' annotator resamples use (``ANNOTATOR_STREAM`` over the annotator keys)."""
    matrix = np.column_stack([np.zeros(n_keys) if p is None else p.influence for p in parts])
    totals = bootstrap_totals(matrix, n_boot=n_boot, seed=seed, stream=ANNOTATOR_STREAM)
    return totals - matrix.sum(axis=0)[None, :]


def two_way_alpha(
    parts: AlphaParts,
    value: float,
    item_samples: np.ndarray,
    annotator_dev: np.ndarray,
    interval: tuple[float, float],
    confidence: float,
) -> AlphaTwoWay:
    """Alpha's two-way resamples (item deviations plus annotator deviations scaled to the excess) and interval:
    the item percentile interval's half-widths widened by ``sqrt((V_i + excess) / V_i)`` and ``t_df / z``."""
    volume = parts.volume[parts.volume > 0]
    effective = float(volume.sum() ** 2 / (volume**2).sum()) if len(volume) else 0.0
    factor = volume_factor(volume)
    v_a, v_e = parts.annotator_variance, parts.judgment_variance
    excess = float(annotator_excess([v_a], [v_e], [effective], PARTNER_DILUTION, factor=[factor])[0])
    c = float(excess_factor([effective], PARTNER_DILUTION, factor=[factor])[0])
    terms = annotator_df_terms(v_a, v_e, c, volume_df(volume), max(parts.values - len(volume), 1.0))
    df = two_way_df(parts.item_variance, max(parts.items - 1, 1), excess, terms)
    samples = two_way_samples(
        np.array([value]), item_samples[:, None], value + annotator_dev[:, None], np.array([excess])
    )[:, 0]
    quantile = 0.5 + confidence / 2.0
    t = float(stdtrit(df, quantile)) if np.isfinite(df) else float(ndtri(quantile))
    v_i = parts.item_variance
    widen = np.sqrt((v_i + excess) / v_i) * t / float(ndtri(quantile)) if v_i > 0 else np.nan
    low, high = interval
    if np.isfinite(widen) and np.isfinite(low) and np.isfinite(value):
        low, high = value - (value - low) * widen, min(value + (high - value) * widen, 1.0)
    elif np.isfinite(value) and excess > 0:  # no item spread: the annotators' part alone
        half = t * float(np.sqrt(excess))
        low, high = value - half, min(value + half, 1.0)
    return AlphaTwoWay(samples, float(low), float(high), excess, df)
