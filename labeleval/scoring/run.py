"""``score(data, settings)``: the chain from a read Dataset to a ReportData, in named steps.

encode (codes, counts per vendor) -> consensus (per vendor; the usability reference across vendors)
-> blocks of per-item statistics -> estimates (points, resamples, intervals) -> one function per frame.
"""

from __future__ import annotations

from functools import partial
from typing import Literal

import numpy as np
import pandas as pd

from labeleval.executor import Executor, Lane
from labeleval.io.dataset import Dataset
from labeleval.options import TiePolicy
from labeleval.project.version import __version__
from labeleval.scoring import agreement_parts, class_ratios, classes, compare, frames, people
from labeleval.scoring.consensus import (
    DawidSkeneFit,
    VendorConsensus,
    usability_reference,
    vendor_consensus,
    vendor_dawid_skene,
)
from labeleval.scoring.encode import Encoded, VendorBatch, encode, per_item_only, vendor_batches
from labeleval.scoring.report_data import ReportData
from labeleval.scoring.settings import Settings
from labeleval.scoring.statistics import Blocks, add_ratio_block, estimate, quality_blocks, usable_block
from labeleval.scoring.uncertainty import SHARED_RATIOS, RatioSums, vendor_sums


def score(data: Dataset, settings: Settings) -> ReportData:
    """Every Report frame of ``data`` under ``settings`` (``data`` must have no problems left), with
    ``settings.n_jobs`` tasks at a time (labeleval/executor.py; the same Report whatever it is)."""
    executor = Executor(settings.n_jobs)
    with executor.lane() as lane:
        return _score(data, settings, executor, lane)


def _score(data: Dataset, settings: Settings, executor: Executor, lane: Lane) -> ReportData:
    """:func:`score`. With more than one task at a time, the frames that need no consensus (Light's kappa, per
    class, confusion, redundancy) are made on ``lane`` beside the rest; else each where it is used, one step at a
    time. Only this function holds the codes, so that they go before the items frame is made."""
    enc = encode(data)
    batches = vendor_batches(enc)
    executor.release_memory()  # each big step's freed memory goes back to the system
    lights = lane.later(lambda: frames.light_kappas(enc, batches))
    per_class_later = lane.later(partial(_per_class, enc, batches, settings))
    confusion_later = lane.later(lambda: classes.confusion(enc, batches))
    redundancy_later = lane.later(lambda: frames.redundancy(enc, batches, settings))
    by_category_later = lane.later(lambda: agreement_parts.category_agreement(enc, batches, settings))
    by_annotator_later = lane.later(lambda: agreement_parts.annotator_agreement(enc, batches, settings))
    rng = np.random.default_rng(settings.seed)  # breaks majority-vote ties under tie = "random"
    # the vendors' Dawid-Skene fits side by side with more than one task at a time, the rule's consensus after,
    # in vendor order (its random tie-breaks draw from one generator); else each vendor's fit with its
    # consensus, one vendor at a time (the chunked engines' memory)
    fits: list[DawidSkeneFit | Literal["make"]] = ["make"] * len(batches)
    if not executor.serial:
        fits = executor.ordered_map(lambda b: vendor_dawid_skene(enc, b, settings), batches)
    consensus = []
    for b, fit in zip(batches, fits, strict=True):
        consensus.append(vendor_consensus(enc, b, settings, rng, fit))
        executor.release_memory()
    blocks = Blocks(enc.n_items, settings.seed)  # summed into random blocks of items above 2**18 items
    for b, c in zip(batches, consensus, strict=True):
        for name, block in quality_blocks(enc, b, c).items():
            blocks.add(b.name, name, block)
    reference = usability_reference(enc, batches, settings)
    usable_scored = []
    for b in batches:
        usable = usable_block(enc, b, reference)
        blocks.add(b.name, "usable", usable)
        usable_scored.append(int(usable[:, 1].sum()))
    ratios = ratio_sums(enc, batches, consensus, reference, settings.tie, blocks)
    est = estimate(enc, batches, blocks, settings, ratios)
    del blocks, ratios
    executor.release_memory()
    task_frame, extras = people.kind_metrics(enc, batches, consensus, settings)
    summary = frames.summary(enc, batches, consensus, est, settings)
    agreement = frames.agreement(enc, batches, est, lights.result())
    executor.release_memory()
    accuracy = frames.accuracy(enc, batches, est, usable_scored)
    per_class, class_estimates = per_class_later.result()
    confusion = confusion_later.result()
    annotators = people.annotators(enc, batches, consensus, settings, extras)
    executor.release_memory()
    redundancy = frames.redundancy_intervals(redundancy_later.result(), est, settings)
    by_category, by_annotator = by_category_later.result(), by_annotator_later.result()
    cost = frames.cost(enc, batches, est)
    comparisons = compare.comparisons(enc, batches, consensus, est, settings)
    class_comparisons = compare.class_comparisons(enc, batches, class_estimates, settings)
    del lights, per_class_later, confusion_later, redundancy_later, class_estimates
    del by_category_later, by_annotator_later
    enc, batches = per_item_only(enc, batches)  # the per-judgment arrays go before the items frame is made
    executor.release_memory()
    items = people.items(enc, batches, consensus)
    executor.release_memory()
    return ReportData(
        summary=summary,
        agreement=agreement,
        accuracy=accuracy,
        per_class=per_class,
        confusion=confusion,
        annotators=annotators,
        task_metrics=task_frame,
        redundancy=redundancy,
        cost=cost,
        comparisons=comparisons,
        class_comparisons=class_comparisons,
        category_agreement=by_category,
        annotator_agreement=by_annotator,
        items=items,
        ledger=data.ledger,
        quarantine=data.quarantine,
        notes=data.notes,
        settings=report_settings(enc, settings),
    )


