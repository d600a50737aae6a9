"""The app's disk cache of Reports (ui/report_cache.py), its launcher (ui/serve.py) and the lazy package import
that let a new server's first page skip the engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labeleval.report import Report
from labeleval.ui import report_cache, state
from tests.helpers.paths import ROOT, SAMPLE


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "reports"
    monkeypatch.setenv("LABELEVAL_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(SAMPLE.parent / "preference_pairs", copy)
    return copy / "labeleval.toml"


def key_of(manifest: Path, **changes: object) -> str | None:
    options = dict(state.evaluate_options_for(manifest.parent, {}))
    options.update(changes)
    return state.disk_key(manifest, state.fingerprint(manifest), tuple(options.items()))


def test_a_stored_report_is_read_back_and_keys_follow_bytes_and_options(cache: Path, project: Path) -> None:
    key = key_of(project)
    assert key is not None and report_cache.load(key) is None
    report = state.score(str(project), (("n_boot", 50), ("seed", 0)))
    report_cache.store(key, report)
    assert (cache / f"{key}.pickle").is_file()
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    back = report_cache.load(key)
    assert back is not None and back.summary.equals(report.summary)
    assert key_of(project, seed=1) != key  # another option
    vendor_file = next(p for p in project.parent.iterdir() if p.suffix in (".jsonl", ".csv") and "gold" not in p.name)
    vendor_file.write_bytes(vendor_file.read_bytes() + b"\n")  # one byte more in one input file
    assert key_of(project) != key


def test_a_damaged_entry_is_dropped_and_the_folder_stays_bounded(cache: Path, project: Path) -> None:
    key = key_of(project)
    assert key is not None
    cache.mkdir(mode=0o700, exist_ok=True)
    (cache / f"{key}.pickle").write_bytes(b"not a pickle")
    assert report_cache.load(key) is None
    assert not (cache / f"{key}.pickle").exists()
    for i in range(5):
        (cache / f"{i:064x}.pickle").write_bytes(b"x" * 100)
        os.utime(cache / f"{i:064x}.pickle", (1000 + i, 1000 + i))
    report_cache.trim(cache, max_entries=3)
    assert sorted(p.name[:64] for p in cache.glob("*.pickle")) == [f"{i:064x}" for i in (2, 3, 4)]
    report_cache.trim(cache, max_bytes=250)
    assert len(list(cache.glob("*.pickle"))) == 2


def test_no_disk_cache_for_uploads_shared_folders_or_when_off(
    cache: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = Path(tempfile.mkdtemp(prefix=report_cache.UPLOAD_PREFIX))
    try:
        shutil.copytree(project.parent, upload / "project")
        assert key_of(upload / "project" / "labeleval.toml") is None
    finally:
        shutil.rmtree(upload)
    cache.mkdir(mode=0o700, exist_ok=True)
    cache.chmod(0o777)  # writable by others: its pickles could be anyone's
    assert report_cache.cache_dir() is None
    cache.chmod(0o700)
    assert report_cache.cache_dir() == cache
    monkeypatch.setenv("LABELEVAL_CACHE_DIR", "off")
    assert report_cache.cache_dir() is None and key_of(project) is None


@pytest.mark.slow
def test_a_new_server_reads_the_report_without_scoring(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app scores once and stores; with its in-memory cache cleared (a new server) it reads the disk."""
    state.cached_report.clear()  # earlier tests in this process scored the sample into the memory cache
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception and len(list(cache.glob("*.pickle"))) == 1
    state.cached_report.clear()

    def no_scoring(*args: object) -> None:
        raise AssertionError("scored again")

    monkeypatch.setattr(state, "score", no_scoring)
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not again.exception
    assert any("is the most accurate on gold" in m.value for m in again.markdown)


