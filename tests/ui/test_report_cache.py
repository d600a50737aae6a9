"""The app's disk cache of Reports (ui/report_cache.py), its launcher (ui/serve.py) and the lazy package import
that let a new server's first page skip the engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
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
    assert (cache / f"{key}{report_cache.SUFFIX}").is_file()
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
    entry = cache / f"{key}{report_cache.SUFFIX}"
    entry.write_bytes(b"not an entry")
    entry.chmod(0o600)
    assert report_cache.load(key) is None
    assert not entry.exists()
    for i in range(5):
        (cache / f"{i:064x}{report_cache.SUFFIX}").write_bytes(b"x" * 100)
        os.utime(cache / f"{i:064x}{report_cache.SUFFIX}", (1000 + i, 1000 + i))
    report_cache.trim(cache, max_entries=3)
    assert sorted(p.name[:64] for p in cache.glob("*.report")) == [f"{i:064x}" for i in (2, 3, 4)]
    report_cache.trim(cache, max_bytes=250)
    assert len(list(cache.glob("*.report"))) == 2


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
    cache.chmod(0o777)  # writable by others: its entries could be anyone's
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
    assert not at.exception and len(list(cache.glob(f"*{report_cache.SUFFIX}"))) == 1
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
    assert "scored and stored" in line and len(list(cache.glob(f"*{report_cache.SUFFIX}"))) == 1
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
    from labeleval.ui.screens import overview
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

    def execv(path: str, command: list[str]) -> None:
        seen.append(command)

    monkeypatch.setattr(cli.os, "execv", execv)
    assert cli.main(["app", str(SAMPLE)]) == 0
    command = seen[0]
    assert command[1:3] == ["-m", "labeleval.ui.serve"]
    assert command[command.index("--") + 1] == str(SAMPLE.resolve())


class _Planted:
    """A pickle that, when loaded, creates a marker file: what an attacker's cache entry would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Path.touch, (self.marker,))


def test_an_entry_is_data_only_and_reads_back_exactly(cache: Path, sample_report: Report) -> None:
    """Every frame's values, dtypes, columns and index and the settings come back equal; a planted pickle (under
    the entry's name or the old one) runs nothing and is not taken for a Report."""
    import pickle

    key = "a" * 64
    report_cache.store(key, sample_report)
    back = report_cache.load(key)
    assert back is not None and report_cache.same_report(sample_report, back)
    for name in Report.frame_names():
        assert getattr(back, name).dtypes.equals(getattr(sample_report, name).dtypes), name
    assert b"pickle" not in (cache / f"{key}{report_cache.SUFFIX}").read_bytes()[:4096]

    marker = cache.parent / "ran"
    payload = pickle.dumps(_Planted(marker))
    (cache / f"{'b' * 64}{report_cache.SUFFIX}").write_bytes(payload)
    (cache / f"{'b' * 64}.pickle").write_bytes(payload)
    assert report_cache.load("b" * 64) is None
    assert not marker.exists()


def test_a_report_that_would_not_read_back_equal_is_not_stored(cache: Path, sample_report: Report) -> None:
    import dataclasses

    tupled = dataclasses.replace(sample_report, settings={**sample_report.settings, "labels": ("a", "b")})
    report_cache.store("c" * 64, tupled)  # JSON has no tuples: it would come back a list
    assert report_cache.load("c" * 64) is None
    notes = pd.DataFrame({"code": ["X", "Y"], "count": pd.Series([1, "two"], dtype=object)})  # not Arrow data
    mixed = dataclasses.replace(sample_report, notes=notes)
    report_cache.store("d" * 64, mixed)
    assert report_cache.load("d" * 64) is None


