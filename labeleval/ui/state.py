"""Sidebar settings, project discovery and the cached evaluation the pages share."""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from labeleval.dataset import load_data
from labeleval.errors import LabelevalError
from labeleval.evaluate import evaluate
from labeleval.project import find_manifest, load_project
from labeleval.report import Report
from labeleval.safety import markdown_text

REPO_SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def sample_root() -> Path:
    """The bundled sample projects: the repository's sample_data/, or a generated copy when installed."""
    if (REPO_SAMPLES / "content_safety" / "labeleval.toml").is_file():
        return REPO_SAMPLES
    from labeleval.sample import generate_content_safety

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


def fingerprint(manifest: Path) -> str:
    """Hash of the manifest and every file it names: the cache key of an evaluation."""
    digest = hashlib.sha256()
    digest.update(manifest.read_bytes())
    try:
        files = load_project(manifest).files()
    except LabelevalError:
        files = []
    for path in files:
        digest.update(str(path).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@st.cache_data(show_spinner="Scoring vendors…", max_entries=16)
def cached_report(
    manifest: str,
    key: str,
    n_boot: int,
    seed: int,
    confidence: float,
    usability: str,
    min_confidence: float,
    tie: str,
    consensus: str = "majority_vote",
    target_accuracy: float = 0.95,
) -> Report:
    """``evaluate()`` keyed on file bytes (``key``) and every option; widget values are passed in."""
    del key  # part of the cache key only
    return evaluate(
        manifest,
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
        usability=usability,
        min_confidence=min_confidence,
        tie=tie,
        consensus=consensus,
        target_accuracy=target_accuracy,
    )


def sidebar_settings(project_path: Path) -> None:
    """Draw the project chooser and the settings; store the chosen options in session state."""
    samples = sample_projects()
    with st.sidebar:
        st.caption("Project")
        names = list(samples)
        current = next((n for n, p in samples.items() if p.resolve() == project_path.resolve()), None)
        options = names if current else [*names, str(project_path)]
        choice = st.selectbox(
            "Project",
            options,
            index=options.index(current or str(project_path)),
            key="project_choice",
            label_visibility="collapsed",
        )
        st.session_state["project_path"] = str(samples.get(choice, Path(choice)))
        with st.expander("Settings", expanded=False):
            st.slider("Confidence level", 0.80, 0.99, 0.95, 0.01, key="confidence")
            st.select_slider("Bootstrap resamples", [0, 200, 500, 1000, 2000], value=1000, key="n_boot")
            st.number_input("Seed", min_value=0, value=0, step=1, key="seed")
            st.selectbox(
                "Usable label means",
                ["gold", "consensus", "gold_or_consensus"],
                key="usability",
                format_func=lambda rule: USABILITY_LABELS.get(str(rule), str(rule)),
            )
            st.slider("Consensus confidence threshold", 0.5, 1.0, 0.8, 0.05, key="min_confidence")
            st.selectbox("Majority-vote ties", ["abstain", "lowest", "random"], key="tie")
            st.selectbox(
                "Consensus method",
                ["majority_vote", "dawid_skene"],
                key="consensus",
                format_func=lambda m: {"majority_vote": "majority vote", "dawid_skene": "Dawid-Skene"}.get(
                    str(m), str(m)
                ),
            )
            st.slider("Target consensus accuracy", 0.80, 0.99, 0.95, 0.01, key="target_accuracy")


USABILITY_LABELS = {
    "gold": "equals gold (rate on gold items)",
    "consensus": "equals confident cross-vendor consensus",
    "gold_or_consensus": "equals gold, else confident consensus",
}


def current_report(*, show_ledger_on_error: bool = False) -> Report | None:
    """Evaluate the chosen project with the sidebar's options; show ``st.error`` instead of a traceback.

    On an error, the Data page also shows whatever ledger could be read, so the user sees which rows failed.
    """
    path = st.session_state.get("project_path", str(default_project()))
    try:
        manifest = find_manifest(path)
        return cached_report(
            str(manifest),
            fingerprint(manifest),
            int(st.session_state.get("n_boot", 1000)),
            int(st.session_state.get("seed", 0)),
            float(st.session_state.get("confidence", 0.95)),
            str(st.session_state.get("usability", "gold")),
            float(st.session_state.get("min_confidence", 0.8)),
            str(st.session_state.get("tie", "abstain")),
            str(st.session_state.get("consensus", "majority_vote")),
            float(st.session_state.get("target_accuracy", 0.95)),
        )
    except LabelevalError as exc:
        st.error(f"This project cannot be scored: {markdown_text(exc)}")
        if show_ledger_on_error:
            _show_partial_ledger(path)
        else:
            st.info("The Data page shows the ledger of what could be read.")
        return None


def _show_partial_ledger(path: str) -> None:
    try:
        data = load_data(load_project(path))
    except LabelevalError:
        return
    st.subheader("Ledger of what could be read")
    st.dataframe(data.ledger, hide_index=True, key="partial_ledger")
    if len(data.quarantine):
        st.dataframe(data.quarantine, hide_index=True, key="partial_quarantine")
