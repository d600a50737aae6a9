"""The accuracy-type ratios of parts of a Dataset (slices of items, windows of judgments), resampled together.

The slice and drift questions compare vendors inside parts of the data, and parts with one another. Their tests
need every part's resamples from one draw, the evaluation's own: the item weights of its seed (an item has the
same weight in every part) and the annotator weights (an annotator has the same weight in every part it works
in), so that a contrast between two parts that share annotators counts each annotator once, and a family of
tests over parts can be adjusted by one max-T. The ratios are the engine's (:func:`.uncertainty.vendor_sums`,
:func:`.uncertainty.resample_ratios`), under the evaluation's ``uncertainty`` setting: items and annotators
unless the user asked for items only. The consensus behind consensus accuracy is each vendor's consensus on all
its judgments, as in the Report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from labeleval.inference.stats import (
    ANNOTATOR_STREAM,
    annotator_df_terms,
    annotator_excess,
    bootstrap_totals,
    excess_factor,
    jeffreys_se,
    two_way_df,
    two_way_samples,
    volume_df,
    volume_factor,
)
from labeleval.io.dataset import Dataset
from labeleval.options import Uncertainty
from labeleval.scoring.consensus import VendorConsensus, usability_reference, vendor_consensus
from labeleval.scoring.encode import Encoded, VendorBatch, encode, narrow, vendor_batches
from labeleval.scoring.settings import Settings
from labeleval.scoring.uncertainty import RatioEstimate, RatioSums, resample_ratios, vendor_sums


@dataclass(frozen=True)
class Combination:
    """A linear combination of judgment-level ratios of parts: its value, resamples, SE floor and df."""

    value: float
    samples: np.ndarray  # (resamples,)
    floor: float  # the combination's Jeffreys-smoothed binomial SE: never 0
    df: float  # Satterthwaite df of its item and annotator components (inf for items only)


class Parts:
    """One encoding of ``data`` and its vendors' consensus; the ratios of any part of it on request.

    >>> parts = Parts(data, settings)  # doctest: +SKIP
    >>> sums = {("A", "s1"): parts.sums("A", items=in_slice)["accuracy"]}  # doctest: +SKIP
    >>> parts.estimates(sums)[("A", "s1")].samples  # doctest: +SKIP
    """

    def __init__(self, data: Dataset, settings: Settings) -> None:
        self.settings = settings
        self.enc: Encoded = encode(data)
        batches = vendor_batches(self.enc)
        self.batches: dict[str, VendorBatch] = {b.name: b for b in batches}
        rng = np.random.default_rng(settings.seed)  # the Report's consensus, ties broken by the same draws
        self.consensus: dict[str, VendorConsensus] = {
            b.name: vendor_consensus(self.enc, b, settings, rng) for b in batches
        }
        self.reference = usability_reference(self.enc, batches, settings)

    def sums(
        self, vendor: str, *, items: np.ndarray | None = None, judgments: np.ndarray | None = None
    ) -> dict[str, RatioSums]:
        """A vendor's ratios on the gold items where ``items`` (a mask over items) is True, or on the judgments
        where ``judgments`` (a mask over the Dataset's rows) is True; everything of the vendor's if neither."""
        batch = self.batches[vendor]
        if judgments is not None:
            rows = batch.rows
            kept = narrow(rows[np.asarray(judgments, dtype=bool)[rows]], len(judgments))
            batch = replace(batch, positions=kept)  # the same counts and consensus; fewer judgments scored
        return vendor_sums(self.enc, batch, self.consensus[vendor], self.reference, within=items, tie=self.settings.tie)

    def estimates(self, ratios: dict[tuple[str, ...], RatioSums]) -> dict[tuple[str, ...], RatioEstimate]:
        """Every ratio's value, resamples and interval pieces, from the evaluation's item and annotator weights."""
        keys = list(ratios)
        columns: dict[tuple[str, ...], slice] = {}
        stacked: list[np.ndarray] = []
        seen: dict[int, slice] = {}
        for key in keys:
            one = ratios[key]
            if id(one) not in seen:
                assert one.item_sums is not None  # made here, never moved into a resampled matrix
                seen[id(one)] = slice(2 * len(stacked), 2 * len(stacked) + 2)
                stacked.append(one.item_sums)
            columns[key] = seen[id(one)]
        n_boot, seed = self.settings.n_boot, self.settings.seed
        matrix = np.hstack(stacked) if stacked else np.zeros((self.enc.n_items, 0))
        item_boot = bootstrap_totals(matrix, n_boot=n_boot, seed=seed) if n_boot else np.zeros((0, matrix.shape[1]))
        return resample_ratios(self.enc, ratios, item_boot, columns, self.settings)

    def combination(self, terms: list[tuple[float, RatioSums, RatioEstimate]]) -> Combination:
        """``sum c_k r_k`` over judgment-level ratios ``r_k`` (accuracy, the usable rate) of disjoint sets of
        judgments, with annotators resampled jointly: an annotator who works in several parts has one weight, so
        its constant part cancels in a contrast and what is left is how its share of the work moved between parts.

        The annotator part is the engine's (:func:`~labeleval.inference.stats.annotator_excess` over the
        combination's per-annotator delta-method residuals, beyond judgment noise, with the exact correction for the
        annotators' shares of the work and the degrees of freedom those shares support, added to the item resamples
        by :func:`~labeleval.inference.stats.two_way_samples`)."""
        value = float(sum(c * e.value for c, _, e in terms))
        item = np.sum([c * e.item_part for c, _, e in terms], axis=0)
        floor = float(np.sqrt(sum(c * c * float(self._floor(s)) ** 2 for c, s, _ in terms)))
        finite = item[np.isfinite(item)]
        v_items = float(np.var(finite, ddof=1)) if len(finite) > 1 else 0.0
        two_way = self.settings.uncertainty == Uncertainty.ITEMS_AND_ANNOTATORS
        if not two_way or not len(item) or any(s.trials <= 0 for _, s, _ in terms):
            return Combination(value, value + item, floor, float("inf"))
        residual = np.sum([c * (s.key_sums[:, 0] - s.value * s.key_sums[:, 1]) / s.trials for c, s, _ in terms], axis=0)
        share = np.sum([abs(c) * s.key_sums[:, 1] / s.trials for c, s, _ in terms], axis=0)
        effective = float(share.sum() ** 2 / (share**2).sum()) if share.any() else 0.0
        judgment = sum(c * c * s.judgment_variance for c, s, _ in terms)
        between, factor = float(residual @ residual), volume_factor(share)
        excess = float(annotator_excess([between], [judgment], [effective], factor=[factor])[0])
        c_exact = float(excess_factor([effective], factor=[factor])[0])
        judgments = sum(s.trials for _, s, _ in terms)
        df_terms = annotator_df_terms(
            between, judgment, c_exact, volume_df(share), max(judgments - int(np.count_nonzero(share)), 1.0)
        )
        boot = bootstrap_totals(
            np.hstack([s.key_sums for _, s, _ in terms]),
            n_boot=self.settings.n_boot,
            seed=self.settings.seed,
            stream=ANNOTATOR_STREAM,
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios = boot[:, 0::2] / boot[:, 1::2]
        annotator = ratios @ np.array([c for c, _, _ in terms])
        samples = two_way_samples(np.array([value]), (value + item)[:, None], annotator[:, None], np.array([excess]))
        items = sum(s.items for _, s, _ in terms)
        df = two_way_df(v_items, max(items - 1, 1), excess, df_terms)
        return Combination(value, samples[:, 0], floor, df)

    @staticmethod
    def _floor(sums: RatioSums) -> float:
        return float(jeffreys_se(np.array([sums.successes]), np.array([sums.trials]))[0])
