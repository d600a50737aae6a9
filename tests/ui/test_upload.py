"""The app's bring-your-own-data path: a column mapping becomes a labeleval.toml that scores; oversized
and broken uploads give a message, never a traceback."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import labeleval as le
from labeleval.safety import markdown_text
from labeleval.ui.upload import MAX_UPLOAD_MB, build_manifest, save_uploads
from tests.helpers.apptest import page_test
from tests.helpers.paths import DATA


@dataclass
class FakeUpload:
    """What st.file_uploader hands over: a name, a size and the bytes."""

    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def getvalue(self) -> bytes:
        return self.data


def test_mapping_builds_a_manifest_that_scores(tmp_path: Path) -> None:
    rows = "task,who,answer,secs\n1,a,yes,3\n1,b,yes,4\n2,a,no,2\n2,b,yes,5\n3,a,no,6\n3,b,no,2\n"
    save_uploads([FakeUpload("acme.csv", rows.encode()), FakeUpload("truth.csv", b"id,gold\n1,yes\n2,no\n")], tmp_path)
    manifest = build_manifest(
        "My task",
        ["yes", "no"],
        [
            {
                "name": "Acme",
                "path": "acme.csv",
                "model": "per_label",
                "rate": 0.5,
                "columns": {"item_id": "task", "annotator_id": "who", "label": "answer", "duration_s": "secs"},
            }
        ],
        {"path": "truth.csv", "columns": {"item_id": "id", "label": "gold"}},
    )
    (tmp_path / "labeleval.toml").write_text(manifest)
    report = le.evaluate(tmp_path, n_boot=0)
    assert report.summary.iloc[0]["vendor"] == "Acme"
    assert report.summary.iloc[0]["total_cost"] == pytest.approx(3.0)
    assert report.summary.iloc[0]["accuracy"] == pytest.approx(3 / 4)


def test_without_gold_the_manifest_uses_the_consensus_rule(tmp_path: Path) -> None:
    manifest = build_manifest("t", ["x", "y"], [], None)
    assert 'rule = "consensus"' in manifest


def test_oversized_upload_is_refused(tmp_path: Path) -> None:
    class Huge(FakeUpload):  # the reported size is what is checked; no need to hold 200 MB
        @property
        def size(self) -> int:
            return (MAX_UPLOAD_MB + 1) * 1024**2

    with pytest.raises(le.LabelevalError, match="over the 200 MB upload limit"):
        save_uploads([Huge("huge.csv", b"x")], tmp_path)


@pytest.mark.parametrize(
    "case", ["wrong_encoding", "missing_columns", "empty_file", "not_really_xlsx", "invalid_toml", "ragged_csv"]
)
def test_broken_projects_show_an_error_in_the_app(case: str) -> None:
    for page in ("overview", "data"):
        at: AppTest = page_test(page, str(DATA / "broken" / case)).run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.error and "cannot be scored" in at.error[0].value


def test_manifest_is_written_by_a_toml_writer_and_keeps_native_settings(tmp_path: Path) -> None:
    """Names with quotes, backslashes and non-ASCII survive; native formats keep their settings."""
    import shutil
    import tomllib

    formats = DATA / "formats"
    for name in ("label_studio.json", "toloka.tsv", "surge.json"):
        shutil.copy(formats / name, tmp_path / name)
    vendors: list[dict[str, Any]] = [
        {
            "name": 'Team "A" \\ Zürich',
            "path": "label_studio.json",
            "format": "label_studio",
            "item_field": "data.item_id",
            "label_map": {"POS": "pos"},
            "pricing": {"model": "hourly", "rate": 30.0, "currency": "USD", "fee_pct": 5.0},
        },
        {
            "name": "Toloka",
            "path": "toloka.tsv",
            "format": "toloka",
            "bill_excluded": True,
            "pricing": {"model": "per_label", "rate": 0.0, "currency": "USD"},
        },
    ]
    text = build_manifest('Sentiment "v2"', ["pos", "neg"], vendors, {"path": "surge.json", "format": "surge"})
    parsed = tomllib.loads(text)
    assert parsed["vendors"][0]["name"] == 'Team "A" \\ Zürich'
    assert parsed["vendors"][1]["bill_excluded"] is True
    (tmp_path / "labeleval.toml").write_text(text, encoding="utf-8")
    report = le.evaluate(tmp_path, n_boot=0)
    cost = report.cost.set_index("vendor")
    assert cost.loc["Toloka", "total_cost"] == pytest.approx(0.06)  # every page, rejected ones too
    assert list(report.summary["vendor"]) == ['Team "A" \\ Zürich', "Toloka"]


def test_too_many_files_in_one_upload_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELEVAL_MAX_UPLOAD_FILES", "2")
    files = [FakeUpload(f"v{k}.csv", b"a,b\n") for k in range(3)]
    with pytest.raises(le.LimitError, match=r"3 files in one upload, over the limit of 2 \(upload_files\)"):
        save_uploads(files, tmp_path / "mapped")
    assert not (tmp_path / "mapped").exists()


def test_a_files_reads_are_cached_by_its_bytes_and_run_under_the_evaluation_slots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A widget change reruns the page: the same bytes read with the same settings are not read again, and each
    read holds one of the evaluations' slots (the same limit as scoring)."""
    from labeleval.ui import upload

    calls: list[str] = []
    held: list[bool] = []
    real_slot = upload.evaluation_slot

    def counting(function: Any, *args: Any, what: str) -> Any:
        calls.append(function.__name__)
        held.append(slots[0])
        return function(*args)

    slots = [False]

    @contextmanager
    def slot() -> Iterator[None]:
        with real_slot():
            slots[0] = True
            yield
            slots[0] = False

    monkeypatch.setattr(upload, "run_isolated", counting)
    monkeypatch.setattr(upload, "evaluation_slot", slot)
    upload._cached_facts.clear()
    upload._cached_preview.clear()
    rows = "task,who,answer\n1,a,yes\n1,b,no\n2,a,yes\n"
    (path,) = save_uploads([FakeUpload("acme.csv", rows.encode())], tmp_path / "mapped")
    digest = upload.upload_digest(path)
    assert digest == hashlib.sha256(rows.encode()).hexdigest()
    settings = json.dumps({"columns": {"item_id": "task", "annotator_id": "who", "label": "answer"}})
    for _ in range(3):
        facts = upload._cached_facts(digest, path.name, upload.VENDOR_FIELDS, path)
        shown = upload._cached_preview(digest, path.name, settings, "", path)
    assert not isinstance(facts, str) and facts.columns == ("task", "who", "answer")
    assert facts.guessed["item_id"] == "task" and facts.guessed["label"] == "answer"
    assert not isinstance(shown, str) and (shown.rows_read, shown.kept) == (3, 3)
    assert calls == ["file_facts", "preview"] and all(held)
    other = json.dumps({"columns": {"item_id": "task", "annotator_id": "answer", "label": "who"}})
    upload._cached_preview(digest, path.name, other, "", path)  # other settings: read again
    assert calls[-1] == "preview" and len(calls) == 3


