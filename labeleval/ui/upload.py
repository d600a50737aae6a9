"""Bring your own data: upload a manifest with its files, or upload vendor files and map their columns.

Uploads are written to a private temporary folder and read by the same code as any project; every
problem is shown with ``st.error`` (naming file, line and column), never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

import streamlit as st

from labeleval.errors import LabelevalError, LimitError
from labeleval.io.readers import FORMATS, read_table
from labeleval.limits import current as current_limits
from labeleval.limits import env_variable
from labeleval.options import PricingModel
from labeleval.project import MANIFEST_NAME
from labeleval.safety import markdown_text

MAX_UPLOAD_MB = 200  # also server.maxUploadSize in .streamlit/config.toml and `labeleval app`
OPTIONAL = ("submitted_at", "duration_s")
ALLOWED_SUFFIXES = [s.lstrip(".") for suffixes in FORMATS.values() for s in suffixes] + ["toml"]


class _SessionFolder:
    """A session's private upload folder; removed when the session's state is discarded (the browser tab
    closed or the session replaced) and, at the latest, when the server process exits."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="labeleval_upload_"))
        weakref.finalize(self, shutil.rmtree, str(self.path), ignore_errors=True)


def _workdir() -> Path:
    """This session's upload folder (created on first use, private to the session: mode 0700)."""
    holder = st.session_state.get("upload_folder")
    if not isinstance(holder, _SessionFolder) or not holder.path.is_dir():
        holder = _SessionFolder()
        st.session_state["upload_folder"] = holder
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
    st.session_state["project_path"] = str(folder)
    st.session_state["project_choice"] = str(folder)
    st.rerun()


def upload_section() -> None:
    with st.expander("Use your own data", expanded=False):
        project_tab, mapping_tab = st.tabs(["Upload a project", "Upload vendor files and map columns"])
        with project_tab:
            _project_upload()
        with mapping_tab:
            _mapping_upload()


def _project_upload() -> None:
    st.caption(f"Upload {MANIFEST_NAME} together with every file it names (gold and vendor batches).")
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
    st.caption("Upload one file per vendor (and optionally a gold file), then say which column is which.")
    task_name = st.text_input("Task name", "My labelling task", key="map_task_name")
    labels_text = st.text_input("Labels, comma separated (in order for ordinal tasks)", key="map_labels")
    vendor_files = st.file_uploader(
        "Vendor files", accept_multiple_files=True, type=ALLOWED_SUFFIXES[:-1], key="map_vendor_files"
    )
    gold_file = st.file_uploader("Gold file (optional)", type=ALLOWED_SUFFIXES[:-1], key="map_gold_file")
    if not vendor_files:
        return
    folder = _workdir() / "mapped"
    try:
        saved = save_uploads([*vendor_files, *([gold_file] if gold_file else [])], folder)
    except LabelevalError as exc:
        st.error(markdown_text(exc))
        return
    vendors = []
    for i, path in enumerate(saved[: len(vendor_files)]):
        columns = _columns_of(path)
        if columns is None:
            continue
        st.markdown(f"**{markdown_text(path.name)}**")
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("Vendor name", path.stem, key=f"map_name_{i}")
        model = c2.selectbox("Pricing", PricingModel.values(), key=f"map_model_{i}")
        rate = c3.number_input("Rate (or amount)", min_value=0.0, value=0.1, step=0.01, key=f"map_rate_{i}")
        mapping = _mapping_widgets(columns, ("item_id", "annotator_id", "label", *OPTIONAL), f"map_{i}")
        vendors.append({"name": name, "path": path.name, "columns": mapping, "model": model, "rate": rate})
    gold = None
    if gold_file:
        columns = _columns_of(saved[-1])
        if columns is not None:
            st.markdown(f"**Gold: {markdown_text(saved[-1].name)}**")
            gold = {"path": saved[-1].name, "columns": _mapping_widgets(columns, ("item_id", "label"), "map_gold")}
    labels = [x.strip() for x in labels_text.split(",") if x.strip()]
    if len(labels) < 2:
        st.info("Enter at least two labels to build the project.")
        return
    manifest = build_manifest(task_name, labels, vendors, gold)
    st.download_button(
        "Download this mapping as labeleval.toml", manifest, MANIFEST_NAME, "text/plain", key="download_manifest"
    )
    if st.button("Score these files", key="score_mapped"):
        (folder / MANIFEST_NAME).write_text(manifest, encoding="utf-8")
        open_project(folder)


def _columns_of(path: Path) -> list[str] | None:
    try:
        return [str(c) for c in read_table(path).frame.columns]
    except LabelevalError as exc:
        st.error(markdown_text(exc))
        return None


def _mapping_widgets(columns: list[str], canonical: tuple[str, ...], key: str) -> dict[str, str]:
    cols = st.columns(len(canonical))
    mapping = {}
    for col, name in zip(cols, canonical, strict=True):
        options = ["(none)", *columns] if name in OPTIONAL else columns
        guess = next((c for c in columns if c.lower().replace(" ", "_") in (name, name.removesuffix("_id"))), None)
        index = options.index(guess) if guess in options else 0
        chosen = col.selectbox(name, options, index=index, key=f"{key}_{name}")
        if chosen != "(none)":
            mapping[name] = chosen
    return mapping


def _toml_table(mapping: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in mapping.items()) + " }"


def build_manifest(task: str, labels: list[str], vendors: list[dict[str, Any]], gold: dict[str, Any] | None) -> str:
    """A labeleval.toml for uploaded files and their column mapping."""
    lines = ["[task]", f"name = {json.dumps(task)}", 'kind = "nominal"', f"labels = {json.dumps(labels)}", ""]
    if gold:
        lines += ["[gold]", f"path = {json.dumps(gold['path'])}", f"columns = {_toml_table(gold['columns'])}", ""]
    else:
        lines += ["[usability]", 'rule = "consensus"', ""]
    for v in vendors:
        key = "amount" if v["model"] == "fixed" else "rate"
        lines += [
            "[[vendors]]",
            f"name = {json.dumps(v['name'])}",
            f"path = {json.dumps(v['path'])}",
            f"columns = {_toml_table(v['columns'])}",
            f'pricing = {{ model = "{v["model"]}", {key} = {float(v["rate"])}, currency = "USD" }}',
            "",
        ]
    return "\n".join(lines)
