"""Hostile files through the readers: each is bounded before the costly step, read with every record accounted
for, or refused with a clear error naming the file. The memory-heavy cases prove their bound cheaply: the
refusal comes before the decoder that would allocate is called (the decoders are replaced by ones that fail)."""

from __future__ import annotations

import io
import json
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import labeleval as le
from labeleval.errors import AdapterError, LimitError
from labeleval.io import xlsx
from labeleval.io.chunk import mapped_columns
from labeleval.io.formats import ReadOptions, read_native
from labeleval.io.normalize import normalize_batch
from labeleval.io.readers import read_parquet, read_table
from labeleval.limits import Limits
from tests.helpers.workbooks import sheet_xlsx

HEADER = {"A1": "item", "B1": "worker", "C1": "label"}
MAPPED = {"item", "worker", "label"}


def _no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a workbook's cells are decoded at all."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sheet was decoded before its size was checked")

    monkeypatch.setattr(pd, "read_excel", refuse)
    monkeypatch.setattr(xlsx, "_read_by_rows", refuse)


# ------------------------------------------------------------------------------------------------------ XLSX
def test_xlsx_cell_at_xfd1048576_is_refused_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "v.xlsx"
    path.write_bytes(sheet_xlsx({**HEADER, "XFD1048576": "1"}, None))
    assert path.stat().st_size < 4000
    _no_decoding(monkeypatch)
    with pytest.raises(LimitError, match=r"v\.xlsx \(the sheet's cells span A1:XFD1048576\): 17,179,869,184 cells"):
        read_table(path)


def test_xlsx_dimension_and_cells_without_references_count_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_decoding(monkeypatch)
    declared = tmp_path / "declared.xlsx"
    declared.write_bytes(sheet_xlsx(HEADER, "A1:ZZ1048576"))
    with pytest.raises(LimitError, match=r"declared\.xlsx .*cells \(rows x columns\) is over the limit"):
        read_table(declared)
    # a row far down holding 300 cells that give no reference: they sit at columns 1..300 of that row
    cells = "".join("<c><v>1</v></c>" for _ in range(300))
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        f'<c r="A1" t="inlineStr"><is><t>item</t></is></c></row><row r="1000000">{cells}</row></sheetData></worksheet>'
    ).encode()
    unreferenced = tmp_path / "unreferenced.xlsx"
    unreferenced.write_bytes(sheet_xlsx({}, None, sheet))
    with pytest.raises(LimitError, match=r"A1:KN1000000\): 300,000,000 cells"):
        read_table(unreferenced)


def test_xlsx_scan_sees_a_reference_cut_by_a_block_edge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "XLSX_SCAN_BYTES", 7)  # every tag crosses a block edge
    path = tmp_path / "v.xlsx"
    path.write_bytes(sheet_xlsx({**HEADER, "AB70": "x"}, None))
    shape = xlsx.sheet_shape(path, "v.xlsx", None, Limits())
    assert shape is not None and (shape.rows, shape.columns) == (70, 28)


def test_sparse_xlsx_within_limits_is_read_by_rows_keeping_mapped_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v.xlsx"
    cells = {**HEADER, "D1": "notes", "A2": "1", "B2": "a", "C2": "pos", "D2": "n", "CV200000": "far"}
    path.write_bytes(sheet_xlsx(cells, None))  # 100 columns x 200,000 rows: 20M cells, inside every limit

    def whole(*args: object, **kwargs: object) -> None:
        raise AssertionError("a sparse sheet was read as one rectangle")

    monkeypatch.setattr(pd, "read_excel", whole)
    start = time.perf_counter()
    raw = read_table(path, columns=MAPPED)
    assert time.perf_counter() - start < 20
    assert list(raw.frame.columns) == ["item", "worker", "label"]
    assert raw.line.tolist() == [2, 200000]  # the far row is a record (its mapped cells empty): quarantined
    kept, quarantine, _ = normalize_batch(
        raw, file="v.xlsx", vendor="V", columns={"item_id": "item", "annotator_id": "worker"}, labels=["pos"]
    )
    assert len(kept) == 1 and quarantine["line"].tolist() == [200000]


def test_xlsx_read_by_rows_matches_the_whole_sheet_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pd.DataFrame(
        {
            "item": [1, 2, None, 4],
            "worker": ["a", "b", None, "d"],
            "label": ["pos", "neg", None, "7"],
            "x": [1.5, 2, None, 3],
        }
    )
    path = tmp_path / "v.xlsx"
    frame.to_excel(path, index=False)
    whole = read_table(path)
    monkeypatch.setattr(xlsx, "XLSX_CALAMINE_CELLS", 0)
    by_rows = read_table(path, columns=MAPPED)
    assert by_rows.line.tolist() == whole.line.tolist() == [2, 3, 5]  # the blank row 4 is no record
    pd.testing.assert_frame_equal(
        by_rows.frame.astype(object), whole.frame[["item", "worker", "label"]].astype(object), check_dtype=False
    )


