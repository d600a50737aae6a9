"""Bring your own data: upload a manifest with its files, or upload vendor files and map their columns.

Uploads are written to a private temporary folder and read by the same code as any project, in a child process
(:mod:`labeleval.ui.isolate`: a reader that crashes ends the child, not the server), once per upload and setting
(cached by the file's digest); every problem is shown with ``st.error`` (naming file, line and column), never a
traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import shutil
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import streamlit as st
import tomli_w
from streamlit.runtime.scriptrunner import get_script_run_ctx

from labeleval.errors import LabelevalError, LimitError
from labeleval.io.formats import REGISTRY
from labeleval.io.formats.guess import duration_factor_from_name
from labeleval.io.readers import FORMATS
from labeleval.limits import Limits, env_variable, evaluation_slot
from labeleval.limits import current as current_limits
from labeleval.options import DurationUnit, PricingModel
from labeleval.project.manifest import MANIFEST_NAME
from labeleval.safety import markdown_text
from labeleval.ui import UPLOAD_PREFIX
from labeleval.ui.isolate import FileFacts, Preview, file_facts, preview, run_isolated, table_columns

#: The default of ``upload_mb`` (:mod:`labeleval.limits`): the size of one file (each uploader's
#: ``max_upload_size``, the server's ``server.maxUploadSize`` set by labeleval.ui.serve) and of a session's uploads
MAX_UPLOAD_MB = Limits().upload_mb
OPTIONAL = ("submitted_at", "duration_s", "cost")
#: The canonical fields a vendor's table and a gold table map their columns to.
VENDOR_FIELDS = ("item_id", "annotator_id", "label", *OPTIONAL)
GOLD_FIELDS = ("item_id", "label")
#: Data files the uploaders take: every table format, plus SageMaker's ``.manifest`` (JSON lines).
DATA_SUFFIXES = [s.lstrip(".") for suffixes in FORMATS.values() for s in suffixes] + ["manifest"]
ALLOWED_SUFFIXES = [*DATA_SUFFIXES, "toml"]
TABLE = "table (map the columns)"
LEAVE = "(leave it: quarantined as UNKNOWN_LABEL)"


class _SessionFolder:
    """A session's private upload folder (mode 0700). Removed when the session's state is collected, when
    the session has been gone for longer than Streamlit keeps a disconnected session (see :func:`_sweep`),
    and at the latest when the server process exits."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX))
        weakref.finalize(self, shutil.rmtree, str(self.path), ignore_errors=True)


#: session id -> (its upload folder, since when it has been seen disconnected or None); read by :func:`_sweep`
_FOLDERS: dict[str, tuple[Path, float | None]] = {}
_FOLDERS_LOCK = threading.Lock()


def _sweep() -> None:
    """Delete the upload folders of sessions that closed: not connected for longer than
    ``server.disconnectedSessionTTL`` (after which Streamlit discards the session and its state)."""
    try:
        runtime = st.runtime.get_instance()
        ttl = float(st.get_option("server.disconnectedSessionTTL"))
    except Exception:  # no runtime (bare mode, tests): nothing to sweep
        return
    now = time.monotonic()
    with _FOLDERS_LOCK:
        for session, (path, gone_since) in list(_FOLDERS.items()):
            if runtime.is_active_session(session):
                _FOLDERS[session] = (path, None)
            elif gone_since is None:  # start the clock: a reconnect within the TTL keeps the folder
                _FOLDERS[session] = (path, now)
            elif now - gone_since > ttl:
                shutil.rmtree(path, ignore_errors=True)
                del _FOLDERS[session]


#: session id -> its session state (weakly): what :func:`forget_session` clears when the session has ended
_STATES: dict[str, weakref.ref[Any]] = {}


