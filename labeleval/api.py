"""``evaluate()``: the one call the CLI, the app and scripts make.

It checks the options against the manifest's, reads the project (every row kept or quarantined) and hands
the data to the engine (:mod:`labeleval.scoring`), which builds one items x labels count matrix per vendor
on a shared, sorted item index and gets every estimate and interval from per-item sufficient statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from labeleval.analyses.questions import score_with_questions
from labeleval.io.pipeline import load
from labeleval.io.stream import choose_engine
from labeleval.options import Engine, Uncertainty
from labeleval.project.manifest import Project
from labeleval.report import Report, as_report
from labeleval.scoring import Settings, as_project, resolve_settings, score

__all__ = ["Settings", "as_project", "evaluate"]


def evaluate(
    project_or_path: Project | str | Path,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    usability: str | None = None,
    min_confidence: float | None = None,
    tie: str | None = None,
    consensus: str | None = None,
    target_accuracy: float | None = None,
    uncertainty: str | None = None,
    min_shared_gold: int | None = None,
    by: str | None = None,
    over: str | None = None,
    exclude_suspect_gold: bool = False,
    engine: str = "auto",
    scheduler: object = None,
    progress: Callable[[int, int], None] | None = None,
    n_jobs: int | None = None,
) -> Report:
    """Score every vendor of a project: agreement, accuracy on gold, cost per usable label, with CIs.

    Parameters
    ----------
    project_or_path
        A :class:`Project`, a project folder holding ``labeleval.toml``, or the manifest file.
    n_boot
        Bootstrap resamples for the confidence intervals (0 skips them).
    seed
        Seed of the resampling (and of random tie-breaking); the same seed gives the same Report.
    confidence
        Confidence level of the intervals.
    usability, min_confidence, tie
        Override the manifest's usability rule (:class:`~labeleval.options.UsabilityRule`), its consensus
        confidence threshold, and the majority-vote tie policy (:class:`~labeleval.options.TiePolicy`).
    consensus
        ``majority_vote`` or ``dawid_skene`` (:class:`~labeleval.options.ConsensusMethod`): the consensus
        behind ``consensus_accuracy``, the cost per correct item and the cross-vendor reference of the
        consensus usability rules. Both methods' consensus accuracies are always in the summary.
    target_accuracy
        The consensus accuracy the redundancy analysis looks for (cheapest vendor and labels per item).
    uncertainty
        What the intervals of accuracy, consensus accuracy, usable rate and costs cover
        (:class:`~labeleval.options.Uncertainty`): ``items_and_annotators`` (default: other items *and* other
        annotators of the vendor, the question "what would hiring this vendor give?") or ``items`` (these
        annotators on other items). Agreement intervals (alpha, kappa) always cover items only.
    min_shared_gold
        Two vendors are compared on accuracy-type metrics only when they share at least this many gold
        items (default 20); below it the comparison says they cannot be compared yet.

    by
        An item metadata column (``[items]`` table or ``[gold] metadata``) to slice by, e.g. ``"language"``:
        fills ``slices``, ``slice_comparisons`` and ``slice_ranking`` (:mod:`labeleval.analyses.slices`).
    over
        ``"week"``, ``"day"`` (from ``submitted_at``) or ``"batch"`` (``batch_id``): fills ``drift`` and
        ``annotator_drift`` (:mod:`labeleval.analyses.drift`).
    exclude_suspect_gold
        Leave the gold items the gold audit marks as suspect out of every accuracy figure
        (``report.gold_audit``; ``report.settings["gold_audit"]`` lists them and whether the accuracy
        ranking changed).

    engine
        Where the row work runs (:class:`~labeleval.options.Engine`): ``memory``, ``stream`` (chunk by chunk,
        memory bounded by one chunk plus the codes), ``dask`` (chunks as tasks on a Dask cluster), or ``auto``
        (default: ``stream`` when the vendor files exceed 1 GB or 2**25 rows in their Parquet footers, or a vendor
        path is a folder or glob of Parquet files). Every engine gives the same Report
        (:mod:`labeleval.io.pipeline`).
    scheduler
        For ``engine="dask"``: a Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``;
        None starts a small local cluster.
    progress
        Called after each chunk with (rows done, rows planned) by the chunked engines.
    n_jobs
        Tasks the in-memory engine runs at a time, on threads (scikit-learn's idiom): ``None`` (default) as many
        as the CPUs this process may use, ``1`` one at a time, ``-1`` every CPU, ``-2`` all but one. The vendors'
        files, their Dawid-Skene fits, the gold audit and the frames that need no consensus run side by side
        (:mod:`labeleval.executor`); the Report is the same to the bit whatever it is. The chunked engines run
        one task at a time.

    Examples
    --------
    >>> import labeleval as le
    >>> report = le.evaluate("sample_data/content_safety", n_boot=200)  # doctest: +SKIP
    >>> report.summary[["vendor", "accuracy", "cost_per_usable_label"]]  # doctest: +SKIP
    """
    project = as_project(project_or_path)
    settings = resolve_settings(
        project,
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
        usability=usability,
        min_confidence=min_confidence,
        tie=tie,
        consensus=consensus,
        target_accuracy=target_accuracy,
        uncertainty=uncertainty,
        min_shared_gold=min_shared_gold,
        n_jobs=n_jobs,
    )
    choice = choose_engine(project, engine)
    if choice != Engine.MEMORY:  # the chunked engines bound memory: one task at a time
        settings = replace(settings, n_jobs=1)
    data = load(project, choice, scheduler=scheduler, progress=progress, n_jobs=settings.n_jobs)
    data.raise_problems()
    return as_report(
        score_with_questions(
            data,
            lambda subset: score(subset, settings),
            subset_scorer=lambda subset: score(subset, replace(settings, uncertainty=Uncertainty.ITEMS)),
            quick_scorer=lambda subset: score(subset, replace(settings, n_boot=0)),
            confidence=settings.confidence,
            by=by,
            over=over,
            exclude_suspect_gold=bool(exclude_suspect_gold),
            min_gold_items=settings.min_shared_gold,
            n_jobs=settings.n_jobs,
        )
    )
