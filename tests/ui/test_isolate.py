"""Reading uploads in a child process: whatever the reader does (abort, exhaust memory, hang, raise), the
caller gets a LabelevalError naming the file and carries on."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import pytest

import labeleval as le
from labeleval.errors import LabelevalError, LimitError
from labeleval.ui import isolate
from labeleval.ui.isolate import ReaderStopped, culprit, file_facts, preview, run_isolated, score_project
from labeleval.ui.report_cache import UPLOAD_PREFIX
from labeleval.ui.upload import VENDOR_FIELDS
from tests.helpers.apptest import page_test
from tests.helpers.hostile_files import far_cell_xlsx
from tests.helpers.paths import SAMPLE

pytestmark = pytest.mark.slow  # each test starts child processes (the first, the fork server: a few seconds)


def allocate(n_bytes: int) -> int:
    return len(bytearray(n_bytes))


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def refuse(path: str) -> None:
    raise LimitError(f"{path}: 3 rows is over the limit of 2 (rows)")


def die() -> None:
    os.abort()


class Panic(BaseException):
    """What a native library's panic looks like to Python (pyo3's PanicException is a BaseException)."""


def panic() -> None:
    raise Panic("chunk size must be non-zero")


def test_an_aborting_reader_ends_its_child_not_the_caller(tmp_path: Path) -> None:
    xlsx = far_cell_xlsx(tmp_path / "far.xlsx")  # its reader aborted; the sheet is now bounded before reading
    with pytest.raises(LimitError, match=r"^far\.xlsx \(the sheet's cells span A1:XFD1048576\)"):
        run_isolated(file_facts, xlsx, VENDOR_FIELDS, what="far.xlsx")
    with pytest.raises(ReaderStopped, match=r"^x\.csv: .*signal SIGABRT"):
        run_isolated(die, what="x.csv")
    assert run_isolated(allocate, 1000, what="small") == 1000  # and the next child works


def test_memory_and_time_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELEVAL_MAX_READER_MB", "2048")
    with pytest.raises(ReaderStopped, match=r"big\.csv: reading it needed more than the 2,048 MB of memory") as info:
        run_isolated(allocate, 4 * 1024**3, what="big.csv")
    assert "LABELEVAL_MAX_READER_MB" in str(info.value)
    monkeypatch.setenv("LABELEVAL_MAX_READER_SECONDS", "1")
    start = time.monotonic()
    with pytest.raises(ReaderStopped, match=r"slow\.json: reading it took longer than 1 s \(reader_seconds\)"):
        run_isolated(sleep, 60, what="slow.json")
    assert time.monotonic() - start < 30


def test_the_readers_own_errors_come_back_as_they_are() -> None:
    with pytest.raises(LimitError, match=r"^v\.csv: 3 rows is over the limit of 2 \(rows\)$"):
        run_isolated(refuse, "v.csv", what="v.csv")
    with pytest.raises(LabelevalError, match=r"^s\.xlsx: this file could not be read \(Panic: chunk size must be"):
        run_isolated(panic, what="s.xlsx")


def test_a_project_scored_in_a_child_equals_one_scored_here() -> None:
    options: dict[str, Any] = {"n_boot": 50, "seed": 1}
    child = run_isolated(score_project, str(SAMPLE), options, what="sample")
    here = le.evaluate(SAMPLE, **options)
    for name, frame in here.frames().items():
        assert frame.equals(child.frames()[name]), name


def test_the_preview_is_small_and_counts_every_row(tmp_path: Path) -> None:
    rows = "task,who,answer\n1,a,yes\n1,b,no\n,c,yes\n2,a,yes\n"  # the third row has no item id
    (tmp_path / "v.csv").write_text(rows)
    columns = {"item_id": "task", "annotator_id": "who", "label": "answer"}
    shown = run_isolated(preview, tmp_path / "v.csv", {"columns": columns}, what="v.csv")
    assert (shown.rows_read, shown.kept, shown.quarantined) == (4, 3, 1)
    assert dict(shown.label_counts) == {"yes": 2, "no": 1} and sum(n for _, n in shown.reasons) == 1


def test_the_file_that_stops_a_project_is_named(tmp_path: Path) -> None:
    far_cell_xlsx(tmp_path / "vendor_b.xlsx")
    (tmp_path / "a.csv").write_text("item_id,annotator_id,label\n1,a,x\n2,a,y\n")
    (tmp_path / "labeleval.toml").write_text(
        '[task]\nname = "t"\nlabels = ["x", "y"]\n\n[usability]\nrule = "consensus"\n\n'
        '[[vendors]]\nname = "A"\npath = "a.csv"\npricing = { model = "per_label", rate = 0.1 }\n\n'
        '[[vendors]]\nname = "B"\npath = "vendor_b.xlsx"\npricing = { model = "per_label", rate = 0.1 }\n'
    )
    with pytest.raises(LimitError, match=r"vendor_b\.xlsx \(the sheet's cells span"):
        run_isolated(score_project, str(tmp_path / "labeleval.toml"), {}, what="the uploaded project")
    assert culprit(str(tmp_path / "labeleval.toml")) is None  # an ordinary error: the project's scoring names it


def test_the_fork_server_starts_once() -> None:
    isolate.start()
    first = isolate._context()
    isolate.start()
    assert isolate._context() is first


def test_a_child_does_not_run_the_script_streamlit_is_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamlit puts the page script in sys.modules["__main__"] while it runs; multiprocessing would run that
    script again in every child (the whole app, before the child's one read)."""
    script = tmp_path / "page.py"
    marker = tmp_path / "ran"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    assert run_isolated(allocate, 10, what="x") == 10
    assert not marker.exists()


def test_an_uploaded_projects_ledger_is_read_in_a_child_under_the_app() -> None:
    """The Data page of an uploaded project that cannot be scored: the error, then the ledger of what was read."""
    folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX)) / "project"
    folder.mkdir()
    header = "INPUT:id\tOUTPUT:sentiment\tASSIGNMENT:assignment_id\tASSIGNMENT:worker_id\tASSIGNMENT:status"
    rows = [f"item-{k}\tpos\tA{k}\tw{k % 3}\tREJECTED" for k in range(12)]
    (folder / "rejected.tsv").write_text("\n".join([header, *rows]) + "\n")
    (folder / "labeleval.toml").write_text(
        '[task]\nname = "broken"\nlabels = ["pos", "neg"]\n\n[usability]\nrule = "consensus"\n\n'
        '[[vendors]]\nname = "Rejected"\npath = "rejected.tsv"\nformat = "toloka"\n'
        'pricing = { model = "per_label", rate = 0.1 }\n'
    )
    try:
        at = page_test("data", str(folder)).run()
        assert not at.exception, [e.value for e in at.exception]
        assert "has no usable rows" in at.error[0].value
        assert [s.value for s in at.subheader][:1] == ["Ledger of what could be read"] and len(at.dataframe) == 2
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