def _label_map_script(labels: list[str]) -> None:
    from labeleval.ui.isolate import Preview
    from labeleval.ui.upload import _label_map_widgets

    hostile = (("![x](http://127.0.0.1:9/p.png)", 3), ("**bold** :red[r]", 2), ("pos", 5))
    _label_map_widgets(Preview(10, 10, 0, (), (), hostile, 0), labels, 0)


def test_vendor_labels_in_the_label_map_are_plain_text() -> None:
    """The label map names each vendor label in a select box's label, which Streamlit reads as Markdown."""
    at = AppTest.from_function(_label_map_script, args=(["pos", "neg"],), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = sorted(box.label for box in at.selectbox)
    assert shown == sorted(
        f"{markdown_text(value)} ({n} rows)"
        for value, n in (("![x](http://127.0.0.1:9/p.png)", 3), ("**bold** :red[r]", 2))
    )
    assert shown[0].startswith(r"!\[x\]") and shown[1].startswith(r"\*\*bold\*\* :red\[r\]")


def test_an_uploaded_worker_response_folder_keeps_its_paths_and_scores_joined(tmp_path: Path) -> None:
    """A SageMaker Ground Truth job uploaded as the Data page takes it (the output manifest, and the
    worker-response folder as a folder: the browser names each file by its path inside it) builds a manifest whose
    vendor is read per worker on the user's own item ids, with the item metadata the form kept."""
    job = DATA / "formats" / "sagemaker_job"
    responses = job / "annotations" / "worker-response"
    folder = tmp_path / "session" / "mapped"
    save_uploads(
        [FakeUpload("output.manifest", (job / "manifests" / "output" / "output.manifest").read_bytes())], folder
    )
    files = [
        FakeUpload(f"worker-response/{p.relative_to(responses).as_posix()}", p.read_bytes())
        for p in sorted(responses.rglob("*.json"))
    ]
    saved = save_uploads(files, folder / "worker_responses_0", keep_folders=True, root=tmp_path / "session")
    assert {p.relative_to(folder / "worker_responses_0").as_posix() for p in saved} == {f.name for f in files}
    reading = le.read_file(
        folder / "output.manifest", worker_responses=folder / "worker_responses_0", item_field="item_id"
    )
    labels = sorted(reading.rows["label"].dropna().astype(str).unique())
    manifest = build_manifest(
        "Moods",
        labels,
        [
            {
                "name": "GT",
                "path": "output.manifest",
                "format": "sagemaker_gt",
                "item_field": "item_id",
                "worker_responses": "worker_responses_0",
                "metadata": ["lang"],
                "pricing": {"model": "per_label", "rate": 0.1, "currency": "USD"},
            }
        ],
        None,
    )
    assert 'worker_responses = "worker_responses_0"' in manifest and 'metadata = [\n    "lang",\n]' in manifest
    (folder / "labeleval.toml").write_text(manifest)
    report = le.evaluate(folder, n_boot=0)
    assert report.summary.iloc[0]["n_judgments"] == len(reading.rows)
    assert set(report.summary["vendor"]) == {"GT"}
    langs = report.items.drop_duplicates("item_id").set_index("item_id")["lang"]
    assert langs.loc["r-101"] == "en"  # the metadata the form kept, on the manifest's own item ids
    assert not le.evaluate(folder, n_boot=0, by="lang").slices.empty  # and --by slices by it


@pytest.mark.parametrize("name", ["../escape.json", "a/.hidden/x.json", "a/../../x.json", ""])
def test_an_uploaded_folder_cannot_write_outside_its_place(tmp_path: Path, name: str) -> None:
    with pytest.raises(le.LabelevalError, match="not a usable file path"):
        save_uploads([FakeUpload(name, b"{}")], tmp_path / "responses", keep_folders=True)
    assert not (tmp_path / "escape.json").exists()
