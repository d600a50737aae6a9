"""Item metadata kept from the vendors' own exports (``metadata = [...]``): read, named, combined, sliced by."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import labeleval as le
from labeleval.cli.main import main
from labeleval.io.pipeline import load
from labeleval.project.manifest import load_project
from tests.helpers.paths import DATA

FORMATS = DATA / "formats"
JOB = FORMATS / "sagemaker_job"


@pytest.mark.parametrize(
    ("file", "options", "expected"),
    [
        ("label_studio.json", {"item_field": "data.item_id", "metadata": ["data.text"]}, {"t1": "good", "t3": "meh"}),
        ("scale_v2.json", {"item_field": "metadata.item_id", "metadata": ["metadata.lang"]}, {"p-002": "de"}),
        ("surge_flat.csv", {"item_field": "item_id", "metadata": ["text"]}, {"rev-2": "Cold food; slow"}),
        ("surge.json", {"metadata": ["fields.text"]}, {"t2": "bad"}),
    ],
)
def test_each_export_keeps_the_fields_named_as_item_metadata(
    file: str, options: dict[str, object], expected: dict[str, str]
) -> None:
    r = le.read_file(FORMATS / file, **options)  # type: ignore[arg-type]
    assert r.items is not None
    column = str(options["metadata"][0]).rsplit(".", 1)[-1]  # type: ignore[index]
    assert list(r.items.columns) == [column]
    for item, value in expected.items():
        assert r.items.loc[item, column] == value


def test_ground_truth_manifest_lines_give_the_metadata_of_joined_worker_responses() -> None:
    r = le.read_file(
        JOB / "manifests" / "output" / "output.manifest",
        worker_responses=JOB / "annotations" / "worker-response",
        item_field="item_id",
        metadata=["lang", "source"],
    )
    assert r.items is not None
    assert r.items.loc["r-103"].tolist() == ["es", "Sin comentarios"]  # also items no worker answered


def test_names_clash_and_formats_without_metadata_are_handled(tmp_path: Path) -> None:
    r = le.read_file(FORMATS / "label_studio.json", item_field="data.item_id", metadata=["data.item_id", "id"])
    assert r.items is not None and list(r.items.columns) == ["data.item_id", "id"]  # item_id is labeleval's own
    with pytest.raises(le.AdapterError, match=r"toloka\.tsv: the toloka reader keeps no item metadata"):
        le.read_file(FORMATS / "toloka.tsv", metadata=["INPUT:text"])


def test_read_says_which_item_fields_an_export_carries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", str(FORMATS / "scale_v2.json"), "--item-field", "metadata.item_id"]) == 0
    assert "--metadata metadata.lang" in capsys.readouterr().out
    assert main(["read", str(FORMATS / "scale_v2.json"), "--metadata", "metadata.lang"]) == 0
    out = capsys.readouterr().out
    assert "Item metadata (2 items" in out and "--metadata metadata.lang" not in out


def _project(tmp_path: Path, metadata: str, items_table: bool = False) -> Path:
    shutil.copy(FORMATS / "scale_v2.json", tmp_path / "scale.json")
    (tmp_path / "gold.csv").write_text("item_id,label\np-001,yes\np-002,no\n")
    items = '\n[items]\npath = "items.csv"\n' if items_table else ""
    if items_table:
        (tmp_path / "items.csv").write_text("item_id,lang\np-001,en-GB\n")
    (tmp_path / "labeleval.toml").write_text(
        f"""
[task]
name = "helpful"
labels = ["yes", "no"]

[gold]
path = "gold.csv"
{items}
[[vendors]]
name = "Scale"
path = "scale.json"
format = "scale"
item_field = "metadata.item_id"
{metadata}
pricing = {{ model = "per_label", rate = 1.5 }}
"""
    )
    return tmp_path


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_a_project_keeps_export_metadata_under_the_items_table(tmp_path: Path, engine: str) -> None:
    root = _project(tmp_path, 'metadata = ["metadata.lang"]', items_table=True)
    data = load(load_project(root), engine)
    assert data.items["lang"].to_dict() == {"p-001": "en-GB", "p-002": "de"}  # [items] wins; the export fills in
    report = le.evaluate(root, n_boot=0)
    assert dict(zip(report.items["item_id"], report.items["lang"], strict=True)) == {"p-001": "en-GB"}


@pytest.mark.parametrize(
    ("metadata", "message"),
    [('metadata = "metadata.lang"', "must be a list of field paths"), ("metadata = []", "must be a list")],
)
def test_a_bad_metadata_key_names_its_line(tmp_path: Path, metadata: str, message: str) -> None:
    with pytest.raises(le.ManifestError, match=message):
        le.evaluate(_project(tmp_path, metadata), n_boot=0)
