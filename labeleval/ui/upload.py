"""Bring your own data: upload a manifest with its files, or upload vendor files and map their columns.

Uploads are written to a private temporary folder and read by the same code as any project; every
problem is shown with ``st.error`` (naming file, line and column), never a traceback.
"""

from __future__ import annotations

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
from labeleval.io.formats import REGISTRY, sniff, suggest_item_field
from labeleval.io.formats.guess import NAME_HINTS, duration_factor_from_name, guess_columns
from labeleval.io.inspect import read_file
from labeleval.io.readers import FORMATS, read_table
from labeleval.limits import current as current_limits
from labeleval.limits import env_variable
from labeleval.options import DurationUnit, PricingModel
from labeleval.project.manifest import MANIFEST_NAME
from labeleval.safety import markdown_text

MAX_UPLOAD_MB = 200  # also server.maxUploadSize in .streamlit/config.toml and `labeleval app`
OPTIONAL = ("submitted_at", "duration_s", "cost")
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
        self.path = Path(tempfile.mkdtemp(prefix="labeleval_upload_"))
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


def save_uploads(files: list[Any], folder: Path) -> list[Path]:
    """Write one upload (a list of files) into ``folder`` and return the paths written.

    ``folder`` holds exactly this upload: when the files differ from the ones already there (a new upload),
    the folder is emptied first, so a new upload never reuses an earlier one's manifest or data; the same
    upload seen again on a rerun is not rewritten. The total size of the session's uploads is limited
    (``upload_mb`` in :mod:`labeleval.limits`, environment variable ``LABELEVAL_MAX_UPLOAD_MB``), checked
    from the sizes the browser reported, before anything is written.
    """
    limits = current_limits()
    names = [_safe_name(f.name) for f in files]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise LabelevalError(f"two uploaded files are both called {repeated[0]}; rename one")
    total = sum(int(f.size) for f in files)
    others = sum(
        p.stat().st_size
        for p in folder.parent.glob("*/*")
        if p.is_file() and p.parent != folder and p.parent.parent == folder.parent
    )
    if total + others > limits.upload_mb * 1024**2:
        raise LimitError(
            f"this upload is {total / 1024**2:,.1f} MB (with the session's other uploads "
            f"{(total + others) / 1024**2:,.1f} MB), over the {limits.upload_mb:,} MB upload limit (upload_mb); "
            f"use the command line (labeleval score) for files this large, or raise the limit with the "
            f"environment variable {env_variable('upload_mb')}=... when starting the app"
        )
    signature = json.dumps(sorted(zip(names, (_upload_id(f) for f in files), strict=True)))
    marker = folder / ".upload.json"
    paths = [folder / name for name in names]
    if marker.is_file() and marker.read_text(encoding="utf-8") == signature and all(p.is_file() for p in paths):
        return paths
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for f, path in zip(files, paths, strict=True):
        path.write_bytes(f.getvalue())
    marker.write_text(signature, encoding="utf-8")
    return paths


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
        "Project files", accept_multiple_files=True, type=ALLOWED_SUFFIXES, key="upload_project_files"
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
        "Vendor files", accept_multiple_files=True, type=DATA_SUFFIXES, key="map_vendor_files"
    )
    gold_file = st.file_uploader("Gold file (optional)", type=DATA_SUFFIXES, key="map_gold_file")
    rate_file = st.file_uploader(
        "Hourly rates per annotator (optional: a table with an annotator column and a rate column)",
        type=["csv", "tsv", "xlsx"],
        key="map_rates_file",
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
    manifest = build_manifest(task_name, labels, vendors, gold)
    st.download_button(
        "Download this mapping as labeleval.toml", manifest, MANIFEST_NAME, "text/plain", key="download_manifest"
    )
    if st.button("Score these files", key="score_mapped", type="primary"):
        (folder / MANIFEST_NAME).write_text(manifest, encoding="utf-8")
        open_project(folder)


def _format_choice(path: Path, key: str) -> str:
    detected = sniff(path)
    options = [TABLE, *REGISTRY]
    chosen = st.selectbox(
        "Format",
        options,
        index=options.index(detected) if detected else 0,
        key=key,
        format_func=lambda f: f if f == TABLE else f"{f}: {REGISTRY[f].title}",
        help="Detected from the file's content; change it if the guess is wrong (timesheets and model outputs "
        "are tables: choose timesheet or llm for per-person rates or token pricing).",
    )
    return str(chosen)


def _vendor_form(path: Path, i: int, labels: list[str], rates_path: Path | None) -> dict[str, Any] | None:
    st.markdown(f"**{markdown_text(path.name)}**")
    c1, c2 = st.columns(2)
    name = c1.text_input("Vendor name", path.stem, key=f"map_name_{i}")
    fmt = _format_choice(path, f"map_format_{i}")
    vendor: dict[str, Any] = {"name": name, "path": path.name}
    columns: dict[str, str] = {}
    unit = "s"
    if fmt == TABLE:
        try:
            frame = read_table(path).frame
        except LabelevalError as exc:
            st.error(markdown_text(exc))
            return None
        columns = _mapping_widgets(frame, f"map_{i}")
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
            suggest_item_field(path, fmt) or "",
            key=f"map_item_field_{i}",
            help='e.g. "data.item_id" (Label Studio) or "metadata.item_id" (Scale)',
        )
        annotator_field = ids[1].text_input(
            "Annotator field (dotted path, optional)",
            (suggest_item_field(path, fmt, "annotator_id") or "") if fmt == "scale" else "",
            key=f"map_annotator_field_{i}",
            help="Scale's task object names no worker: without a field here, each task is one consolidated answer",
        )
        if item_field.strip():
            vendor["item_field"] = item_field.strip()
        if annotator_field.strip():
            vendor["annotator_field"] = annotator_field.strip()
    per_person = fmt == "timesheet" or rates_path is not None
    if rates_path is not None and fmt in ("timesheet", TABLE):
        use_rates = st.checkbox(
            f"Pay each annotator their own hourly rate from {rates_path.name}",
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
    if reading.billing.excluded_rows:
        vendor["bill_excluded"] = st.checkbox(
            f"Bill the {reading.billing.excluded_rows:,} rows the export marks rejected, cancelled or not "
            "completed (default: not billed)",
            value=False,
            key=f"map_bill_excluded_{i}",
        )
    return vendor


def _preview(path: Path, vendor: dict[str, Any], unit: str) -> Any:
    """What the file yields with these settings: rows and ledger, shown; None (and the message) on an error."""
    folder = path.parent
    try:
        reading = read_file(
            path,
            format=vendor.get("format"),
            question=vendor.get("question"),
            columns=vendor.get("columns"),
            item_field=vendor.get("item_field"),
            annotator_field=vendor.get("annotator_field"),
            rates=folder / vendor["rates"] if "rates" in vendor else None,
            duration_unit=unit,
        )
    except LabelevalError as exc:
        st.error(markdown_text(exc))
        return None
    row = reading.ledger.iloc[0]
    st.caption(
        f"{row['rows_read']:,} rows read = {row['kept']:,} kept + {row['quarantined']:,} set aside"
        + "".join(f"; {markdown_text(note)}" for note in reading.notes)
    )
    if len(reading.quarantine):
        counts = reading.quarantine["reason"].astype(str).value_counts()
        st.caption("Set aside: " + ", ".join(f"{reason} {n:,}" for reason, n in counts.items()))
    return reading


def _label_map_widgets(reading: Any, labels: list[str], i: int) -> dict[str, str]:
    """One control per vendor label that is not a task label: map it to a task label, or leave it."""
    if not labels:
        return {}
    values = reading.rows["label"].dropna().astype(str)
    unknown = sorted(set(values) - set(labels))
    if not unknown:
        return {}
    counts = values.value_counts()
    st.markdown(f"{len(unknown)} of this vendor's labels are not task labels; map each one:")
    mapping: dict[str, str] = {}
    options = [LEAVE, *labels]
    cols = st.columns(min(len(unknown), 4))
    for k, value in enumerate(unknown[:40]):
        guess = next(
            (lab for lab in labels if lab.lower() == value.lower() or lab.lower().startswith(value.lower()[:3])), None
        )
        chosen = cols[k % len(cols)].selectbox(
            f"{value} ({counts.get(value, 0):,} rows)",
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
    if model == "per_million_tokens":
        pricing["input_rate"] = float(
            c2.number_input("USD per million input tokens", 0.0, value=3.0, key=f"map_in_{i}")
        )
        pricing["output_rate"] = float(
            c3.number_input("USD per million output tokens", 0.0, value=15.0, key=f"map_out_{i}")
        )
    elif model == "hourly" and per_person:
        c2.caption("Each annotator's own hourly rate (from the timesheet or the rates table)")
    else:
        label = "Amount (USD)" if model == "fixed" else "Rate (USD)"
        value = float(c2.number_input(label, min_value=0.0, value=0.1, step=0.01, key=f"map_rate_{i}"))
        pricing["amount" if model == "fixed" else "rate"] = value
    fee = float(c3.number_input("Platform fee (%)", min_value=0.0, value=0.0, step=1.0, key=f"map_fee_{i}"))
    if fee:
        pricing["fee_pct"] = fee
    return pricing


def _gold_form(path: Path) -> dict[str, Any] | None:
    st.markdown(f"**Gold: {markdown_text(path.name)}**")
    fmt = sniff(path)
    if fmt in REGISTRY and REGISTRY[fmt].read_gold is not None:
        st.caption(f"Gold answers from a {REGISTRY[fmt].title} ({fmt}).")
        return {"path": path.name, "format": fmt}
    try:
        frame = read_table(path).frame
    except LabelevalError as exc:
        st.error(markdown_text(exc))
        return None
    return {"path": path.name, "columns": _mapping_widgets(frame, "map_gold", ("item_id", "label"))}


def _mapping_widgets(
    frame: Any, key: str, canonical: tuple[str, ...] = ("item_id", "annotator_id", "label", *OPTIONAL)
) -> dict[str, str]:
    """One selectbox per canonical field, defaulting to the column guessed by name and content."""
    columns = [str(c) for c in frame.columns]
    guessed = guess_columns(frame, tuple(f for f in canonical if f in NAME_HINTS))
    cols = st.columns(len(canonical))
    mapping = {}
    for col, name in zip(cols, canonical, strict=True):
        options = ["(none)", *columns] if name in OPTIONAL else columns
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
    ``annotator_field``, ``rates``, ``bill_excluded`` and ``pricing`` (a dict; the older flat ``model`` and
    ``rate`` keys are accepted too).
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
            for k in ("name", "path", "format", "question", "item_field", "annotator_field", "rates", "duration_unit")
            if v.get(k) not in (None, "")
        }
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