def _foreign(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``path`` another user's: really (chown) when the tests run as root, else as ``fstat`` reports it."""
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
        return
    real = os.fstat

    def fstat(fd: int) -> os.stat_result:
        info = real(fd)
        if info.st_ino != path.stat().st_ino:
            return info
        values = list(info)
        values[4] = info.st_uid + 1
        return os.stat_result(values)

    monkeypatch.setattr(os, "fstat", fstat)


def test_an_entry_not_this_users_own_is_neither_read_nor_removed(
    cache: Path, sample_report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only this user's private regular files are read: another user's file, one writable by others, and a
    symbolic link are left where they are (another user's file is not ours to remove) and ignored."""
    report_cache.store("e" * 64, sample_report)
    entry = cache / f"{'e' * 64}{report_cache.SUFFIX}"
    assert report_cache.load("e" * 64) is not None
    entry.chmod(0o666)
    assert report_cache.load("e" * 64) is None and entry.exists()
    entry.chmod(0o600)
    link = cache / f"{'f' * 64}{report_cache.SUFFIX}"
    link.symlink_to(entry)
    assert report_cache.load("f" * 64) is None and link.is_symlink()
    report_cache.trim(cache, max_entries=0)  # trimming removes only this user's own entries
    assert link.is_symlink() and not entry.exists()
    link.unlink()
    report_cache.store("e" * 64, sample_report)
    _foreign(entry, monkeypatch)
    assert report_cache.load("e" * 64) is None and entry.exists()


def test_the_key_covers_every_limit_and_tuning_threshold(
    cache: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Report made under ``LABELEVAL_MAX_DS_CELLS=1`` (its Dawid-Skene fits skipped) is not served under the
    default; every declared limit is in the key, and so is every tuning threshold."""
    import dataclasses

    from labeleval import tuning
    from labeleval.limits import Limits, env_variable

    key = key_of(project)
    for limit in dataclasses.fields(Limits):
        monkeypatch.setenv(env_variable(limit.name), str(getattr(Limits(), limit.name) + 1))
        assert key_of(project) != key, limit.name
        monkeypatch.delenv(env_variable(limit.name))
    assert key_of(project) == key
    monkeypatch.setattr(tuning, "N_BLOCKS", tuning.N_BLOCKS * 2)
    assert key_of(project) != key


@pytest.mark.slow
def test_a_file_changed_while_scored_is_not_kept_under_the_old_key(
    cache: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file changes after the fingerprint, before the files are read: the new bytes' Report is kept under no
    key (an error says why); the next run fingerprints the new bytes and keeps their Report."""
    from labeleval.errors import LabelevalError

    options = state.evaluate_options_for(project.parent, {})
    before = state.fingerprint(project)
    vendor_file = next(p for p in project.parent.iterdir() if p.suffix in (".jsonl", ".csv") and "gold" not in p.name)
    real = state.score

    def score_after_a_change(manifest: str, chosen: state.Options) -> Report:
        vendor_file.write_bytes(vendor_file.read_bytes() + b"\n")
        return real(manifest, chosen)

    monkeypatch.setattr(state, "score", score_after_a_change)
    state.cached_report.clear()
    with pytest.raises(LabelevalError, match="changed while it was being scored"):
        state.cached_report(str(project), before, options)
    assert list(cache.glob(f"*{report_cache.SUFFIX}")) == []
    monkeypatch.setattr(state, "score", real)
    after = state.fingerprint(project)
    assert after != before
    state.cached_report(str(project), after, options)
    assert len(list(cache.glob(f"*{report_cache.SUFFIX}"))) == 1
    state.cached_report.clear()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["preference_pairs", "helpfulness_likert", "ticket_pilot"])
def test_every_sample_kind_reads_back_exactly(cache: Path, name: str) -> None:
    """Pairwise, ordinal and the pilot's frames (other columns and dtypes than the nominal sample) round-trip."""
    import labeleval as le

    report = le.evaluate(SAMPLE.parent / name, n_boot=20)
    report_cache.store(name * 3, report)
    back = report_cache.load(name * 3)
    assert back is not None and report_cache.same_report(report, back)


def test_the_launchers_line_carries_no_control_character(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``labeleval app`` prints what the launcher did, which may quote the project's names in an error."""
    from streamlit.web import cli as streamlit_cli

    from labeleval.ui import serve

    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "v\x1b]0;owned\x07.csv").write_text("item,worker\n1,a\n")  # no label column: cannot be scored
    (folder / "labeleval.toml").write_text(
        '[task]\nname = "T"\nlabels = ["a", "b"]\n[usability]\nrule = "consensus"\n[[vendors]]\nname = "V"\n'
        'path = "v\\u001b]0;owned\\u0007.csv"\ncolumns = { item_id = "item", annotator_id = "worker" }\n'
        'pricing = { model = "per_label", rate = 0.1 }\n'
    )
    monkeypatch.setattr(streamlit_cli, "main", lambda: 0)
    monkeypatch.setattr(sys, "argv", sys.argv[:])
    assert serve.main(["app.py", "--", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("report cache: not stored") and "\x1b" not in out and "\x07" not in out


@pytest.mark.slow
def test_a_truncated_or_altered_entry_of_our_own_is_dropped(cache: Path, sample_report: Report) -> None:
    """Whatever an own entry's bytes (cut anywhere, or one byte changed), loading never raises; a damaged entry is
    removed, and a frame's changed byte is caught by the header's digest."""
    report_cache.store("9" * 64, sample_report)
    entry = cache / f"{'9' * 64}{report_cache.SUFFIX}"
    data = entry.read_bytes()
    for cut in (0, 5, len(report_cache.MAGIC) + 3, len(report_cache.MAGIC) + 40, len(data) // 2, len(data) - 1):
        entry.write_bytes(data[:cut])
        assert report_cache.load("9" * 64) is None and not entry.exists(), cut
    header_end = len(report_cache.MAGIC) + 8 + int.from_bytes(data[len(report_cache.MAGIC) :][:8], "little")
    for at in range(header_end, len(data), len(data) // 16):  # a frame's bytes changed: the digest tells
        entry.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])
        assert report_cache.load("9" * 64) is None and not entry.exists(), at
    for at in range(len(report_cache.MAGIC), header_end, 97):  # the header changed: a Report or nothing
        entry.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])
        back = report_cache.load("9" * 64)
        assert back is None or isinstance(back, Report)
