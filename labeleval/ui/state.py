"""Sidebar settings, project discovery and the cached evaluation the pages share."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import streamlit as st

from labeleval.api import evaluate
from labeleval.errors import LabelevalError
from labeleval.io.pipeline import load_data
from labeleval.limits import evaluation_slot
from labeleval.options import ConsensusMethod, Option, TaskKind, TiePolicy, UsabilityRule
from labeleval.present.glossary import display_frame
from labeleval.project.manifest import Project, find_manifest, load_project
from labeleval.report import GradedReport
from labeleval.safety import markdown_text
from labeleval.samples.content_safety import generate_content_safety
from labeleval.scoring.settings import Spec, Widget, project_defaults, settings_specs
from labeleval.ui import UPLOAD_PREFIX, report_cache
from labeleval.ui.isolate import ReaderStopped, ReaderTimedOut, culprit, read_ledger, run_isolated, score_project
from labeleval.ui.screens._common import dataframe

if TYPE_CHECKING:
    from labeleval.report import Report

# The scoring engine (evaluate, load_data) is imported when a project is scored, not when the app starts:
# a Report read from the disk cache (ui/report_cache.py) is drawn without it.

REPO_SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def sample_root() -> Path:
    """The bundled sample projects: the repository's sample_data/, or a generated copy when installed."""
    if (REPO_SAMPLES / "content_safety" / "labeleval.toml").is_file():
        return REPO_SAMPLES

    cache = Path.home() / ".cache" / "labeleval" / "sample_data"
    if not (cache / "content_safety" / "labeleval.toml").is_file():
        generate_content_safety(cache / "content_safety")
    return cache


def sample_projects() -> dict[str, Path]:
    root = sample_root()
    return {p.name: p for p in sorted(root.iterdir()) if (p / "labeleval.toml").is_file()}


def default_project() -> Path:
    projects = sample_projects()
    return projects.get("content_safety", next(iter(projects.values())))


def input_files(project: Project) -> list[Path]:
    """Every file a project reads: gold, items, vendor files and the vendors' rate tables (timesheets)."""
    return [*project.files(), *(v.rates for v in project.vendors if v.rates is not None)]


