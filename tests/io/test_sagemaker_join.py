"""SageMaker Ground Truth worker responses joined to the output manifest: item ids, ledger, errors, a project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import labeleval as le
from labeleval.cli.main import main
from tests.helpers.paths import DATA

JOB = DATA / "formats" / "sagemaker_job"
MANIFEST = JOB / "manifests" / "output" / "output.manifest"
RESPONSES = JOB / "annotations" / "worker-response"


def _reasons(reading: le.FileReading) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for reason, line in zip(reading.quarantine["reason"], reading.quarantine["line"], strict=True):
        out.setdefault(str(reason), []).append(int(line))
    return out


def test_worker_responses_take_the_manifests_item_ids_and_every_line_is_accounted_for() -> None:
    r = le.read_file(MANIFEST, format="sagemaker_gt", worker_responses=RESPONSES, item_field="item_id")
    assert list(r.rows["item_id"]) == ["r-101", "r-101", "r-102"]
    assert list(r.rows["annotator_id"]) == ["private.us-east-1.aaa", "private.us-east-1.bbb", "private.us-east-1.aaa"]
    assert list(r.rows["label"]) == ["positive", "positive", "negative"]
    assert list(r.rows["duration_s"]) == pytest.approx([38.1, 21.5, 30.0])  # timeSpentInSeconds
    assert list(r.rows["line"]) == [1, 1, 2]  # each answer under its data object's manifest line
    # an empty answer, a response file that does not parse, a data object nobody answered
    assert _reasons(r) == {"NO_ANSWER": [2, 4], "MALFORMED_RECORD": [3]}
    messages = list(r.quarantine["message"])
    assert "iteration-1/2/2026-10-05_10-04-00.json" in messages[1] and "invalid JSON" in messages[1]
    assert "r-104" in messages[2] and "no worker response" in messages[2]
    ledger = r.ledger.iloc[0]
    assert ledger["rows_read"] == ledger["kept"] + ledger["quarantined"] == 6


def test_without_an_item_field_the_reader_says_the_ids_are_the_text_and_where_the_own_id_is() -> None:
    r = le.read_file(MANIFEST, worker_responses=RESPONSES)  # format sniffed from the manifest
    assert r.format == "sagemaker_gt" and r.rows["item_id"].iloc[0] == "The food was delicious"
    notes = " ".join(r.notes)
    assert "the data objects' text" in notes and "--item-field item_id" in notes


def _job(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(JOB, tmp_path / "job")
    return tmp_path / "job" / "manifests" / "output" / "output.manifest", tmp_path / "job" / "annotations"


def test_a_lines_worker_response_ref_names_its_data_object(tmp_path: Path) -> None:
    manifest, annotations = _job(tmp_path)
    lines = [json.loads(x) for x in manifest.read_text().splitlines()]
    lines[1]["mood-metadata"]["worker-response-ref"] = "s3://b/j/annotations/worker-response/iteration-1/3/x.json"
    lines[3]["mood-metadata"]["worker-response-ref"] = "s3://b/j/annotations/worker-response/iteration-1/1/x.json"
    manifest.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    r = le.read_file(manifest, worker_responses=annotations / "worker-response", item_field="item_id")
    assert list(r.rows["item_id"]) == ["r-101", "r-101", "r-104"]  # object 1's answers belong to line 4
    assert sorted(r.quarantine["line"]) == [2, 3, 4]


def test_a_response_for_a_data_object_the_manifest_lacks_is_an_error_naming_the_file(tmp_path: Path) -> None:
    manifest, annotations = _job(tmp_path)
    stray = annotations / "worker-response" / "iteration-1" / "17"
    stray.mkdir()
    (stray / "a.json").write_text('{"answers": [{"workerId": "w", "answerContent": {"c": {"label": "x"}}}]}')
    with pytest.raises(le.AdapterError, match=r"iteration-1/17/a\.json answers data object 17.*4 data objects"):
        le.read_file(manifest, worker_responses=annotations / "worker-response")
    with pytest.raises(le.AdapterError, match="no worker response files"):
        le.read_file(manifest, worker_responses=tmp_path / "job" / "manifests")


def test_consolidation_requests_are_joined_by_their_dataset_object_ids(tmp_path: Path) -> None:
    manifest, annotations = _job(tmp_path)
    folder = annotations / "consolidated-annotation" / "consolidation-request" / "iteration-1"
    folder.mkdir(parents=True)
    content = json.dumps({"crowd-classifier": {"label": "neutral"}})
    request = [
        {
            "datasetObjectId": "3",
            "dataObject": {"source": "Fine, I guess"},
            "annotations": [
                {"workerId": "w1", "annotationData": {"content": content}},
                {"workerId": "w2", "annotationData": {"content": "{not json"}},
            ],
        }
    ]
    (folder / "2026-10-05_10-10.json").write_text(json.dumps(request))
    r = le.read_file(manifest, worker_responses=annotations / "consolidated-annotation", item_field="item_id")
    assert list(zip(r.rows["item_id"], r.rows["label"], strict=True)) == [("r-104", "neutral")]
    assert _reasons(r) == {"MALFORMED_RECORD": [4], "NO_ANSWER": [1, 2, 3]}


def test_read_command_joins_worker_responses(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["read", str(MANIFEST), "--worker-responses", str(RESPONSES), "--item-field", "item_id"]
    assert main(args) == 0
    assert "6 rows read = 3 kept + 3 set aside" in capsys.readouterr().out


def _project(tmp_path: Path, vendor_extra: str) -> Path:
    shutil.copytree(JOB, tmp_path / "job")
    (tmp_path / "gold.csv").write_text("item_id,label\nr-101,positive\nr-102,negative\nr-103,negative\n")
    (tmp_path / "labeleval.toml").write_text(
        f"""
[task]
name = "mood"
labels = ["positive", "negative"]

[gold]
path = "gold.csv"

[[vendors]]
name = "GT"
path = "job/manifests/output/output.manifest"
{vendor_extra}
pricing = {{ model = "per_label", rate = 0.08 }}
"""
    )
    return tmp_path


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_a_project_scores_ground_truth_workers_on_the_users_item_ids(tmp_path: Path, engine: str) -> None:
    root = _project(
        tmp_path,
        'format = "sagemaker_gt"\nitem_field = "item_id"\nworker_responses = "job/annotations/worker-response"',
    )
    report = le.evaluate(root, n_boot=0, engine=engine)
    ledger = report.ledger.set_index("vendor").loc["GT"]
    assert ledger["kept"] == 3 and ledger["quarantined"] == 3
    summary = report.summary.set_index("vendor").loc["GT"]
    assert summary["gold_items"] == 2 and summary["total_cost"] == pytest.approx(0.24)  # r-101, r-102 joined


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('format = "sagemaker_gt"\nworker_responses = "job/nowhere"', "worker_responses: folder not found"),
        ('format = "scale"\nworker_responses = "job/annotations"', 'read with format = "sagemaker_gt"'),
    ],
)
def test_worker_responses_in_the_manifest_are_checked(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(le.ManifestError, match=message):
        le.evaluate(_project(tmp_path, extra), n_boot=0)
