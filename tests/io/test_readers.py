"""Readers: the same judgments in six formats give the same canonical rows; line numbers are exact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.errors import AdapterError
from labeleval.io import normalize_batch, read_table

ROWS = pd.DataFrame(
    {
        "task": ["t1", "t1", "t2", "t2", "t3"],
        "who": ["w1", "w2", "w1", "w2", "w1"],
        "answer": ["yes", "no", "no", "no", "yes"],
        "when": ["2026-01-01T10:00:00Z"] * 5,
        "secs": [1.5, 2.0, 3.0, 4.0, 5.0],
    }
)
MAPPING = {
    "item_id": "task",
    "annotator_id": "who",
    "label": "answer",
    "submitted_at": "when",
    "duration_s": "secs",
}


def write(fmt: str, folder: Path) -> Path:
    path = folder / f"batch.{fmt}"
    if fmt == "csv":
        ROWS.to_csv(path, index=False)
    elif fmt == "tsv":
        ROWS.to_csv(path, index=False, sep="\t")
    elif fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in ROWS.to_dict("records")) + "\n")
    elif fmt == "json":
        path.write_text(json.dumps({"annotations": ROWS.to_dict("records")}))
    elif fmt == "parquet":
        ROWS.to_parquet(path)
    elif fmt == "xlsx":
        ROWS.to_excel(path, index=False)
    return path


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json", "parquet", "xlsx"])
def test_every_format_gives_the_same_rows(fmt: str, tmp_path: Path) -> None:
    raw = read_table(write(fmt, tmp_path))
    kept, quarantine, billing = normalize_batch(raw, file="f", vendor="V", columns=MAPPING, labels=("yes", "no"))
    assert quarantine.empty
    assert kept["item_id"].tolist() == ROWS["task"].tolist()
    assert kept["label"].astype(str).tolist() == ROWS["answer"].tolist()
    np.testing.assert_allclose(kept["duration_s"], ROWS["secs"])
    assert (kept["submitted_at"] == pd.Timestamp("2026-01-01T10:00:00Z")).all()
    assert billing.rows == 5 and billing.items == 3 and billing.seconds == pytest.approx(15.5)
    expected_first = {"csv": 2, "tsv": 2, "jsonl": 1, "json": 1, "parquet": 1, "xlsx": 2}[fmt]
    assert raw.line[0] == expected_first


def test_csv_lines_count_quoted_newlines_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text('item_id,worker,label,comment\n1,a,yes,"two\nlines"\n\n2,a,MAYBE,x\n')
    raw = read_table(path)
    assert raw.line.tolist() == [2, 5]
    _, quarantine, _ = normalize_batch(
        raw, file="v.csv", vendor="V", columns={"annotator_id": "worker"}, labels=("yes", "no")
    )
    assert quarantine[["line", "reason"]].values.tolist() == [[5, "UNKNOWN_LABEL"]]


def test_nested_json_is_flattened_with_dots(tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text('{"id": 1, "w": "a", "response": {"label": "yes"}}\n')
    raw = read_table(path)
    assert "response.label" in raw.frame.columns


def test_numeric_ids_from_excel_lose_the_decimal(tmp_path: Path) -> None:
    path = tmp_path / "v.parquet"
    pd.DataFrame({"item_id": [1.0, 2.0], "annotator_id": [7, 8], "label": ["yes", "no"]}).to_parquet(path)
    kept, _, _ = normalize_batch(read_table(path), file="v", vendor="V", columns={}, labels=("yes", "no"))
    assert kept["item_id"].tolist() == ["1", "2"] and kept["annotator_id"].tolist() == ["7", "8"]


def test_declared_encoding_reads_latin1(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_bytes("item_id,annotator_id,label\n1,Jos\xe9,yes\n".encode("latin-1"))
    with pytest.raises(AdapterError, match="line 2, column 6"):
        read_table(path)
    assert read_table(path, encoding="latin-1").frame["annotator_id"].tolist() == ["José"]


def test_unknown_extension_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "v.dat"
    path.write_text("x")
    with pytest.raises(AdapterError, match="cannot tell the file format"):
        read_table(path)


def test_keep_first_policy(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("item_id,annotator_id,label\n1,a,yes\n1,a,no\n")
    kept, q, _ = normalize_batch(
        read_table(path), file="v", vendor="V", columns={}, labels=("yes", "no"), duplicates="keep_first"
    )
    assert kept["label"].astype(str).tolist() == ["yes"] and q["line"].tolist() == [3]
    kept, q, _ = normalize_batch(read_table(path), file="v", vendor="V", columns={}, labels=("yes", "no"))
    assert kept["label"].astype(str).tolist() == ["no"] and q["line"].tolist() == [2]


def test_label_map_maps_vendor_labels(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("item_id,annotator_id,label\n1,a,Y\n1,b,N\n")
    kept, q, _ = normalize_batch(
        read_table(path),
        file="v",
        vendor="V",
        columns={},
        labels=("yes", "no"),
        label_map={"Y": "yes", "N": "no"},
    )
    assert q.empty and kept["label"].astype(str).tolist() == ["yes", "no"]


def test_load_project_accepts_folder_or_manifest(sample_project: Path) -> None:
    a = le.load_project(sample_project)
    b = le.load_project(sample_project / "labeleval.toml")
    assert a == b
    assert [v.name for v in a.vendors] == ["Scale", "Surge", "Mercor", "In-house"]
    with pytest.raises(le.ManifestError, match="no manifest"):
        le.load_project(sample_project / "nope")


def test_repeated_judgments_are_found_whether_rows_are_grouped_by_item_or_not() -> None:
    """The duplicate check's fast path (rows grouped by item) and its sort give the hash's answer."""
    from labeleval.io.normalize import _has_repeats

    rng = np.random.default_rng(3)
    for trial in range(300):
        n = int(rng.integers(0, 60))
        item = np.sort(rng.integers(0, max(n // 3, 1), n)) if trial % 2 else rng.integers(0, 9, n)
        if trial % 5 == 0:
            item = np.repeat(np.arange(3), 20)[:n]  # long groups: the sort
        annotator = rng.integers(0, 6, n)
        expected = bool(pd.Series(list(zip(item.tolist(), annotator.tolist(), strict=True))).duplicated().any())
        assert _has_repeats(item.astype(np.int64), annotator.astype(np.int64)) == expected


@pytest.mark.parametrize("duplicates", ["keep_last", "keep_all"])
def test_categorical_ids_are_the_kept_ids(tmp_path: Path, duplicates: str) -> None:
    """The in-memory reader's categorical ids (normalize_batch(categorical_ids=True)) hold the same ids, row by
    row, as the text ones; ids seen only in quarantined rows are not categories."""
    path = tmp_path / "v.csv"
    path.write_text(
        "item_id,annotator_id,label\n1,a,yes\n2,b,no\n3,a,maybe\n1,b,yes\n 4 ,c,no\n1,a,no\n", encoding="utf-8"
    )
    options = {"file": "v", "vendor": "V", "columns": {}, "labels": ("yes", "no"), "duplicates": duplicates}
    text, q_text, _ = normalize_batch(read_table(path), **options)  # type: ignore[arg-type]
    coded, q_coded, _ = normalize_batch(read_table(path), categorical_ids=True, **options)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(q_coded, q_text)
    for column in ("item_id", "annotator_id"):
        assert isinstance(coded[column].dtype, pd.CategoricalDtype)
        assert coded[column].astype(str).tolist() == text[column].astype(str).tolist()
        assert set(coded[column].cat.categories) == set(text[column].astype(str))  # "3" (unknown label) is not one


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_a_csv_file_separated_otherwise_is_read_by_its_header(sep: str, tmp_path: Path) -> None:
    """Spreadsheets in locales whose decimal mark is a comma save ``.csv`` files separated by semicolons: the
    header line names the separator, and the rows read as the comma-separated file's do."""
    path = tmp_path / "batch.csv"
    ROWS.to_csv(path, index=False, sep=sep)
    raw = read_table(path)
    kept, quarantine, _ = normalize_batch(raw, file="f", vendor="V", columns=MAPPING, labels=("yes", "no"))
    assert quarantine.empty
    assert kept["annotator_id"].tolist() == ROWS["who"].tolist()
    np.testing.assert_allclose(kept["duration_s"], ROWS["secs"])
    assert raw.line[0] == 2


