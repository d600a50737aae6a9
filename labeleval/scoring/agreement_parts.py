"""Agreement by category and by annotator within each vendor, with intervals: the Report's
``category_agreement`` and ``annotator_agreement`` frames.

Each vendor's figures are :func:`labeleval.metrics.agreement_parts.category_table` (Fleiss' kappa of each category
against the rest, Gwet's variance) and :func:`~labeleval.metrics.agreement_parts.annotator_table` (each annotator's
agreement with the others on the same items, the ratio estimator's variance) on the vendor's codes, so they equal
``le.category_agreement`` and ``le.annotator_agreement`` on the vendor's judgments. The intervals are these
linearised (delta-method) variances over items (Fieller's interval for a category, a t interval for an annotator),
not the evaluation's shared bootstrap: a category's kappa resampled would add a column per category to every
resample, and an annotator's an items x annotators block (resamples x judgments of work), while the variances take
one pass over the codes.
Only kinds with categories (nominal, ordinal, pairwise) have these frames; they are empty otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labeleval.metrics.agreement_parts import ANNOTATOR_COLUMNS, CATEGORY_COLUMNS, annotator_table, category_table
from labeleval.scoring.encode import Encoded, VendorBatch
from labeleval.scoring.settings import Settings

CATEGORY_FRAME = ("vendor", *CATEGORY_COLUMNS)
ANNOTATOR_FRAME = ("vendor", *ANNOTATOR_COLUMNS)


def category_agreement(enc: Encoded, batches: list[VendorBatch], settings: Settings) -> pd.DataFrame:
    """vendor x category: ``share``, ``kappa`` (the category against the rest), ``se``, ``ci_low``,
    ``ci_high``, ``p_value``, ``items`` (the vendor's items with two or more judgments) and ``note``."""
    frames = []
    if enc.kind.has_classes:
        for b in batches:
            cells = b.store.cells()[np.flatnonzero(b.labelled)]
            table = category_table(cells, enc.labels, settings.confidence)
            frames.append(table.assign(category=table["category"].astype(str)).assign(vendor=b.name))
    if not frames:
        return pd.DataFrame(columns=list(CATEGORY_FRAME))
    return pd.concat(frames, ignore_index=True).reindex(columns=list(CATEGORY_FRAME))


def annotator_agreement(enc: Encoded, batches: list[VendorBatch], settings: Settings) -> pd.DataFrame:
    """vendor x annotator, each vendor's lowest kappa first: ``judgments``, ``items`` (shared with another of the
    vendor's annotators), ``agreement``, ``kappa``, ``se``, ``ci_low``, ``ci_high`` and ``note``."""
    frames = []
    if enc.kind.has_classes:
        ids = enc.data.annotations["annotator_id"]
        for b in batches:
            label = b.of(enc.label_codes)
            ok = label >= 0
            keys = b.of(enc.keys)[ok]
            if not len(keys):
                continue
            _, first, rater = np.unique(keys, return_index=True, return_inverse=True)
            names = ids.iloc[b.rows[ok][first]].astype(str).to_numpy()
            order = np.argsort(names, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            item = b.of(enc.item_codes)[ok]
            table = annotator_table(item, rank[rater], label[ok], enc.k, names[order].tolist(), settings.confidence)
            frames.append(table.assign(vendor=b.name))
    if not frames:
        return pd.DataFrame(columns=list(ANNOTATOR_FRAME))
    return pd.concat(frames, ignore_index=True).reindex(columns=list(ANNOTATOR_FRAME))