def _register_session() -> None:
    """Remember this session's state, so that its uploaded files can be let go of when the session ends."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    with contextlib.suppress(TypeError), _FOLDERS_LOCK:  # a state that cannot be weakly referenced: not kept
        _STATES[ctx.session_id] = weakref.ref(ctx.session_state)


def sessions_with_folders() -> list[str]:
    """The sessions that have an upload folder."""
    with _FOLDERS_LOCK:
        return list(_FOLDERS)


def forget_session(session: str) -> None:
    """Delete the upload folder of a session that ended, and clear its state (its uploaders' files)."""
    with _FOLDERS_LOCK:
        entry = _FOLDERS.pop(session, None)
        state = _STATES.pop(session, lambda: None)()
    if entry is not None:
        shutil.rmtree(entry[0], ignore_errors=True)
    if state is not None:  # Streamlit may hold an ended session for a while (its event loop's last reference):
        with contextlib.suppress(Exception):  # its widgets' uploaded files need not stay with it
            object.__getattribute__(state, "_state").clear()  # the SessionState inside Streamlit's thread-safe one


def _workdir() -> Path:
    """This session's upload folder (created on first use, private to the session)."""
    _sweep()
    holder = st.session_state.get("upload_folder")
    if not isinstance(holder, _SessionFolder) or not holder.path.is_dir():
        holder = _SessionFolder()
        st.session_state["upload_folder"] = holder
    ctx = get_script_run_ctx()
    if ctx is not None:
        with _FOLDERS_LOCK:
            _FOLDERS[ctx.session_id] = (holder.path, None)
    return holder.path


def _upload_id(f: Any) -> str:
    """What identifies one uploaded file: Streamlit's file id (new for every upload), else its bytes."""
    file_id = getattr(f, "file_id", None)
    return str(file_id) if file_id else hashlib.sha256(f.getvalue()).hexdigest()


def _safe_name(name: str) -> str:
    base = Path(str(name).replace("\\", "/")).name
    if base in ("", ".", "..") or base.startswith(".") or "\x00" in base:
        raise LabelevalError(f"{name!r}: not a usable file name; rename the file and upload it again")
    return base


def _safe_relative(name: str) -> str:
    """A file's path inside an uploaded folder (``worker-response/iteration-1/0/x.json``: the browser sends it
    relative to the folder chosen), every part a usable name: no absolute path, no ``..``, no hidden part."""
    parts = [p for p in str(name).replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." or p.startswith(".") or "\x00" in p for p in parts):
        raise LabelevalError(f"{name!r}: not a usable file path; rename the file or folder and upload it again")
    return "/".join(parts)


def save_uploads(files: list[Any], folder: Path, *, keep_folders: bool = False, root: Path | None = None) -> list[Path]:
    """Write one upload (a list of files) into ``folder`` and return the paths written.

    ``folder`` holds exactly this upload: when the files differ from the ones already there (a new upload),
    the folder is emptied first, so a new upload never reuses an earlier one's manifest or data; the same
    upload seen again on a rerun is not rewritten. The number of files (``upload_files``) and the total size of
    the session's uploads (``upload_mb``; :mod:`labeleval.limits`) are limited, checked from the sizes the
    browser reported, before anything is written. Each file's SHA-256 is recorded beside it (``.upload.json``):
    it keys the cached reads of the file (:func:`upload_digest`). ``keep_folders``: an uploaded folder, each file
    kept at its path inside it (checked by :func:`_safe_relative`). ``root``: the session's folder, whose other
    uploads count towards its limit (default: ``folder``'s parent).
    """
    limits = current_limits()
    names = [_safe_relative(f.name) if keep_folders else _safe_name(f.name) for f in files]
    if len(files) > limits.upload_files:
        raise LimitError(
            f"{len(files):,} files in one upload, over the limit of {limits.upload_files:,} (upload_files); "
            f"raise it with the environment variable {env_variable('upload_files')}=... when starting the app"
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise LabelevalError(f"two uploaded files are both called {repeated[0]}; rename one")
    total = sum(int(f.size) for f in files)
    root = folder.parent if root is None else root
    others = sum(
        p.stat().st_size
        for p in root.glob("*/**/*")
        if p.is_file() and p.parent != folder and folder not in p.parents and root != p.parent
    )
    if total + others > limits.upload_mb * 1024**2:
        raise LimitError(
            f"this upload is {total / 1024**2:,.1f} MB (with the session's other uploads "
            f"{(total + others) / 1024**2:,.1f} MB), over the {limits.upload_mb:,} MB upload limit (upload_mb); "
            f"use the command line (labeleval score) for files this large, or raise the limit with the "
            f"environment variable {env_variable('upload_mb')}=... when starting the app"
        )
    signature = sorted(zip(names, (_upload_id(f) for f in files), strict=True))
    marker = folder / ".upload.json"
    paths = [folder / name for name in names]
    if _same_upload(marker, signature) and all(p.is_file() for p in paths):
        return paths
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    digests = {}
    for f, path in zip(files, paths, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        data = f.getvalue()
        path.write_bytes(data)
        digests[path.relative_to(folder).as_posix()] = hashlib.sha256(data).hexdigest()
    marker.write_text(json.dumps({"signature": signature, "digests": digests}), encoding="utf-8")
    return paths


def _same_upload(marker: Path, signature: list[tuple[str, str]]) -> bool:
    """Is the upload recorded in ``marker`` the one with this ``signature`` (names and upload ids)?"""
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(recorded, dict) and recorded.get("signature") == [list(pair) for pair in signature]


def open_project(folder: Path) -> None:
    """Score ``folder`` and show its Overview.

    The sidebar's project chooser (a widget keyed ``project_choice``) takes its value at the start of a run:
    the folder is left as a pending choice that ``state.settings_state`` applies on the next run, before the
    page and the chooser are drawn, and the app then switches to the Overview.
    """
    st.session_state["project_path"] = str(folder)
    st.session_state["project_choice_pending"] = str(folder)
    st.session_state["open_overview"] = True
    st.rerun()


def upload_section() -> None:
    _sweep()  # closed sessions' upload folders go as soon as anyone opens the Data page
    _register_session()
    with st.expander("Use your own data", expanded=bool(st.session_state.get("map_vendor_files"))):
        project_tab, mapping_tab = st.tabs(["Upload a project", "Upload vendor files and map columns"])
        with project_tab:
            _project_upload()
        with mapping_tab:
            _mapping_upload()


def _project_upload() -> None:
    st.caption(
        f"Upload {MANIFEST_NAME} together with every file it names (gold, vendor batches, rates tables). "
        f'Vendor exports can stay in their own format: set format = "label_studio", "scale", "surge", '
        f'"toloka", "labelbox", "sagemaker_gt", "timesheet" or "llm" in the manifest.'
    )
    files = st.file_uploader(
        "Project files",
        accept_multiple_files=True,
        type=ALLOWED_SUFFIXES,
        key="upload_project_files",
        max_upload_size=current_limits().upload_mb,
    )
    if files and st.button("Open this project", key="open_uploaded_project"):
        folder = _workdir() / "project"
        try:
            save_uploads(files, folder)
        except LabelevalError as exc:
            st.error(markdown_text(exc))
            return
        if not (folder / MANIFEST_NAME).is_file():
            st.error(f"No {MANIFEST_NAME} among the uploaded files; add it, or use the column-mapping tab.")
            return
        open_project(folder)


def _mapping_upload() -> None:
    st.caption(
        "Upload one file per vendor (and optionally a gold file). Vendor export formats (Label Studio, Scale, "
        "Surge, Toloka, Labelbox, SageMaker Ground Truth) are recognised; for a plain table, say which column "
        "is which (guessed from the names and the contents)."
    )
    task_name = st.text_input("Task name", "My labelling task", key="map_task_name")
    labels_text = st.text_input("Labels, comma separated (in order for ordinal tasks)", key="map_labels")
    vendor_files = st.file_uploader(
        "Vendor files",
        accept_multiple_files=True,
        type=DATA_SUFFIXES,
        key="map_vendor_files",
        max_upload_size=current_limits().upload_mb,
    )
    gold_file = st.file_uploader(
        "Gold file (optional)", type=DATA_SUFFIXES, key="map_gold_file", max_upload_size=current_limits().upload_mb
    )
    rate_file = st.file_uploader(
        "Hourly rates per annotator (optional: a table with an annotator column and a rate column)",
        type=["csv", "tsv", "xlsx"],
        key="map_rates_file",
        max_upload_size=current_limits().upload_mb,
    )
    if not vendor_files:
        return
    folder = _workdir() / "mapped"
    extras = [f for f in (gold_file, rate_file) if f is not None]
    try:
        saved = save_uploads([*vendor_files, *extras], folder)
    except LabelevalError as exc:
        st.error(markdown_text(exc))
        return
    labels = [x.strip() for x in labels_text.split(",") if x.strip()]
    rates_path = saved[-1] if rate_file is not None else None
    vendors = []
    for i, path in enumerate(saved[: len(vendor_files)]):
        vendor = _vendor_form(path, i, labels, rates_path)
        if vendor is not None:
            vendors.append(vendor)
    gold = None
    if gold_file is not None:
        gold = _gold_form(saved[len(vendor_files)])
    if len(labels) < 2:
        st.info("Enter at least two labels to build the project.")
        return
    if not vendors:
        return
    unpriced = [str(v["name"]) for v in vendors if any(value is None for value in v["pricing"].values())]
    if unpriced:
        st.info(f"Enter the price of {', '.join(map(markdown_text, unpriced))} to build the project.")
        return
    manifest = build_manifest(task_name, labels, vendors, gold)
    st.download_button(
        "Download this mapping as labeleval.toml",
        manifest,
        MANIFEST_NAME,
        "text/plain",
        key="download_manifest",
        on_click="ignore",
    )
    if st.button("Score these files", key="score_mapped", type="primary"):
        (folder / MANIFEST_NAME).write_text(manifest, encoding="utf-8")
        open_project(folder)


def _format_choice(facts: FileFacts, key: str) -> str:
    detected = facts.format
    options = [TABLE, *REGISTRY]
    chosen = st.selectbox(
        "Format",
        options,
        index=options.index(detected) if detected in options else 0,
        key=key,
        format_func=lambda f: f if f == TABLE else f"{f}: {REGISTRY[f].title}",
        help="Detected from the file's content; change it if the guess is wrong (timesheets and model outputs "
        "are tables: choose timesheet or llm for per-person rates or token pricing).",
    )
    return str(chosen)


# ------------------------------------------------------------------ reading an upload: in a child, cached
# Every read of an uploaded file runs in a child process (labeleval.ui.isolate), under the evaluations' slots
# (LABELEVAL_MAX_EVALUATIONS), and is cached by the digest of the file's bytes and the settings it was read with:
# a widget change reruns the page, not the read. Errors are cached too (returned as text), so a file that
# cannot be read is tried once, not on every rerun.


def upload_digest(path: Path) -> str:
    """The SHA-256 of an uploaded file's bytes, recorded by :func:`save_uploads` (else computed)."""
    marker = path.parent / ".upload.json"
    try:
        digests = json.loads(marker.read_text(encoding="utf-8")).get("digests", {})
    except (OSError, ValueError, AttributeError):
        digests = {}
    if digests.get(path.name):
        return str(digests[path.name])
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@st.cache_data(show_spinner="Reading the file…", max_entries=64)
def _cached_facts(digest: str, name: str, canonical: tuple[str, ...], _path: Path) -> FileFacts | str:
    try:
        with evaluation_slot():
            facts: FileFacts = run_isolated(file_facts, _path, canonical, what=name)
            return facts
    except LabelevalError as exc:
        return str(exc)


@st.cache_data(show_spinner="Reading the file…", max_entries=64)
def _cached_columns(digest: str, name: str, canonical: tuple[str, ...], _path: Path) -> tuple[Any, ...] | str:
    try:
        with evaluation_slot():
            found: tuple[Any, ...] = run_isolated(table_columns, _path, canonical, what=name)
            return found
    except LabelevalError as exc:
        return str(exc)


@st.cache_data(show_spinner="Reading the file with these settings…", max_entries=64)
def _cached_preview(digest: str, name: str, settings: str, rates_digest: str, _path: Path) -> Preview | str:
    chosen = json.loads(settings)
    for key in ("rates", "worker_responses"):  # files beside the upload, named relative to its folder
        if chosen.get(key):
            chosen[key] = _path.parent / chosen[key]
    try:
        with evaluation_slot():
            found: Preview = run_isolated(preview, _path, chosen, what=name)
            return found
    except LabelevalError as exc:
        return str(exc)


def facts_of(path: Path, canonical: tuple[str, ...]) -> FileFacts | None:
    """The :class:`FileFacts` of an uploaded file, a table's columns guessed for the fields ``canonical``; None
    (and the error shown) when it cannot be read."""
    facts = _cached_facts(upload_digest(path), path.name, canonical, path)
    if isinstance(facts, str):
        st.error(markdown_text(facts))
        return None
    return facts


def columns_of(
    path: Path, facts: FileFacts, canonical: tuple[str, ...]
) -> tuple[tuple[str, ...], dict[str, str]] | None:
    """A table's columns and guessed mapping (from ``facts`` when it has them); None when it cannot be read."""
    if facts.columns is not None:
        return facts.columns, dict(facts.guessed)
    found = _cached_columns(upload_digest(path), path.name, canonical, path)
    if isinstance(found, str):
        st.error(markdown_text(found))
        return None
    return tuple(found[0]), dict(found[1])


def _vendor_form(path: Path, i: int, labels: list[str], rates_path: Path | None) -> dict[str, Any] | None:
    st.markdown(f"**{markdown_text(path.name)}**")
    facts = facts_of(path, VENDOR_FIELDS)
    if facts is None:
        return None
    c1, c2 = st.columns(2)
    name = c1.text_input("Vendor name", path.stem, key=f"map_name_{i}")
    fmt = _format_choice(facts, f"map_format_{i}")
    vendor: dict[str, Any] = {"name": name, "path": path.name}
    columns: dict[str, str] = {}
    unit = "s"
    if fmt == TABLE:
        found = columns_of(path, facts, VENDOR_FIELDS)
        if found is None:
            return None
        columns = _mapping_widgets(*found, f"map_{i}")
        if "duration_s" in columns:
            said = duration_factor_from_name(columns["duration_s"])
            units = DurationUnit.values()
            default = {0.001: "ms", 60.0: "min", 3600.0: "h"}.get(said or 1.0, "s")
            unit = str(c2.selectbox("Duration unit", units, index=units.index(default), key=f"map_unit_{i}"))
            if unit != "s":
                vendor["duration_unit"] = unit
        vendor["columns"] = columns
    else:
        vendor["format"] = fmt
        question = c2.text_input(
            "Question (only if the export answers several)",
            "",
            key=f"map_question_{i}",
            help="The from_name (Label Studio), response field (Scale), question (Surge), OUTPUT field (Toloka) "
            "or classification (Labelbox) that holds the label.",
        )
        if question.strip():
            vendor["question"] = question.strip()
        ids = st.columns(2)
        item_field = ids[0].text_input(
            "Item id field (dotted path, optional)",
            (facts.item_field or "") if fmt == facts.format else "",
            key=f"map_item_field_{i}",
            help='e.g. "data.item_id" (Label Studio) or "metadata.item_id" (Scale)',
        )
        annotator_field = ids[1].text_input(
            "Annotator field (dotted path, optional)",
            (facts.annotator_field or "") if fmt == facts.format == "scale" else "",
            key=f"map_annotator_field_{i}",
            help="Scale's task object names no worker: without a field here, each task is one consolidated answer",
        )
        if item_field.strip():
            vendor["item_field"] = item_field.strip()
        if annotator_field.strip():
            vendor["annotator_field"] = annotator_field.strip()
        vendor |= _native_extras(path, facts, fmt, i)
    per_person = fmt == "timesheet" or rates_path is not None
    if rates_path is not None and fmt in ("timesheet", TABLE):
        use_rates = st.checkbox(
            f"Pay each annotator their own hourly rate from {markdown_text(rates_path.name)}",
            value=fmt == "timesheet",
            key=f"map_use_rates_{i}",
        )
        if use_rates:
            vendor["format"] = "timesheet"
            vendor["rates"] = rates_path.name
            fmt = "timesheet"
    reading = _preview(path, vendor, unit)
    if reading is None:
        return None
    vendor["label_map"] = _label_map_widgets(reading, labels, i)
    vendor["pricing"] = _pricing_widgets(i, fmt == "timesheet" and per_person)
    if reading.excluded_rows:
        vendor["bill_excluded"] = st.checkbox(
            f"Bill the {reading.excluded_rows:,} rows the export marks rejected, cancelled or not "
            "completed (default: not billed)",
            value=False,
            key=f"map_bill_excluded_{i}",
        )
    return vendor


def _native_extras(path: Path, facts: FileFacts, fmt: str, i: int) -> dict[str, Any]:
    """What a vendor's own format takes beside its question and ids, as the manifest and ``labeleval read`` take
    it: ``metadata`` (item fields to keep, for the formats whose reader keeps them) and, for SageMaker Ground
    Truth, ``worker_responses`` (the job's worker-response folder, uploaded as a folder, joined to this output
    manifest)."""
    extras: dict[str, Any] = {}
    if REGISTRY[fmt].takes_metadata:
        found = list(facts.metadata) if fmt == facts.format else []
        kept = st.multiselect(
            "Item metadata to keep (dotted paths)",
            found,
            default=found,
            key=f"map_metadata_{i}",
            accept_new_options=True,
            help="Fields of each record kept as item metadata (language, domain, text): the Items page shows an "
            "item's text, and the Slices page and `--by` slice by any of them. Type another dotted path to add it.",
        )
        if kept:
            extras["metadata"] = [str(k).strip() for k in kept if str(k).strip()]
    if fmt == "sagemaker_gt":
        files = st.file_uploader(
            "Worker responses (optional: the job's annotations/worker-response folder)",
            accept_multiple_files="directory",
            type=["json"],
            key=f"map_worker_responses_{i}",
            max_upload_size=current_limits().upload_mb,
            help="Without it, the output manifest gives one consolidated answer per item; with it, every worker's "
            "answer, joined to this manifest's items.",
        )
        if files:
            folder = path.parent / f"worker_responses_{i}"
            try:
                save_uploads(files, folder, keep_folders=True, root=path.parent.parent)
            except LabelevalError as exc:
                st.error(markdown_text(exc))
                return extras
            extras["worker_responses"] = folder.name
    return extras


def _preview(path: Path, vendor: dict[str, Any], unit: str) -> Preview | None:
    """What the file yields with these settings: the ledger's counts, shown; None (and the message) on an error.
    Read in a child process and cached by the file's digest and the settings (see :func:`_cached_preview`)."""
    settings = {
        "format": vendor.get("format"),
        "question": vendor.get("question"),
        "columns": vendor.get("columns"),
        "item_field": vendor.get("item_field"),
        "annotator_field": vendor.get("annotator_field"),
        "rates": vendor.get("rates"),
        "duration_unit": unit,
        **{k: vendor[k] for k in ("metadata", "worker_responses") if vendor.get(k)},
    }
    rates = path.parent / vendor["rates"] if vendor.get("rates") else None
    reading = _cached_preview(
        upload_digest(path),
        path.name,
        json.dumps(settings, sort_keys=True),
        upload_digest(rates) if rates is not None and rates.is_file() else "",
        path,
    )
    if isinstance(reading, str):
        st.error(markdown_text(reading))
        return None
    st.caption(
        f"{reading.rows_read:,} rows read = {reading.kept:,} kept + {reading.quarantined:,} set aside"
        + "".join(f"; {markdown_text(note)}" for note in reading.notes)
    )
    if reading.reasons:
        st.caption("Set aside: " + ", ".join(f"{markdown_text(reason)} {n:,}" for reason, n in reading.reasons))
    return reading


def _label_map_widgets(reading: Preview, labels: list[str], i: int) -> dict[str, str]:
    """One control per vendor label that is not a task label: map it to a task label, or leave it. The vendor's
    labels are data: each control's label shows them as plain text (Streamlit reads Markdown in labels)."""
    if not labels:
        return {}
    counts = dict(reading.label_counts)
    unknown = sorted(set(counts) - set(labels))
    if not unknown:
        return {}
    st.markdown(f"{len(unknown)} of this vendor's labels are not task labels; map each one:")
    mapping: dict[str, str] = {}
    options = [LEAVE, *labels]
    cols = st.columns(min(len(unknown), 4))
    for k, value in enumerate(unknown[:40]):
        guess = next(
            (lab for lab in labels if lab.lower() == value.lower() or lab.lower().startswith(value.lower()[:3])), None
        )
        chosen = cols[k % len(cols)].selectbox(
            f"{markdown_text(value)} ({counts.get(value, 0):,} rows)",
            options,
            index=options.index(guess) if guess else 0,
            key=f"map_label_{i}_{k}",
        )
        if chosen != LEAVE:
            mapping[value] = str(chosen)
    return mapping


def _pricing_widgets(i: int, per_person: bool) -> dict[str, Any]:
    c1, c2, c3 = st.columns(3)
    models = PricingModel.values()
    model = str(
        c1.selectbox("Pricing", models, index=models.index("hourly") if per_person else 0, key=f"map_model_{i}")
    )
    pricing: dict[str, Any] = {"model": model, "currency": "USD"}
    # no price is filled in for the user: a field left blank keeps the project from being scored, never invents a cost
    if model == "per_million_tokens":
        pricing["input_rate"] = c2.number_input(
            "USD per million input tokens", 0.0, value=None, placeholder="required", key=f"map_in_{i}"
        )
        pricing["output_rate"] = c3.number_input(
            "USD per million output tokens", 0.0, value=None, placeholder="required", key=f"map_out_{i}"
        )
    elif model == "hourly" and per_person:
        c2.caption("Each annotator's own hourly rate (from the timesheet or the rates table)")
    else:
        label = "Amount (USD)" if model == "fixed" else "Rate (USD)"
        value = c2.number_input(
            label, min_value=0.0, value=None, step=0.01, placeholder="required", key=f"map_rate_{i}"
        )
        pricing["amount" if model == "fixed" else "rate"] = value
    fee = float(c3.number_input("Platform fee (%)", min_value=0.0, value=0.0, step=1.0, key=f"map_fee_{i}"))
    if fee:
        pricing["fee_pct"] = fee
    return pricing


def _gold_form(path: Path) -> dict[str, Any] | None:
    st.markdown(f"**Gold: {markdown_text(path.name)}**")
    facts = facts_of(path, GOLD_FIELDS)
    if facts is None:
        return None
    fmt = facts.format
    if fmt in REGISTRY and REGISTRY[fmt].read_gold is not None:
        st.caption(f"Gold answers from a {REGISTRY[fmt].title} ({fmt}).")
        return {"path": path.name, "format": fmt}
    found = columns_of(path, facts, GOLD_FIELDS)
    if found is None:
        return None
    return {"path": path.name, "columns": _mapping_widgets(*found, "map_gold", GOLD_FIELDS)}


def _mapping_widgets(
    columns: tuple[str, ...],
    guessed: dict[str, str],
    key: str,
    canonical: tuple[str, ...] = VENDOR_FIELDS,
) -> dict[str, str]:
    """One selectbox per canonical field, defaulting to the column guessed by name and content (the options are
    the file's column names, which a select box shows as plain text)."""
    cols = st.columns(len(canonical))
    mapping = {}
    for col, name in zip(cols, canonical, strict=True):
        options = ["(none)", *columns] if name in OPTIONAL else list(columns)
        guess = guessed.get(name)
        index = options.index(guess) if guess in options else 0
        chosen = col.selectbox(name, options, index=index, key=f"{key}_{name}")
        if chosen != "(none)":
            mapping[name] = chosen
    return mapping


def build_manifest(task: str, labels: list[str], vendors: list[dict[str, Any]], gold: dict[str, Any] | None) -> str:
    """A labeleval.toml for uploaded files and their settings, written with a TOML writer (tomli-w).

    Each vendor is a dict with ``name``, ``path`` and either ``columns`` (a table) or ``format`` (a vendor
    export format), and optionally ``label_map``, ``duration_unit``, ``question``, ``item_field``,
    ``annotator_field``, ``rates``, ``worker_responses``, ``metadata``, ``bill_excluded`` and ``pricing`` (a dict;
    the older flat ``model`` and ``rate`` keys are accepted too).
    """
    document: dict[str, Any] = {"task": {"name": task, "kind": "nominal", "labels": list(labels)}}
    if gold:
        document["gold"] = {k: v for k, v in gold.items() if v not in (None, {}, "")}
    else:
        document["usability"] = {"rule": "consensus"}
    entries = []
    for v in vendors:
        entry = {
            k: v[k]
            for k in (
                "name",
                "path",
                "format",
                "question",
                "item_field",
                "annotator_field",
                "rates",
                "worker_responses",
                "duration_unit",
            )
            if v.get(k) not in (None, "")
        }
        if v.get("metadata"):
            entry["metadata"] = [str(x) for x in v["metadata"]]
        for k in ("columns", "label_map"):
            if v.get(k):
                entry[k] = dict(v[k])
        if v.get("bill_excluded"):
            entry["bill_excluded"] = True
        pricing = dict(v.get("pricing") or {})
        if not pricing:
            key = "amount" if v["model"] == "fixed" else "rate"
            pricing = {"model": v["model"], key: float(v["rate"]), "currency": "USD"}
        entry["pricing"] = {
            k: (float(x) if isinstance(x, int | float) and not isinstance(x, bool) else x)
            for k, x in pricing.items()
            if not (isinstance(x, float) and math.isnan(x))
        }
        entries.append(entry)
    document["vendors"] = entries
    return tomli_w.dumps(document)
