"""Native readers: what each vendor format yields, what it sets aside (with reason and record), its traps."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import labeleval as le
from labeleval.cli.main import main
from labeleval.io.formats import REGISTRY, sniff
from tests.helpers.paths import DATA, ROOT

FORMATS = DATA / "formats"


def reasons(reading: le.FileReading) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for reason, line in zip(reading.quarantine["reason"], reading.quarantine["line"], strict=True):
        out.setdefault(str(reason), []).append(int(line))
    return out


def reconciles(reading: le.FileReading) -> bool:
    row = reading.ledger.iloc[0]
    return bool(row["rows_read"] == row["kept"] + row["quarantined"] == len(reading.rows) + len(reading.quarantine))


def test_label_studio_json_excludes_cancelled_reviewer_and_empty_annotations() -> None:
    r = le.read_file(FORMATS / "label_studio.json", item_field="data.item_id")
    assert r.format == "label_studio"
    assert list(r.rows["item_id"]) == ["t1", "t1", "t1", "t2", "t3"]
    assert list(r.rows["label"]) == ["pos", "pos", "neg", "neg", "neg"]
    assert list(r.rows["annotator_id"])[:2] == ["ann1@vendor.io", "ann2@vendor.io"]  # completed_by's email
    assert r.rows["duration_s"].iloc[0] == pytest.approx(4.2)  # lead_time
    assert reasons(r) == {"CANCELLED": [2], "REVIEW_ANNOTATION": [2], "NO_ANSWER": [3, 3, 4]}
    messages = " ".join(r.quarantine["message"])
    assert "has no 'result'" in messages and "empty result or choices" in messages and "no annotations" in messages
    assert reconciles(r)
    assert r.billing.rows == 5 and r.billing.excluded_rows == 5  # set-aside work is not billed by default


def test_label_studio_min_needs_the_question_when_data_fields_look_like_answers() -> None:
    with pytest.raises(le.AdapterError, match=r"several questions .*question ="):
        le.read_file(FORMATS / "label_studio_min.json", format="label_studio_min")
    r = le.read_file(FORMATS / "label_studio_min.json", format="label_studio_min", question="sentiment")
    assert list(r.rows["annotator_id"]) == ["a@x.io", "b@x.io"]
    assert reasons(r) == {"NO_ANSWER": [3]}


def test_label_studio_min_sets_aside_the_annotators_named_reviewers(tmp_path: Path) -> None:
    """JSON-MIN and CSV exports keep a reviewer's ground-truth annotation as an ordinary record (Label Studio's
    converter writes no ground_truth field): the reader says so, and ``reviewers`` sets that annotator's records
    aside with a reason, every record still accounted for."""
    path = FORMATS / "label_studio_min.json"
    plain = le.read_file(path, format="label_studio_min", question="sentiment")
    assert any("does not mark the reviewer's (ground-truth) annotations" in n for n in plain.notes)
    r = le.read_file(path, format="label_studio_min", question="sentiment", reviewers=["b@x.io"])
    assert list(r.rows["annotator_id"]) == ["a@x.io"]
    assert reasons(r) == {"REVIEW_ANNOTATION": [2], "NO_ANSWER": [3]}
    assert "named a reviewer" in str(r.quarantine.loc[r.quarantine["reason"] == "REVIEW_ANNOTATION", "message"].iloc[0])
    assert not any("does not mark" in n for n in r.notes)
    assert reconciles(r)
    assert r.billing.rows == 1  # the reviewer's annotation is not the vendor's billed work
    shutil.copy(path, tmp_path / "ls.json")
    shutil.copy(FORMATS / "toloka.tsv", tmp_path / "t.tsv")
    vendor = (
        '[[vendors]]\nname = "LS"\npath = "ls.json"\nformat = "label_studio_min"\nquestion = "sentiment"\n'
        'reviewers = ["b@x.io"]\npricing = { model = "per_label", rate = 0.1, currency = "USD" }\n'
    )
    task = '[task]\nname = "t"\nkind = "nominal"\nlabels = ["pos", "neg"]\n\n[usability]\nrule = "consensus"\n\n'
    (tmp_path / "labeleval.toml").write_text(task + vendor)
    data = le.evaluate(tmp_path, n_boot=0).ledger.set_index("vendor")
    assert data.loc["LS", "kept"] == 1 and data.loc["LS", "quarantined"] == 2
    wrong = vendor.replace('format = "label_studio_min"', 'format = "toloka"').replace("ls.json", "t.tsv")
    (tmp_path / "labeleval.toml").write_text(task + wrong)
    with pytest.raises(le.LabelevalError, match=r"reviewers is read with format = \"label_studio\""):
        le.evaluate(tmp_path, n_boot=0)


def test_scale_tasks_status_metadata_ids_and_a_broken_line() -> None:
    r = le.read_file(FORMATS / "scale.jsonl", item_field="metadata.item_id", annotator_field="metadata.worker")
    assert list(r.rows["item_id"]) == ["t1", "t1", "t2"]  # the callback body's task is unwrapped
    assert reasons(r) == {"CANCELLED": [3], "NOT_COMPLETED": [5], "MALFORMED_RECORD": [6]}
    assert reconciles(r)


def test_scale_without_worker_ids_is_one_consolidated_answer_and_says_so() -> None:
    r = le.read_file(FORMATS / "scale.jsonl", item_field="metadata.item_id")
    assert set(r.rows["annotator_id"]) == {"consolidated"}
    assert any("agreement within this vendor cannot be measured" in n for n in r.notes)


def test_surge_responses_and_a_task_with_no_responses() -> None:
    r = le.read_file(FORMATS / "surge.json")
    assert list(r.rows["annotator_id"]) == ["sw1", "sw2", "sw1"]
    assert list(r.rows["duration_s"]) == [12.0, 9.5, 8.0]
    assert reasons(r) == {"NO_ANSWER": [2]}


def test_toloka_rejected_pages_estimated_seconds_reward_and_reversed_timings() -> None:
    r = le.read_file(FORMATS / "toloka.tsv")
    assert r.format == "toloka"
    assert list(r.rows["duration_s"]) == [30.0, 30.0]  # a 60 s page split over its 2 tasks
    assert list(r.rows["cost"]) == [0.01, 0.01]  # ASSIGNMENT:reward split the same way
    assert reasons(r) == {"REJECTED": [4, 5], "NEGATIVE_DURATION": [6], "NOT_COMPLETED": [7]}
    assert any("estimate" in n for n in r.notes)
    assert r.billing.rows == 3  # 2 kept + the reversed page; rejected and expired are not billed


def test_sagemaker_json_inside_json_that_does_not_parse_names_the_record() -> None:
    r = le.read_file(FORMATS / "sagemaker_workers.json", question="sentiment")
    assert list(r.rows["item_id"]) == ["s3://b/t1.txt", "s3://b/t1.txt", "s3://b/t2.txt"]
    assert reasons(r) == {"MALFORMED_RECORD": [2]}
    assert "annotationData.content is not valid JSON" in r.quarantine["message"].iloc[0]
    consolidated = le.read_file(FORMATS / "sagemaker_output.manifest")
    assert list(consolidated.rows["label"]) == ["pos", "neg"] and any("consolidated" in n for n in consolidated.notes)


def test_labelbox_radio_answers_and_a_label_without_the_classification() -> None:
    r = le.read_file(FORMATS / "labelbox.ndjson")
    assert list(r.rows[["item_id", "annotator_id", "label", "duration_s"]].iloc[0]) == ["t1", "l1@x.io", "pos", 7.5]
    assert reasons(r) == {"NO_ANSWER": [2]}


def test_timesheet_rates_table_missing_rate_and_per_person_cost() -> None:
    with pytest.raises(le.AdapterError, match=r"timesheet.csv line 5: no hourly rate for annotator 'e3' in rates.csv"):
        le.read_file(FORMATS / "timesheet.csv", format="timesheet", rates=FORMATS / "rates.csv")
    r = le.read_file(FORMATS / "timesheet_minutes.csv", format="timesheet")
    assert list(r.rows["duration_s"]) == [1800.0, 900.0]  # minutes, said by the column name
    assert list(r.rows["cost"]) == [30.0, 22.5]  # 0.5 h x 60, 0.25 h x 90


@pytest.mark.parametrize("rate", ["$90.00", "90 USD", "USD 90", "$90/h", "90.00 per hour", "$ 90"])
def test_timesheet_rates_written_as_money_are_read(rate: str, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(f'item,expert,decision,minutes,rate\nt1,e1,pos,30,60\nt2,e2,neg,15,"{rate}"\n')
    r = le.read_file(tmp_path / "t.csv", format="timesheet")
    assert list(r.rows["cost"]) == [30.0, 22.5]


def test_timesheet_rates_with_thousands_separators_and_a_rates_table(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("item,expert,decision,hours\nt1,e1,pos,2\nt2,e2,neg,1\n")
    (tmp_path / "rates.csv").write_text('annotator,rate\ne1,"$1,250.50"\ne2,€80\n')
    r = le.read_file(tmp_path / "t.csv", format="timesheet", rates=tmp_path / "rates.csv")
    assert list(r.rows["cost"]) == [2501.0, 80.0]  # no currency given to read_file: the amounts alone


def _hourly_project(folder: Path, rate: str, currency: str) -> Path:
    folder.mkdir()
    (folder / "experts.csv").write_text(
        f'item,expert,decision,minutes,rate\nt1,e1,pos,30,"{rate}"\nt2,e1,neg,15,"{rate}"\n'
    )
    (folder / "gold.csv").write_text("item_id,label\nt1,pos\n")
    (folder / "labeleval.toml").write_text(
        '[task]\nname = "p"\nkind = "nominal"\nlabels = ["pos", "neg"]\n\n[gold]\npath = "gold.csv"\n\n'
        '[[vendors]]\nname = "Experts"\npath = "experts.csv"\nformat = "timesheet"\n'
        f'pricing = {{ model = "hourly", currency = "{currency}" }}\n'
    )
    return folder


def test_a_rate_in_another_currency_than_the_pricing_names_its_line(tmp_path: Path) -> None:
    ok = le.evaluate(_hourly_project(tmp_path / "a", "€80.00", "EUR"), n_boot=0)
    assert ok.ledger.set_index("vendor").loc["Experts", "kept"] == 2
    with pytest.raises(le.AdapterError, match=r"experts.csv line 2: rate '\$80.00' is not in EUR"):
        le.evaluate(_hourly_project(tmp_path / "b", "$80.00", "EUR"), n_boot=0)


@pytest.mark.parametrize("rate", ["80 dollars", "$80 EUR", "eighty", "8O"])
def test_a_rate_that_is_no_amount_is_a_missing_rate(rate: str, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(f'item,expert,decision,minutes,rate\nt1,e1,pos,30,"{rate}"\n')
    with pytest.raises(le.AdapterError, match=r"line 2: (no hourly rate for annotator 'e1'|rate .* is not in)"):
        le.read_file(tmp_path / "t.csv", format="timesheet")


def test_timesheet_reversed_start_and_end_is_a_ledger_entry(tmp_path: Path) -> None:
    shutil.copy(FORMATS / "timesheet.csv", tmp_path / "t.csv")
    (tmp_path / "rates.csv").write_text("annotator,rate\ne1,60\ne2,90\ne3,70\n")
    r = le.read_file(tmp_path / "t.csv", format="timesheet", rates=tmp_path / "rates.csv")
    assert reasons(r) == {"NEGATIVE_DURATION": [4]}
    assert list(r.rows["cost"]) == [30.0, 30.0, pytest.approx(52.5)]


def test_model_outputs_carry_token_counts() -> None:
    r = le.read_file(FORMATS / "llm.jsonl", format="llm")
    assert (r.billing.input_tokens, r.billing.output_tokens) == (2200.0, 9.0)
    assert list(r.rows["annotator_id"]) == ["gpt-x", "gpt-x"]


@pytest.mark.parametrize(
    ("file", "fmt"),
    [
        ("label_studio.json", "label_studio"),
        ("label_studio_min.json", "label_studio_min"),
        ("scale.jsonl", "scale"),
        ("surge.json", "surge"),
        ("toloka.tsv", "toloka"),
        ("sagemaker_workers.json", "sagemaker_gt"),
        ("sagemaker_output.manifest", "sagemaker_gt"),
        ("labelbox.ndjson", "labelbox"),
        ("timesheet.csv", None),
    ],
)
def test_sniffing_tells_the_format_from_the_content(file: str, fmt: str | None) -> None:
    assert sniff(FORMATS / file) == fmt


@pytest.mark.parametrize(
    ("file", "fmt"), [("surge.json", "scale"), ("toloka.tsv", "label_studio"), ("scale.jsonl", "surge")]
)
def test_a_file_that_is_not_the_named_format_gets_a_clear_error(file: str, fmt: str) -> None:
    with pytest.raises(le.AdapterError, match=rf"{file}.* does not look like|{file}: .*(expected|invalid)"):
        le.read_file(FORMATS / file, format=fmt)


def test_read_command_prints_rows_and_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "canonical.csv"
    assert main(["read", str(FORMATS / "toloka.tsv"), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Toloka assignments TSV" in text and "6 rows read = 2 kept + 4 set aside" in text and "REJECTED" in text
    assert out.read_text().splitlines()[0].startswith("line,item_id,annotator_id,label")
    assert (
        main(["read", str(FORMATS / "timesheet.csv"), "--format", "timesheet", "--rates", str(FORMATS / "rates.csv")])
        == 1
    )
    assert "no hourly rate for annotator 'e3'" in capsys.readouterr().err


def test_a_project_with_native_formats_scores_and_bills_what_was_delivered(tmp_path: Path) -> None:
    for name in ("label_studio.json", "toloka.tsv", "surge.json", "timesheet_minutes.csv"):
        shutil.copy(FORMATS / name, tmp_path / name)
    (tmp_path / "labeleval.toml").write_text(
        """