def _per_class(
    enc: Encoded, batches: list[VendorBatch], settings: Settings
) -> tuple[pd.DataFrame, class_ratios.ClassEstimates]:
    """The per-class frame and the per-class ratios behind it (their comparisons are made with the others)."""
    estimates = class_ratios.class_estimates(enc, batches, settings)
    return classes.per_class(enc, batches, estimates), estimates


def ratio_sums(
    enc: Encoded,
    batches: list[VendorBatch],
    consensus: list[VendorConsensus],
    reference: np.ndarray,
    tie: TiePolicy = TiePolicy.FRACTIONAL,
    blocks: Blocks | None = None,
) -> dict[tuple[str, ...], RatioSums]:
    """Every vendor's accuracy-type ratios on its own items, and on the items it shares with each other
    vendor where that is a smaller set (comparisons are made on shared items). With ``blocks``, each ratio's
    per-item sums move into it as soon as they are made (above 2**18 items, as sums over blocks of items)."""
    out: dict[tuple[str, ...], RatioSums] = {}

    def moved(sums: dict[str, RatioSums]) -> dict[str, RatioSums]:
        if blocks is None:
            return sums
        done: dict[int, RatioSums] = {}
        for one in sums.values():
            if id(one) not in done:
                done[id(one)] = add_ratio_block(blocks, one)[0]
        return {name: done[id(one)] for name, one in sums.items()}

    for b, c in zip(batches, consensus, strict=True):
        for name, sums in moved(vendor_sums(enc, b, c, reference, tie=tie)).items():
            out[(b.name, name)] = sums
        for other in batches:
            if other is b or not (b.labelled & ~other.labelled).any():
                continue
            shared = vendor_sums(enc, b, c, reference, within=b.labelled & other.labelled, tie=tie)
            names = [name for name in (*SHARED_RATIOS, "relative_cost") if name in shared]
            shared = moved({name: shared[name] for name in names})
            for name in names:
                out[(b.name, name, other.name)] = shared[name]
    return out


def report_settings(enc: Encoded, settings: Settings) -> dict[str, object]:
    """What the Report records of how it was made."""
    project = enc.data.project
    consensus_rule = "Dawid-Skene" if settings.dawid_skene else enc.kind.consensus_name
    return {
        **settings.as_dict(),
        "task": project.task.name,
        "kind": str(project.task.kind),
        "labels": enc.labels,
        "tolerance": project.task.tolerance,
        "consensus_rule": consensus_rule,
        "currency": project.currency,
        "project": str(project.manifest),
        "version": __version__,
    }
