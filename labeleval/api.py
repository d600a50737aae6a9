"""``evaluate()``: the one call the CLI, the app and scripts make.

It checks the options against the manifest's, reads the project (every row kept or quarantined) and hands
the data to the engine (:mod:`labeleval.scoring`), which builds one items x labels count matrix per vendor
on a shared, sorted item index and gets every estimate and interval from per-item sufficient statistics.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeleval.analyses.gold_audit import without_items
from labeleval.analyses.graded import score_graded
from labeleval.analyses.questions import score_with_questions
from labeleval.errors import LabelevalError
from labeleval.io.frames import FRAME_KEYWORDS, frames_project, is_frames
from labeleval.io.graded import read_graded
from labeleval.io.pipeline import load
from labeleval.io.stream import choose_engine
from labeleval.options import Engine
from labeleval.project.manifest import Project
from labeleval.project.version import __version__
from labeleval.report import Report, as_report, graded_report, with_data
from labeleval.scoring.run import score
from labeleval.scoring.settings import Settings, as_project, parameters_doc, resolve_settings, signature_parameters
from labeleval.tuning import GRADED_MIN_ALPHA

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Settings", "as_project", "evaluate"]


def evaluate(
    project_or_path: Project | str | Path | pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    gold: Any = None,
    items: Any = None,
    task: Mapping[str, Any] | None = None,
    pricing: Any = None,
    vendor_column: str = "vendor",
    columns: Mapping[str, str] | None = None,
    duplicates: str | None = None,
    scheduler: object = None,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> Report:
    """Score every vendor of a project: agreement, accuracy on gold, cost per usable label, with CIs.

    Parameters
    ----------
    project_or_path
        A :class:`Project`, a project folder holding ``labeleval.toml``, or the manifest file; or the judgments
        in memory: a long DataFrame with a vendor column (``vendor_column``), or a mapping of vendor name to
        DataFrame, each with ``item_id``, ``annotator_id`` and ``label`` columns (``columns`` maps other names).
        A pyarrow Table or any table with ``to_pandas()`` is taken too. Frames are read, checked and scored as a
        project's files are: every row kept or quarantined, messages naming the frame and row (``data row 12``,
        rows counted from 0 as ``iloc``).
    gold, items
        Frames only: the gold labels (a DataFrame with ``item_id`` and ``label``, or a Series of labels indexed by
        item id) and item metadata (a DataFrame with ``item_id``). Without gold, usable means the consensus's.
    task
        Frames only: the manifest's ``[task]`` table as a mapping (``kind``, ``labels``, ``name``, ``tolerance``
        ...); a nominal task's labels default to the distinct labels found, sorted.
    pricing
        Frames only: the manifest's pricing table (``{"model": "per_label", "rate": 0.08}``) for every vendor, or
        a mapping of vendor name to one.
    vendor_column, columns, duplicates
        Frames only: the long frame's vendor column; canonical name -> the frames' column names; the manifest's
        ``[data] duplicates`` policy.
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
    described = {"gold": gold, "items": items, "task": task, "pricing": pricing, "columns": columns}
    project = _project_of(project_or_path, described | {"duplicates": duplicates}, vendor_column)
    settings = resolve_settings(project, **options)
    if project.graded:
        return _evaluate_graded(project, settings)
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


def _evaluate_graded(project: Project, settings: Settings) -> Report:
    """A graded task (written work scored against a rubric): its own reading and scoring, the same Report type."""
    asked = [f"{k}={v!r}" for k, v in (("by", settings.by), ("over", settings.over)) if v is not None]
    if asked:
        raise LabelevalError(
            f"{', '.join(asked)}: slices and time windows are for labelling tasks; a graded task is scored on all "
            f"its deliverables (leave {' and '.join(a.split('=')[0] + '=' for a in asked)} out)"
        )
    data = read_graded(project)
    data.raise_problems()
    found = score_graded(data, confidence=settings.confidence, n_boot=settings.n_boot, seed=settings.seed)
    facts = {
        "task": project.task.name,
        "kind": str(project.task.kind),
        "version": __version__,
        "confidence": settings.confidence,
        "n_boot": settings.n_boot,
        "seed": settings.seed,
        "currency": project.currency,
        "min_alpha": GRADED_MIN_ALPHA,
        "criteria": [c.name for c in project.criteria],
    }
    return graded_report(found, data.ledger, data.quarantine, data.notes, facts)


def _project_of(project_or_path: object, described: dict[str, Any], vendor_column: str) -> Project:
    """The Project to score: built around frames, or a Project, project folder or manifest as given (the frames'
    keywords are refused with those: the manifest holds what they say)."""
    if is_frames(project_or_path):
        return frames_project(project_or_path, **described, vendor_column=vendor_column)
    given = [k for k, v in described.items() if v is not None]
    if given or vendor_column != "vendor":
        raise LabelevalError(
            f"{', '.join(given or ['vendor_column'])}= describe frames; a project folder's manifest holds them"
        )
    return as_project(project_or_path)


evaluate.__doc__ = (evaluate.__doc__ or "").replace("    {settings}", parameters_doc(" " * 4))
_own = inspect.signature(evaluate).parameters
evaluate.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        _own["project_or_path"],
        *(_own[k] for k in FRAME_KEYWORDS),
        *signature_parameters(),
        _own["scheduler"],
        _own["progress"],
    ],
    return_annotation=Report,
)