def test_a_semicolon_in_a_value_does_not_change_a_comma_separated_file(tmp_path: Path) -> None:
    rows = ROWS.assign(answer=["yes", "no", "no", "no", "yes"], note=["a;b", "c;d;e", "", "f", "g;h"])
    path = tmp_path / "batch.csv"
    rows.to_csv(path, index=False)
    raw = read_table(path)
    assert list(raw.frame.columns) == list(rows.columns)
    assert raw.frame["note"].fillna("").tolist() == ["a;b", "c;d;e", "", "f", "g;h"]


def test_a_quoted_header_name_holding_commas_does_not_choose_the_comma(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text('"item, id";annotator_id;label\nt1;w1;yes\nt2;w1;no\n')
    raw = read_table(path)
    assert list(raw.frame.columns) == ["item, id", "annotator_id", "label"]
    assert raw.frame["label"].tolist() == ["yes", "no"]


@pytest.mark.parametrize("engine", ["stream", "dask"])
def test_the_chunked_engines_read_a_semicolon_file_as_the_whole_file_reader(engine: str, tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    rows = pd.concat([ROWS.assign(task=ROWS["task"] + f"-{k}") for k in range(40)], ignore_index=True)
    rows.rename(columns={"task": "item_id", "who": "annotator_id", "answer": "label"}).to_csv(
        project / "v.csv", index=False, sep=";"
    )
    pd.DataFrame({"item_id": ["t1-0", "t2-0"], "label": ["yes", "no"]}).to_csv(project / "gold.csv", index=False)
    (project / "labeleval.toml").write_text(
        '[gold]\npath = "gold.csv"\n\n[task]\nname = "p"\nkind = "nominal"\nlabels = ["yes", "no"]\n\n'
        '[[vendors]]\nname = "V"\npath = "v.csv"\n'
        'pricing = { model = "per_label", rate = 0.1, currency = "USD" }\n'
    )
    whole = le.evaluate(project, n_boot=0, engine="memory")
    chunked = le.evaluate(project, n_boot=0, engine=engine)
    assert whole.ledger.set_index("vendor").loc["V", "kept"] == len(rows)
    pd.testing.assert_frame_equal(whole.ledger, chunked.ledger)