@pytest.mark.slow
def test_the_launcher_stores_the_report_the_first_session_reads(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``make app``'s launcher scores the sample with the options a new session starts with: the app's first
    run then reads that Report (it would fail if it scored)."""
    from labeleval.ui.serve import prepare, project_of

    assert project_of(["app.py", "--server.port", "1", "--", "some/project"]) == "some/project"
    line = prepare(None)
    assert "scored and stored" in line and len(list(cache.glob("*.pickle"))) == 1
    assert "already stored" in prepare(None)
    state.cached_report.clear()

    def no_scoring(*args: object) -> None:
        raise AssertionError("scored again")

    monkeypatch.setattr(state, "score", no_scoring)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("is the most accurate on gold" in m.value for m in at.markdown)


@pytest.mark.slow
def test_the_launcher_rehearses_the_overview_on_the_report_it_stored(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first session should not pay for first calls: the launcher makes the Overview's parts once."""
    from labeleval.ui.pages import overview
    from labeleval.ui.serve import prepare

    real = overview.rehearse
    seen: list[Report] = []
    monkeypatch.setattr(overview, "rehearse", seen.append)
    prepare(None)
    assert len(seen) == 1 and isinstance(seen[0], Report)
    real(seen[0])  # and the real one runs on it without error


@pytest.mark.slow
def test_the_package_imports_no_engine_until_asked() -> None:
    """A fresh interpreter: ``import labeleval`` imports neither the scoring nor scikit-learn; a public name is
    imported from the one table when first used, and ``labeleval.evaluate`` is the function."""
    code = (
        "import sys\n"
        "import labeleval\n"
        "assert 'labeleval.scoring.run' not in sys.modules, 'scoring'\n"
        "assert 'sklearn' not in sys.modules, 'sklearn'\n"
        "import labeleval.api\n"
        "from labeleval import evaluate, Report, krippendorff_alpha\n"
        "assert callable(labeleval.evaluate) and labeleval.evaluate is evaluate\n"
        "assert evaluate.__module__ == 'labeleval.api'\n"
        "assert set(labeleval.__all__) <= set(dir(labeleval))\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr


def test_the_key_covers_rate_tables_and_remote_data_is_not_kept(cache: Path, tmp_path: Path) -> None:
    """A vendor's rate table (timesheets) is an input: changing a rate changes the key. A vendor read from a
    folder of Parquet files is never kept on disk (the key does not see inside the folder)."""
    folder = tmp_path / "hourly"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "formats" / "timesheet.csv", folder / "timesheet.csv")
    (folder / "rates.csv").write_text("annotator,rate\ne1,60\ne2,90\ne3,70\n")
    (folder / "labeleval.toml").write_text(
        '[task]\nname = "t"\nlabels = ["pos", "neg"]\n'
        '[usability]\nrule = "consensus"\n'
        '[[vendors]]\nname = "Experts"\npath = "timesheet.csv"\nformat = "timesheet"\nrates = "rates.csv"\n'
        'pricing = { model = "hourly", rate = 0.0 }\n'
    )
    manifest = folder / "labeleval.toml"
    key = key_of(manifest)
    assert key is not None
    (folder / "rates.csv").write_text("annotator,rate\ne1,61\ne2,90\ne3,70\n")
    assert key_of(manifest) != key
    parts = tmp_path / "parts"
    (parts / "batch").mkdir(parents=True)
    copy = SAMPLE.parent / "preference_pairs"
    shutil.copytree(copy, parts, dirs_exist_ok=True)
    text = (parts / "labeleval.toml").read_text()
    first_path = next(line for line in text.splitlines() if line.startswith("path = ") and "gold" not in line)
    import pandas as pd

    pd.DataFrame({"item": ["x"]}).to_parquet(parts / "batch" / "part-0.parquet")  # never read here
    (parts / "labeleval.toml").write_text(text.replace(first_path, 'path = "batch"', 1))
    assert not state.local_files_only(parts / "labeleval.toml")
    assert key_of(parts / "labeleval.toml") is None


def test_labeleval_app_starts_streamlit_through_the_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    from labeleval.cli import main as cli

    seen: list[list[str]] = []

    def call(command: list[str]) -> int:
        seen.append(command)
        return 0

    monkeypatch.setattr(cli.subprocess, "call", call)
    assert cli.main(["app", str(SAMPLE)]) == 0
    command = seen[0]
    assert command[1:3] == ["-m", "labeleval.ui.serve"]
    assert command[command.index("--") + 1] == str(SAMPLE.resolve())