def fingerprint(manifest: Path) -> str:
    """Hash of the manifest and every file it names: the cache key of an evaluation."""
    digest = hashlib.sha256()
    digest.update(manifest.read_bytes())
    try:
        files = input_files(load_project(manifest))
    except LabelevalError:
        files = []
    for path in files:
        digest.update(str(path).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def local_files_only(manifest: Path) -> bool:
    """Does every input of the project live in one local file (no URL, folder or glob of Parquet files)?
    Only then does :func:`fingerprint` see all of its bytes, so only then may a Report outlive the server."""
    try:
        project = load_project(manifest)
    except LabelevalError:
        return False
    return all(v.file.url is None for v in project.vendors) and all(p.is_file() for p in input_files(project))


#: The sidebar's options, as (evaluate() keyword, value) pairs: hashable, so they key the caches.
Options = tuple[tuple[str, object], ...]


@st.cache_data(show_spinner="Scoring vendors…", max_entries=16)
def cached_report(manifest: str, key: str, options: Options) -> Report | LabelevalError:
    """``evaluate()`` keyed on file bytes (``key``) and every option; widget values are passed in. A Report
    another server already made for the same bytes, options and code is read from disk instead. An error is
    returned, not raised, so that it is cached too: a file that cannot be read is read once per key, not on
    every rerun of every page."""
    disk = disk_key(Path(manifest), key, options)
    if disk is not None:
        stored = report_cache.load(disk)
        if stored is not None:
            return stored
    try:
        report = score(manifest, options)
    except LabelevalError as exc:
        return exc
    check_unchanged(Path(manifest), key)  # raising: neither cache keeps a Report of other bytes under ``key``
    if disk is not None:
        report_cache.store(disk, report)
    return report


def check_unchanged(manifest: Path, key: str) -> None:
    """Raise :class:`LabelevalError` if the project's files no longer hash to ``key`` (:func:`fingerprint`): a
    file changed between the fingerprint and the end of the scoring, so the Report just made may be of other
    bytes than the key says and is not kept (the next run fingerprints and scores the files as they are)."""
    if fingerprint(manifest) != key:
        raise LabelevalError(
            f"{manifest.parent.name}: a file of the project changed while it was being scored, so the result was "
            "not kept; rerun the page (R) to score the files as they are now"
        )


def score(manifest: str, options: Options) -> Report:
    """``evaluate(manifest, **options)``, at most LABELEVAL_MAX_EVALUATIONS at once across sessions. An uploaded
    project is scored in a child process (:mod:`labeleval.ui.isolate`): a reader that aborts or runs out of
    memory ends that child, and the session gets an error naming the file, while the server and every other
    session carry on."""

    chosen: dict[str, Any] = dict(options)
    with evaluation_slot():  # memory stays bounded however many sessions open large projects
        if not report_cache.is_upload(Path(manifest)):
            return evaluate(manifest, **chosen)
        try:
            return run_isolated(score_project, manifest, chosen, what="the uploaded project")
        except ReaderTimedOut:
            raise  # reading each file alone to find the slow one could take as long again, per file
        except ReaderStopped as stopped:  # name the file that does it, when one does it alone
            raise culprit(manifest) or stopped from None


def read_what_can_be_read(manifest: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger and quarantined rows of a project that cannot be scored (an upload's read in a child)."""
    if report_cache.is_upload(manifest):
        with evaluation_slot():
            ledger: tuple[pd.DataFrame, pd.DataFrame] = run_isolated(
                read_ledger, str(manifest), what="the uploaded project"
            )
            return ledger
    data = load_data(load_project(manifest))
    return data.ledger, data.quarantine


def disk_key(manifest: Path, fingerprint: str, options: Options) -> str | None:
    """The disk cache's key of a project's Report, or None: the cache is off, the project is an upload (kept
    in its session's folder only), or it reads a URL, folder or glob whose bytes the key would not cover."""
    if report_cache.is_upload(manifest) or not local_files_only(manifest) or report_cache.cache_dir() is None:
        return None
    return report_cache.entry_key(fingerprint, options)


def evaluate_options(path: Path) -> Options:
    """The options the sidebar chose for the project at ``path`` (its manifest's until the sidebar is drawn)."""
    return evaluate_options_for(path, st.session_state.to_dict())


def evaluate_options_for(path: Path, state: Mapping[str, Any]) -> Options:
    """The options of ``state`` (the session's widget values) for the project at ``path``; an empty ``state``
    gives what a new session starts with (the manifest's settings, else each setting's default)."""
    own = project_settings(path)
    return tuple((name, _plain(state.get(name, own.values[name]))) for name in SIDEBAR)


def _plain(value: object) -> object:
    """A widget's value as evaluate() takes it and the caches key on it (numbers as numbers, options as text)."""
    if value is None or isinstance(value, bool | np.bool_):
        return value if value is None else bool(value)
    if isinstance(value, Option | str):
        return str(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    return value


def sidebar_settings(project_path: Path) -> None:
    """Draw the project chooser and the settings; store the chosen options in session state."""
    settings_state(project_path)
    sidebar_widgets()


def settings_state(project_path: Path) -> None:
    """What the sidebar's widgets hold, settled before the page runs: the chosen project (an upload's, or the
    chooser's value from the browser) and its settings, reset when the project changed. The widgets are drawn
    afterwards (:func:`sidebar_widgets`), so the page's own elements reach the browser first."""
    samples = sample_projects()
    pending = st.session_state.get("project_choice_pending")  # cleared once a run has drawn the chooser (ui/app.py)
    if pending is not None:  # an uploaded project (ui/upload.py): chosen here, before the chooser is drawn
        project_path = Path(pending)
    names = list(samples)
    current = next((n for n, p in samples.items() if p.resolve() == project_path.resolve()), None)
    opened: list[str] = st.session_state.setdefault("own_projects", [])  # opened or uploaded: offered all session
    if current is None and str(project_path) not in opened:
        opened.append(str(project_path))
    options = [*names, *opened]
    if pending is not None or st.session_state.get("project_choice") not in options:
        st.session_state["project_choice"] = current or str(project_path)
    st.session_state["project_choice_options"] = options
    choice = st.session_state["project_choice"]
    path = samples.get(choice, Path(choice))
    st.session_state["project_path"] = str(path)
    own = project_settings(path)
    if st.session_state.get("settings_project") != str(path):
        for name in PROJECT_SETTINGS:
            st.session_state[name] = own.values[name]
        st.session_state["settings_project"] = str(path)
    for name in SIDEBAR:
        st.session_state.setdefault(name, own.values[name])


def sidebar_widgets() -> None:
    """The project chooser and the Settings expander, holding what :func:`settings_state` settled."""
    with st.sidebar:
        st.caption("Project")
        st.selectbox(
            "Project",
            st.session_state["project_choice_options"],
            key="project_choice",
            label_visibility="collapsed",
            format_func=project_label,
        )
        _settings_widgets(project_settings(Path(st.session_state["project_path"])))


def project_label(choice: str) -> str:
    """The chooser's words for a project: a sample's name, or one's own project's task name and folder (an
    uploaded project's folder is a temporary one, so its task name alone)."""
    if choice in sample_projects():
        return choice
    path = Path(choice)
    try:
        task = load_project(path).task.name
    except LabelevalError:
        return path.name
    uploaded = any(part.startswith(UPLOAD_PREFIX) for part in path.parts)
    return f"{task} (uploaded)" if uploaded else f"{task} ({path.name})"


#: The settings the sidebar shows (each declares its widget), and those a project's manifest sets.
SIDEBAR = tuple(name for name, _, spec in settings_specs() if spec.widget is not None)
PROJECT_SETTINGS = tuple(name for name, _, spec in settings_specs() if spec.widget is not None and spec.manifest)


@dataclass(frozen=True)
class ProjectSettings:
    """A project's own value of each sidebar setting (what ``labeleval score`` uses without flags) and the choices
    the project allows where it narrows them."""

    values: Mapping[str, Any]
    #: the values a select box offers, where the project narrows its option (no gold: the consensus rule only;
    #: a task kind without categories: majority vote only)
    choices: Mapping[str, tuple[str, ...]]


def project_settings(path: Path) -> ProjectSettings:
    """The project's settings; a project that cannot be read gets the defaults (its error is shown by the
    page that scores it)."""
    defaults = {name: _plain(default) for name, default, _ in settings_specs()}
    try:
        project = load_project(path)
    except LabelevalError:
        return ProjectSettings(defaults, {})
    categorical = project.task.kind not in (TaskKind.INTERVAL, TaskKind.RATIO, TaskKind.MULTILABEL)
    values = {name: _plain(value) for name, value in project_defaults(project).items()}
    return ProjectSettings(
        values,
        {
            "usability": UsabilityRule.values() if project.gold is not None else (str(UsabilityRule.CONSENSUS),),
            "consensus": ConsensusMethod.values() if categorical else (str(ConsensusMethod.MAJORITY_VOTE),),
        },
    )


def _settings_widgets(own: ProjectSettings) -> None:
    """The Settings expander: one widget per setting that declares one (:class:`~labeleval.scoring.settings.Spec`).
    Its widgets start from the project's manifest (so the app shows what ``labeleval score`` shows); a change
    holds for the session; choosing another project resets them (:func:`settings_state`)."""
    with st.expander("Settings", expanded=False):
        for name, _, spec in settings_specs():
            if spec.widget is not None:
                _widget(name, spec, spec.widget, own)


def _widget(name: str, spec: Spec, widget: Widget, own: ProjectSettings) -> None:
    """The widget ``widget`` says, keyed by the setting's name, labelled and explained from its declaration."""
    help_text = spec.help[0].upper() + spec.help[1:] + "."
    if widget.kind == "select":
        assert spec.choices is not None  # a select box lists an option's values
        options = own.choices.get(name, spec.choices.values())
        st.selectbox(spec.label, options, key=name, format_func=_describe(spec.choices), help=help_text)
    elif widget.kind == "select_slider":
        st.select_slider(spec.label, list(widget.values), key=name, help=help_text)
    elif widget.kind == "number":
        st.number_input(spec.label, min_value=int(widget.low), step=int(widget.step), key=name, help=help_text)
    else:  # a slider whose low end reaches down to the project's own value
        low = min(widget.low, float(st.session_state[name]))
        st.slider(spec.label, low, widget.high, step=widget.step, key=name, help=help_text)


def _describe(option: type[Option]) -> Callable[[object], str]:
    """A selectbox label: the option's description (for a consensus method, its name)."""

    def label(value: object) -> str:
        member = option(str(value))
        return member.description if option is not TiePolicy else f"{member.value}: {member.description}"

    return label


def current_report(*, show_ledger_on_error: bool = False, graded_ok: bool = False) -> Report | None:
    """Evaluate the chosen project with the sidebar's options; show ``st.error`` instead of a traceback.

    On an error, the Data page also shows whatever ledger could be read, so the user sees which rows failed. A
    graded task's Report goes only to the pages that draw one (``graded_ok``); the label pages say where to look.
    """
    path = st.session_state.get("project_path", str(default_project()))
    try:
        manifest = find_manifest(path)
        outcome = cached_report(str(manifest), fingerprint(manifest), evaluate_options(Path(path)))
        if isinstance(outcome, LabelevalError):
            raise outcome
        if isinstance(outcome, GradedReport) and not graded_ok:
            st.info(
                "This project is graded written work (reviewers scoring deliverables against a rubric): the "
                "Overview, Comparisons, Agreement, Accuracy, Cost, Annotators and Items pages show its vendors, "
                "tests, rubric reliability, criteria, cost per accepted deliverable, writers, reviewers and "
                "deliverables. This page is for labelling tasks."
            )
            return None
        return outcome
    except LabelevalError as exc:
        st.error(f"This project cannot be scored: {markdown_text(exc)}")
        if show_ledger_on_error:
            _show_partial_ledger(path)
        else:
            st.info("The Data page shows the ledger of what could be read.")
        return None


def _show_partial_ledger(path: str) -> None:
    try:
        ledger, quarantine = read_what_can_be_read(find_manifest(path))
    except LabelevalError:
        return

    st.subheader("Ledger of what could be read")
    dataframe(display_frame(ledger), hide_index=True, key="partial_ledger")
    if len(quarantine):
        dataframe(display_frame(quarantine), hide_index=True, key="partial_quarantine")


def warm(project: str | None = None) -> str:
    """Score ``project`` (default: the bundled sample) with the app's default options and store it; a line
    saying what was done."""
    return warm_report(project)[0]


def warm_report(project: str | None = None) -> tuple[str, Report | None]:
    """:func:`warm`, with the Report stored (None when the cache is off or the project is an upload)."""
    manifest = find_manifest(project or default_project())
    options = evaluate_options_for(manifest.parent, {})
    before = fingerprint(manifest)
    key = disk_key(manifest, before, options)
    if key is None:
        return "report cache: off (LABELEVAL_CACHE_DIR) or an upload folder; nothing stored", None
    stored = report_cache.load(key)
    if stored is not None:
        return f"report cache: {manifest.parent.name} already stored", stored
    report = score(str(manifest), options)
    check_unchanged(manifest, before)
    report_cache.store(key, report)
    return f"report cache: {manifest.parent.name} scored and stored in {report_cache.cache_dir()}", report