[task]
name = "sentiment"
labels = ["pos", "neg"]

[gold]
path = "surge.json"
format = "surge"

[[vendors]]
name = "LS"
path = "label_studio.json"
format = "label_studio"
item_field = "data.item_id"
pricing = { model = "per_label", rate = 1.0 }

[[vendors]]
name = "Toloka"
path = "toloka.tsv"
format = "toloka"
bill_excluded = true
pricing = { model = "per_label", rate = 0.0 }

[[vendors]]
name = "Experts"
path = "timesheet_minutes.csv"
format = "timesheet"
pricing = { model = "hourly" }
"""
    )
    report = le.evaluate(tmp_path, n_boot=0)
    cost = report.cost.set_index("vendor")
    assert cost.loc["LS", "total_cost"] == pytest.approx(5.0)  # 5 delivered; cancelled/reviewer/empty not billed
    assert cost.loc["Toloka", "total_cost"] == pytest.approx(0.06)  # every page billed: bill_excluded = true
    assert cost.loc["Experts", "total_cost"] == pytest.approx(52.5)
    assert cost.loc["Experts", "rate"] == pytest.approx(70.0)  # the hours-weighted mean of 60 and 90
    assert cost.loc["Experts", "billed_units"] == pytest.approx(0.75) and "per-person" in cost.loc["Experts", "unit"]
    ledger = report.ledger.set_index("vendor")
    assert ledger.loc["gold", "kept"] == 2  # Surge's two gold-standard tasks
    q = report.quarantine if hasattr(report, "quarantine") else None
    assert q is None or {"CANCELLED", "REJECTED"} <= set(q["reason"])


@pytest.mark.parametrize("fmt", sorted(REGISTRY))
@pytest.mark.parametrize("file", sorted(p.name for p in FORMATS.iterdir()))
def test_any_file_with_any_reader_gives_rows_or_a_clear_error_never_a_traceback(file: str, fmt: str) -> None:
    try:
        reading = le.read_file(FORMATS / file, format=fmt)
    except le.LabelevalError as exc:
        assert file in str(exc) or "rates" in str(exc)  # the message names the file
    else:
        assert reconciles(reading)


def test_label_studio_csv_export(tmp_path: Path) -> None:
    (tmp_path / "ls.csv").write_text(
        "annotation_id,annotator,created_at,id,lead_time,sentiment,text,updated_at\n"
        "1,a@x.io,2026-10-01T10:00:00Z,11,3.5,pos,good,2026-10-01T10:00:05Z\n"
        '2,b@x.io,2026-10-01T10:00:00Z,11,2.5,"{""choices"": [""pos"", ""neg""]}",good,2026-10-01T10:00:05Z\n'
        "3,a@x.io,2026-10-01T10:00:00Z,12,1.0,,bad,2026-10-01T10:00:05Z\n"
    )
    r = le.read_file(tmp_path / "ls.csv", question="sentiment")
    assert r.format == "label_studio_min"
    assert list(r.rows["label"]) == ["pos", '["pos", "neg"]']  # several choices: a set, as a JSON list
    assert list(r.rows["line"]) == [2, 3]
    assert reasons(r) == {"NO_ANSWER": [4]}


def test_toloka_control_answers_can_be_the_gold(tmp_path: Path) -> None:
    from labeleval.io.formats import ReadOptions, read_native

    gold = read_native(FORMATS / "toloka.tsv", "toloka", name="toloka.tsv", options=ReadOptions(), gold=True)
    assert gold.frame.to_dict("records") == [{"item_id": "t1", "label": "pos"}]  # once, though on 3 pages
    assert list(gold.line) == [2]


def test_gold_in_a_format_that_carries_none_is_a_manifest_error(tmp_path: Path) -> None:
    shutil.copy(FORMATS / "label_studio.json", tmp_path / "ls.json")
    (tmp_path / "labeleval.toml").write_text(
        '[task]\nname = "t"\nlabels = ["pos", "neg"]\n\n[gold]\npath = "ls.json"\nformat = "label_studio"\n\n'
        '[[vendors]]\nname = "LS"\npath = "ls.json"\nformat = "label_studio"\n'
        'pricing = { model = "per_label", rate = 1.0 }\n'
    )
    with pytest.raises(
        le.ManifestError, match=r"labeleval.toml line \d+: \[gold\].format = 'label_studio' carries no gold"
    ):
        le.load_project(tmp_path)


def test_a_model_vendor_is_priced_per_million_tokens(tmp_path: Path) -> None:
    shutil.copy(FORMATS / "llm.jsonl", tmp_path / "llm.jsonl")
    shutil.copy(FORMATS / "timesheet_minutes.csv", tmp_path / "experts.csv")
    (tmp_path / "labeleval.toml").write_text(
        '[task]\nname = "t"\nlabels = ["pos", "neg"]\n\n[usability]\nrule = "consensus"\n\n'
        '[[vendors]]\nname = "Model"\npath = "llm.jsonl"\nformat = "llm"\n'
        'pricing = { model = "per_million_tokens", input_rate = 3.0, output_rate = 15.0 }\n\n'
        '[[vendors]]\nname = "Experts"\npath = "experts.csv"\nformat = "timesheet"\npricing = { model = "hourly" }\n'
    )
    cost = le.evaluate(tmp_path, n_boot=0).cost.set_index("vendor")
    assert cost.loc["Model", "total_cost"] == pytest.approx((2200 * 3.0 + 9 * 15.0) / 1e6)
    assert cost.loc["Model", "unit"] == "million tokens"
    assert cost.loc["Model", "billed_units"] == pytest.approx(2209 / 1e6)
    with pytest.raises(le.ManifestError, match="per_million_tokens model needs input_rate"):
        (tmp_path / "labeleval.toml").write_text(
            (tmp_path / "labeleval.toml").read_text().replace("input_rate = 3.0, output_rate = 15.0", "rate = 1.0")
        )
        le.load_project(tmp_path)


def test_the_upload_form_suggests_the_customers_item_id_inside_the_export() -> None:
    from labeleval.io.formats import suggest_item_field

    sample = ROOT / "sample_data" / "content_safety"
    assert suggest_item_field(FORMATS / "label_studio.json", "label_studio") == "data.item_id"
    assert suggest_item_field(sample / "scale_tasks.jsonl", "scale") == "metadata.item_id"
    assert suggest_item_field(sample / "scale_tasks.jsonl", "scale", "annotator_id") == "metadata.worker_id"
    assert suggest_item_field(sample / "surge_export.json", "surge") == "fields.item_id"
    assert suggest_item_field(FORMATS / "toloka.tsv", "toloka") is None


def test_read_file_says_where_the_customers_own_ids_are() -> None:
    """Label Studio's default item id is its task id; the export also holds the customer's ``data.item_id``."""
    export = ROOT / "sample_data" / "content_safety" / "label_studio_export.json"
    notes = le.read_file(export).notes
    assert any("--item-field data.item_id" in n and 'item_field = "data.item_id"' in n for n in notes), notes
    assert not any("--item-field" in n for n in le.read_file(export, item_field="data.item_id").notes)