# ------------------------------------------------------------------------------------------------------- CSV
def _stray_quote_csv(path: Path) -> None:
    """90 records; line 5 opens a quote that line 42 closes, line 80 opens one that is never closed."""
    lines = ["item,worker,label"]
    for i in range(90):
        if i == 3:
            lines.append(f'{i},"a,pos')
        elif i == 40:
            lines.append(f'{i},a",pos')
        elif i == 78:
            lines.append(f'{i},b,"pos')
        else:
            lines.append(f"{i},a,pos")
    path.write_text("\n".join(lines) + "\n")


def test_csv_stray_quotes_lose_no_record(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    _stray_quote_csv(path)
    raw = read_table(path)
    assert raw.rows_read == 90
    kept, quarantine, _ = normalize_batch(
        raw, file="v.csv", vendor="V", columns={"item_id": "item", "annotator_id": "worker"}, labels=["pos"]
    )
    assert len(kept) + len(quarantine) == 90
    assert quarantine["line"].tolist() == [*range(5, 43), *range(80, 92)]
    assert set(quarantine["reason"]) == {"MALFORMED_RECORD"}
    assert quarantine["column"].iloc[0] == "worker" and quarantine["column"].iloc[-1] == "label"
    assert "opened at line 5 (character 3) runs over lines 5-42" in quarantine["message"].iloc[0]
    assert "opened at line 80 (character 6) is never closed" in quarantine["message"].iloc[-1]
    assert sorted(kept["item_id"].astype(int)) == [i for i in range(90) if not 3 <= i <= 40 and i < 78]


def test_the_ledger_reconciles_physical_records(tmp_path: Path) -> None:
    (tmp_path / "labeleval.toml").write_text(
        '[task]\nname = "t"\nlabels = ["pos", "neg"]\n\n[gold]\npath = "gold.csv"\ncolumns = { item_id = "item" }\n\n'
        '[[vendors]]\nname = "V"\npath = "v.csv"\ncolumns = { item_id = "item", annotator_id = "worker" }\n'
        'pricing = { model = "per_label", rate = 0.1 }\n'
    )
    (tmp_path / "gold.csv").write_text("item,label\n1,pos\n2,neg\n")
    _stray_quote_csv(tmp_path / "v.csv")
    ledger = le.load_data(le.load_project(tmp_path)).ledger
    ledger = ledger[ledger["file"] == "v.csv"]
    assert int(ledger["rows_read"].sum()) == 90
    assert int(ledger["kept"].sum()) + int(ledger["quarantined"].sum()) == 90


def test_multi_line_field_in_a_free_text_column_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text('item,worker,label,comment\n1,a,pos,"first line\nsecond, line"\n2,b,pos,x\n')
    raw = read_table(path)
    assert raw.line.tolist() == [2, 4] and not raw.malformed
    assert raw.frame["comment"].iloc[0] == "first line\nsecond, line"


def test_cr_only_csv_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_bytes(b"item,worker,label\r1,a,pos\r2,b,neg\r\r3,c,pos")
    raw = read_table(path)
    assert raw.line.tolist() == [2, 3, 5] and raw.frame["item"].tolist() == ["1", "2", "3"]


def test_header_cell_of_128_kb_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("item," + "x" * 131_073 + ",label\n1,a,pos\n")
    with pytest.raises(AdapterError, match=r"v\.csv line 1: cannot read the header line"):
        read_table(path)


def test_wide_csv_parses_only_the_mapped_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["item", "worker", "label", *(f"c{i}" for i in range(10_000 - 3))]
    row = ",".join(["1", "a", "pos", *("9" for _ in range(10_000 - 3))])
    path = tmp_path / "v.csv"
    path.write_text(",".join(names) + "\n" + "\n".join([row] * 20) + "\n")
    raw = read_table(path, columns=mapped_columns({"item_id": "item", "annotator_id": "worker"}))
    assert list(raw.frame.columns) == ["item", "worker", "label"] and raw.rows_read == 20
    assert raw.columns_in_file is not None and len(raw.columns_in_file) == 10_000
    monkeypatch.setenv("LABELEVAL_MAX_COLUMNS", "9999")  # every column of the file still counts
    with pytest.raises(LimitError, match="10,000 columns"):
        read_table(path, columns=MAPPED)


def test_skipping_columns_still_refuses_a_row_with_extra_fields(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("item,worker,label,x\n1,a,pos,1\n1,b,pos,1,extra\n")
    with pytest.raises(AdapterError, match=r"v\.csv: malformed row: Expected 4 fields in line 3, saw 5"):
        read_table(path, columns=MAPPED)


# ------------------------------------------------------------------------------------------------------ JSON
def _refuse_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a table was built before the keys were counted")

    monkeypatch.setattr(pd.DataFrame, "from_records", refuse)
    monkeypatch.setattr(pd, "json_normalize", refuse)


@pytest.mark.parametrize("suffix", ["jsonl", "json"])
def test_json_with_20000_distinct_keys_is_refused_while_parsing(
    suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [{f"k{i}": 1} for i in range(20_000)]
    path = tmp_path / f"v.{suffix}"
    path.write_text("\n".join(map(json.dumps, records)) if suffix == "jsonl" else json.dumps(records))
    _refuse_frames(monkeypatch)
    start = time.perf_counter()
    with pytest.raises(LimitError, match=rf"v\.{suffix} (line|record) 10001 \(distinct keys so far\): 10,001 columns"):
        read_table(path)
    assert time.perf_counter() - start < 5


def test_json_cells_are_refused_before_the_table_is_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text("\n".join(json.dumps({f"k{i % 50}": 1, "n": {"deep": i}}) for i in range(2000)))
    _refuse_frames(monkeypatch)
    with pytest.raises(LimitError, match=r"v\.jsonl: 102,000 cells"):
        read_table(path, limits=Limits(cells=100_000))


def test_json_keeps_only_the_mapped_columns_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text('{"item": 1, "worker": "a", "response": {"label": "pos"}, "noise": [1, 2]}\n')
    raw = read_table(path, columns={"item", "worker", "response.label"})
    assert sorted(raw.frame.columns) == ["item", "response.label", "worker"]
    assert raw.columns_in_file == ["item", "noise", "response", "worker"]


@pytest.mark.parametrize("suffix", ["jsonl", "json"])
def test_json_records_that_are_empty_objects_are_rows(suffix: str, tmp_path: Path) -> None:
    """An empty object is a record with no fields (quarantined for its missing columns), not no record."""
    path = tmp_path / f"v.{suffix}"
    path.write_text("{}\n{}\n" if suffix == "jsonl" else "[{}, {}]")
    raw = read_table(path)
    assert raw.rows_read == 2 and raw.line.tolist() == [1, 2]


def test_deep_json_in_a_native_export_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('[{"id": 1, "annotations": [{"result": ' + "[" * 50_000 + "]" * 50_000 + "}]}]")
    with pytest.raises(AdapterError, match=r"export\.json: JSON nested deeper than the limit of 64 levels"):
        read_native(path, "label_studio", name="export.json", options=ReadOptions(), columns={})
    lines = tmp_path / "export.jsonl"
    lines.write_text('{"id": 1, "annotations": []}\n{"id": 2, "data": ' + "[" * 50_000 + "]" * 50_000 + "}\n")
    try:
        raw = read_native(lines, "label_studio", name="export.jsonl", options=ReadOptions(), columns={})
    except AdapterError as exc:
        assert "export.jsonl" in str(exc)
    else:
        assert raw.rows_read >= 1


# --------------------------------------------------------------------------------------------------- Parquet
def _list_parquet(path: Path, values: int, rows: int = 4) -> None:
    tags = pa.array([np.zeros(values // rows, dtype=np.int8)] * rows, type=pa.list_(pa.int8()))
    table = pa.table({"item": [str(i) for i in range(rows)], "worker": ["a"] * rows, "label": ["pos"] * rows})
    pq.write_table(table.append_column("tags", tags), path, compression="zstd")


def test_parquet_list_values_are_counted_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "v.parquet"
    _list_parquet(path, 4_000_000)  # a few KB on disk; 4M Python values once decoded
    assert path.stat().st_size < 200_000

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the list column was decoded before it was counted")

    monkeypatch.setattr(pq.ParquetFile, "read", refuse)
    monkeypatch.setattr(pq.ParquetFile, "read_row_group", refuse)
    with pytest.raises(LimitError, match=r"v\.parquet: \d+ MB of decoded text is over the limit of 100"):
        read_table(path, limits=Limits(decoded_mb=100))
    with pytest.raises(LimitError, match=r"v\.parquet \(row group 1\): "):
        read_parquet(path, "v.parquet", Limits(decoded_mb=100), row_group=0)


def test_parquet_reads_only_the_mapped_columns(tmp_path: Path) -> None:
    path = tmp_path / "v.parquet"
    _list_parquet(path, 4_000_000)
    raw = read_table(path, columns=MAPPED, limits=Limits(decoded_mb=100))  # the list column is never read
    assert list(raw.frame.columns) == ["item", "worker", "label"] and raw.rows_read == 4
    assert raw.columns_in_file == ["item", "worker", "label", "tags"]


def test_parquet_text_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    """Parquet does not check text on reading: bytes that are not UTF-8 are refused naming the row and column,
    not left for pandas to fail on later."""
    path = tmp_path / "v.parquet"
    table = pa.table({"item": ["1", "2", "3"], "worker": ["a", "b", "a"], "secs": ["3", "QQ.5", "4"]})
    pq.write_table(table, path, compression="none")
    data = path.read_bytes()
    assert b"QQ.5" in data
    path.write_bytes(data.replace(b"QQ.5", b"\x80Q.5"))
    with pytest.raises(AdapterError, match=r"v\.parquet row 2, column 'secs': text that is not valid UTF-8"):
        read_table(path)
    with pytest.raises(AdapterError, match=r"v\.parquet \(row group 1\) row 2, column 'secs'"):
        read_parquet(path, "v.parquet", Limits(), row_group=0)


def test_xlsx_header_naming_a_column_twice_is_refused_without_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "v.xlsx"
    path.write_bytes(sheet_xlsx({"A1": "item", "B1": "item", "C1": "label", "A2": "1", "B2": "2", "C2": "pos"}, None))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AdapterError, match=r"v\.xlsx row 1: .*'item'"):
            read_table(path)


@pytest.mark.parametrize("reference", ["APMinf7", "B", "b7", "A1x", "A12345678901234"])
def test_xlsx_cell_reference_that_is_not_an_address_is_refused_before_decoding(
    reference: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """calamine read r="APMinf7" as a cell terabytes away and the process aborted: refused by the scan."""
    path = tmp_path / "v.xlsx"
    cells = {**HEADER, "Z9": "pos", "C3717": "1"}
    xml = zipfile.ZipFile(io.BytesIO(sheet_xlsx(cells, None))).read("xl/worksheets/sheet1.xml")
    path.write_bytes(sheet_xlsx(cells, None, xml.replace(b'r="Z9"', f'r="{reference}"'.encode())))
    _no_decoding(monkeypatch)
    with pytest.raises(AdapterError, match=r"v\.xlsx: not a readable XLSX workbook .*not an address"):
        read_table(path)


def test_xlsx_cells_out_of_order_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row whose cells are not in column order (AAA2 written before B2): openpyxl's row reader kept B2 and lost
    AAA2, a row without a trace. The scan refuses the sheet, naming the cell."""
    path = tmp_path / "v.xlsx"
    path.write_bytes(sheet_xlsx({**HEADER, "AAA2": "1", "B2": "", "A94": "1"}, None))
    _no_decoding(monkeypatch)
    with pytest.raises(AdapterError, match=r"v\.xlsx: .*cell B2 comes after a cell to its right .*out of order"):
        read_table(path)


def test_xlsx_rows_past_an_understated_dimension_are_read(tmp_path: Path) -> None:
    """A sheet that declares A1:C3 but holds a row far below: the row is read, not lost past the dimension."""
    path = tmp_path / "v.xlsx"
    path.write_bytes(sheet_xlsx({**HEADER, "A1048576": "1"}, "A1:C3"))
    raw = read_table(path)
    assert raw.rows_read == 1 and raw.line.tolist() == [1048576]


def test_a_corrupt_xlsx_zip_is_named(tmp_path: Path) -> None:
    path = tmp_path / "v.xlsx"
    good = sheet_xlsx({**HEADER, "A2": "1"}, None)
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    broken = bytearray(good)
    start = info.header_offset + 30 + len(info.filename)
    broken[start : start + 20] = b"\xff" * 20
    path.write_bytes(bytes(broken))
    with pytest.raises(AdapterError, match=r"v\.xlsx: not a readable XLSX workbook"):
        read_table(path)


@pytest.mark.slow
def test_one_cell_a_million_rows_down_is_one_record_not_a_million_blank_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v.xlsx"
    path.write_bytes(sheet_xlsx({**HEADER, "A1048576": "1"}, None))  # 3 columns: inside the cells limit

    def whole(*args: object, **kwargs: object) -> None:
        raise AssertionError("a sparse sheet was read as one rectangle")

    monkeypatch.setattr(pd, "read_excel", whole)
    raw = read_table(path)
    assert raw.rows_read == 1 and raw.line.tolist() == [1048576]


def test_xlsx_whose_zip_understates_a_sheets_size_is_refused(tmp_path: Path) -> None:
    """The zip directory's sizes are the file's word: a sheet that inflates past what it declares is an error,
    never handed to a reader that would trust the bytes."""
    data = bytearray(sheet_xlsx({**HEADER, **{f"A{r}": "1" for r in range(2, 400)}}, None))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    small = (100).to_bytes(4, "little")
    data[info.header_offset + 22 : info.header_offset + 26] = small  # the local header's uncompressed size
    name = info.filename.encode()
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = small  # and the central directory's
    path = tmp_path / "v.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(AdapterError, match=r"v\.xlsx: not a readable XLSX workbook"):
        read_table(path)
