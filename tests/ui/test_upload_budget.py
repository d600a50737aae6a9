"""A session's uploads held in the server's memory: capped in files and bytes when each file arrives, and given
back (files, upload folder) when the session ends."""

from __future__ import annotations

import weakref
from pathlib import Path

import pytest
from starlette.exceptions import HTTPException
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from labeleval.ui import upload, upload_budget
from labeleval.ui.upload_budget import BudgetedUploads, sweep


def _file(file_id: str, size: int) -> UploadedFileRec:
    return UploadedFileRec(file_id=file_id, name=f"{file_id}.csv", type="text/csv", data=b"x" * size)


class _Runtime:
    def __init__(self) -> None:
        self.uploaded_file_mgr = MemoryUploadedFileManager("/upload")

    def is_active_session(self, session_id: str) -> bool:
        return True


def test_install_gives_the_servers_store_its_budget_once() -> None:
    runtime = _Runtime()
    manager = runtime.uploaded_file_mgr
    assert upload_budget.install(runtime) and type(manager) is BudgetedUploads
    assert upload_budget.install(runtime) and runtime.uploaded_file_mgr is manager
    assert not upload_budget.install(object())  # no store of the kind it knows: left alone


def test_a_file_over_the_sessions_budget_is_refused_and_not_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELEVAL_MAX_UPLOAD_MB", "1")
    manager = BudgetedUploads("/upload")
    manager.add_file("s1", _file("a", 600_000))
    with pytest.raises(HTTPException) as refused:
        manager.add_file("s1", _file("b", 600_000))  # 1.2 MB with the first
    assert refused.value.status_code == 413 and "over the 1 MB limit" in str(refused.value.detail)
    assert [f.file_id for f in manager.get_files("s1", ["a", "b"])] == ["a"]
    manager.add_file("s2", _file("b", 600_000))  # another session has its own budget
    manager.add_file("s1", _file("a", 900_000))  # the same file sent again replaces itself
    manager.remove_file("s1", "a")
    manager.add_file("s1", _file("c", 1_000_000))  # room again once a file is removed


def test_files_per_session_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELEVAL_MAX_UPLOAD_FILES", "3")
    manager = BudgetedUploads("/upload")
    for k in range(3):
        manager.add_file("s", _file(f"f{k}", 10))
    with pytest.raises(HTTPException, match="413"):
        manager.add_file("s", _file("f3", 10))


def test_a_session_that_ends_gives_back_its_files_and_folder(tmp_path: Path) -> None:
    folder = tmp_path / "labeleval_upload_x"
    (folder / "mapped").mkdir(parents=True)
    (folder / "mapped" / "v.csv").write_text("a,b\n")
    with upload._FOLDERS_LOCK:
        upload._FOLDERS["gone"] = (folder, None)
    manager = BudgetedUploads("/upload")
    manager.add_file("gone", _file("a", 10))
    manager.remove_session_files("gone")
    assert manager.get_files("gone", ["a"]) == [] and not folder.exists() and "gone" not in upload._FOLDERS


def test_a_session_disconnected_for_longer_than_the_ttl_gives_back_its_uploads() -> None:
    """Streamlit forgets a disconnected session after its TTL without ending it: the sweep frees its files."""
    manager = BudgetedUploads("/upload")
    manager.add_file("sweep-gone", _file("a", 10))
    manager.add_file("sweep-here", _file("b", 10))
    active = {"sweep-here"}
    assert sweep(manager, active.__contains__, ttl=120, now=1000) == []  # its clock starts
    assert sweep(manager, active.__contains__, ttl=120, now=1100) == []  # within the TTL: it may come back
    active.add("sweep-gone")
    assert sweep(manager, active.__contains__, ttl=120, now=1150) == []  # it came back: the clock stops
    active.discard("sweep-gone")
    assert sweep(manager, active.__contains__, ttl=120, now=1200) == []
    assert sweep(manager, active.__contains__, ttl=120, now=1321) == ["sweep-gone"]
    assert manager.get_files("sweep-gone", ["a"]) == [] and len(manager.get_files("sweep-here", ["b"])) == 1


def test_an_ended_sessions_state_is_cleared_so_its_uploaded_files_can_go() -> None:
    """Streamlit's event loop may keep the last session it served; its widgets' files must not stay with it."""

    class State:  # Streamlit's SafeSessionState: the SessionState inside, reached past its own __getattr__
        def __init__(self) -> None:
            self._state = {"map_vendor_files": [b"x" * 10]}

    state = State()
    with upload._FOLDERS_LOCK:
        upload._STATES["ended"] = weakref.ref(state)
    upload.forget_session("ended")
    assert state._state == {} and "ended" not in upload._STATES
