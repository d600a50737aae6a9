"""``evaluate()``: the one call the CLI, the app and scripts make.

It checks the options against the manifest's, reads the project (every row kept or quarantined) and hands
the data to the engine (:mod:`labeleval.scoring`), which builds one items x labels count matrix per vendor
on a shared, sorted item index and gets every estimate and interval from per-item sufficient statistics.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from labeleval.analyses.gold_audit import without_items
from labeleval.analyses.questions import score_with_questions
from labeleval.io.pipeline import load
from labeleval.io.stream import choose_engine
from labeleval.options import Engine
from labeleval.project.manifest import Project
from labeleval.report import Report, as_report, with_data
from labeleval.scoring.run import score
from labeleval.scoring.settings import Settings, as_project, parameters_doc, resolve_settings, signature_parameters

__all__ = ["Settings", "as_project", "evaluate"]


def evaluate(
    project_or_path: Project | str | Path,
    *,
    scheduler: object = None,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> Report:
    """Score every vendor of a project: agreement, accuracy on gold, cost per usable label, with CIs.

    Parameters
    ----------
    project_or_path
        A :class:`Project`, a project folder holding ``labeleval.toml``, or the manifest file.
    {settings}
    scheduler
        For ``engine="dask"``: a Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``;
        None starts a small local cluster.
    progress
        Called after each chunk with (rows done, rows planned) by the chunked engines.

    The settings are declared once in :class:`labeleval.scoring.settings.Settings`, which the CLI's arguments and
    the app's sidebar read too; a setting left out (or None) takes the manifest's value where it has one.

    Examples
    --------
    >>> import labeleval as le
    >>> report = le.evaluate("sample_data/content_safety", n_boot=200)  # doctest: +SKIP
    >>> report.summary[["vendor", "accuracy", "cost_per_usable_label"]]  # doctest: +SKIP
    """
    project = as_project(project_or_path)
    settings = resolve_settings(project, **options)
    choice = choose_engine(project, settings.engine)
    if choice != Engine.MEMORY:  # the chunked engines bound memory: one task at a time
        settings = replace(settings, n_jobs=1)
    data = load(project, choice, scheduler=scheduler, progress=progress, n_jobs=settings.n_jobs)
    data.raise_problems()
    report = as_report(
        score_with_questions(
            data,
            lambda subset: score(subset, settings),
            quick_scorer=lambda subset: score(subset, replace(settings, n_boot=0)),
            settings=settings,
            by=settings.by,
            over=None if settings.over is None else str(settings.over),
            exclude_suspect_gold=settings.exclude_suspect_gold,
            min_gold_items=settings.min_shared_gold,
            n_jobs=settings.n_jobs,
        )
    )
    # the questions that replay the judgments see the gold the scoring saw (suspect gold left out on request)
    excluded = [str(i) for i in (report.settings.get("gold_audit") or {}).get("excluded_gold", [])]
    return with_data(report, without_items(data, excluded))


evaluate.__doc__ = (evaluate.__doc__ or "").replace("    {settings}", parameters_doc(" " * 4))
_own = inspect.signature(evaluate).parameters
evaluate.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [_own["project_or_path"], *signature_parameters(), _own["scheduler"], _own["progress"]],
    return_annotation=Report,
)
