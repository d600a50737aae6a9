"""Hostile and heavy input: confinement, limits, neutralised exports, linear-memory metrics."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import labeleval as le
from labeleval.cli.main import main
from labeleval.io.readers import read_table
from labeleval.metrics import agreement as A
from labeleval.metrics.counts import count_matrix
from labeleval.safety import markdown_text, spreadsheet_cell, spreadsheet_frame, terminal_text
from tests.helpers.paths import DATA, ROOT

MANIFEST = """[task]
name = "t"
labels = ["pos", "neg"]

[gold]
path = "gold.csv"
columns = {{ item_id = "item" }}

[[vendors]]
name = {vendor}
path = "{path}"
columns = {{ item_id = "item", annotator_id = "worker" }}
pricing = {{ model = "per_label", rate = 0.1 }}
"""
ROWS = "item,worker,label\n1,a,pos\n1,b,pos\n2,a,neg\n2,b,neg\n3,a,pos\n3,b,neg\n"
GOLD = "item,label\n1,pos\n2,neg\n3,pos\n"


def project(tmp_path: Path, path: str = "v.csv", vendor: str = '"V"', rows: str = ROWS) -> Path:
    folder = tmp_path / "p"
    folder.mkdir(exist_ok=True)
    (folder / "gold.csv").write_text(GOLD)
    if path == "v.csv":
        (folder / "v.csv").write_text(rows)
    (folder / "labeleval.toml").write_text(MANIFEST.format(vendor=vendor, path=path))
    return folder


def test_deeply_nested_manifest_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "labeleval.toml").write_text('[task]\nname = "t"\nlabels = ' + "[" * 5000)
    with pytest.raises(le.ManifestError, match=r"labeleval\.toml: invalid TOML: arrays or tables nested too deeply"):
        le.load_project(tmp_path)


def test_a_path_too_long_for_the_file_system_is_a_manifest_error(tmp_path: Path) -> None:
    folder = project(tmp_path, path="[" * 5000 + "v.csv")
    with pytest.raises(le.ManifestError, match=r"\.path: cannot be opened: File name too long"):
        le.load_project(folder)


# ------------------------------------------------------------------------------------ confinement
@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.csv", "sub/../../outside.csv"])
def test_manifest_paths_stay_inside_the_project(tmp_path: Path, path: str) -> None:
    (tmp_path / "outside.csv").write_text(ROWS)
    folder = project(tmp_path, path=path)
    with pytest.raises(le.ManifestError, match=r"labeleval\.toml line 11: .*outside the project folder"):
        le.load_project(folder)


def test_a_symlink_out_of_the_project_is_refused_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "outside.csv").write_text(ROWS)
    folder = project(tmp_path, path="link.csv")
    (folder / "link.csv").symlink_to(tmp_path / "outside.csv")
    with pytest.raises(le.ManifestError, match="outside the project folder"):
        le.load_project(folder)
    assert le.load_project(folder, allow_outside=True).vendors[0].file.path == (tmp_path / "outside.csv").resolve()


def test_cli_allow_outside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "outside.csv").write_text(ROWS)
    folder = project(tmp_path, path="../outside.csv")
    assert main(["validate", str(folder)]) == 1
    assert "outside the project folder" in capsys.readouterr().err
    assert main(["validate", str(folder), "--allow-outside"]) == 0


def test_manifest_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    folder = project(tmp_path)
    text = (folder / "labeleval.toml").read_text()
    (folder / "labeleval.toml").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert le.load_project(folder).task.labels == ("pos", "neg")


# ------------------------------------------------------------------------------------ limits
def test_parquet_rows_are_checked_from_the_footer_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 2_000_000  # a few KB on disk
    table = pa.table({"item": pa.array(np.zeros(n, np.int64)), "label": pa.array(np.zeros(n, np.int8))})
    pq.write_table(table, tmp_path / "bomb.parquet")
    assert (tmp_path / "bomb.parquet").stat().st_size < 100_000
    monkeypatch.setenv("LABELEVAL_MAX_ROWS", "1000000")
    start = time.perf_counter()
    with pytest.raises(
        le.LimitError, match=r"2,000,000 rows is over the limit of 1,000,000 \(rows\).*LABELEVAL_MAX_ROWS"
    ):
        read_table(tmp_path / "bomb.parquet")
    assert time.perf_counter() - start < 1.0


def test_parquet_dictionary_bomb_is_refused_by_decoded_size(tmp_path: Path) -> None:
    n = 2_000_000  # 2,000,000 x 600 bytes = 1.1 GB of text in a file of a few hundred KB
    label = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array(["x" * 600]))
    pq.write_table(pa.table({"item": pa.array(np.arange(n)), "label": label}), tmp_path / "b.parquet")
    with pytest.raises(le.LimitError, match=r"MB of decoded text is over the limit of 1,000 \(decoded_mb\)"):
        read_table(tmp_path / "b.parquet")


def test_xlsx_rows_are_checked_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pd.DataFrame({"item": range(3000), "worker": "a", "label": "pos"})
    frame.to_excel(tmp_path / "v.xlsx", index=False)
    monkeypatch.setenv("LABELEVAL_MAX_ROWS", "1000")
    with pytest.raises(le.LimitError, match=r"v\.xlsx: 3,000 rows is over the limit of 1,000"):
        read_table(tmp_path / "v.xlsx")


def test_too_many_columns_is_refused_from_the_header(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(100_000))
    (tmp_path / "wide.csv").write_text(header + "\n" + ",".join("1" for _ in range(100_000)) + "\n")
    start = time.perf_counter()
    with pytest.raises(le.LimitError, match=r"wide\.csv line 1: 100,000 columns is over the limit of 10,000"):
        read_table(tmp_path / "wide.csv")
    assert time.perf_counter() - start < 2.0


@pytest.mark.slow
def test_wide_file_is_read_in_linear_time(tmp_path: Path) -> None:
    extra = [f"x{i}" for i in range(9_990)]
    header = ["item", "worker", "label", *extra]
    lines = [",".join(header)]
    for item, worker, label in csv.reader(io.StringIO(ROWS.split("\n", 1)[1].strip())):
        lines.append(",".join([item, worker, label, *("1" for _ in extra)]))
    folder = project(tmp_path, rows="\n".join(lines) + "\n")
    start = time.perf_counter()
    data = le.load_data(le.load_project(folder))
    assert time.perf_counter() - start < 20.0  # it took 81 s when columns were inserted one by one
    assert not any(c.startswith("x") for c in data.annotations.columns)  # only the mapped columns are parsed
    assert int(data.ledger["kept"].sum()) == 6 + 3


def test_too_many_labels_and_vendors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = project(tmp_path)
    monkeypatch.setenv("LABELEVAL_MAX_LABELS", "1")
    with pytest.raises(le.LimitError, match=r"2 labels is over the limit of 1 \(labels\)"):
        le.load_project(folder)
    monkeypatch.setenv("LABELEVAL_MAX_LABELS", "10")
    monkeypatch.setenv("LABELEVAL_MAX_VENDORS", "0x")
    with pytest.raises(le.LimitError, match="LABELEVAL_MAX_VENDORS='0x' is not a whole number"):
        le.load_project(folder)


def test_huge_n_boot_is_refused_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["score", str(project(tmp_path)), "--n-boot", "10000000000"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "10,000,000,000 bootstrap resamples is over the limit of 100,000 (resamples)" in err  # as evaluate() says
    assert "LABELEVAL_MAX_RESAMPLES" in err


@pytest.mark.slow
def test_validate_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    rows = ROWS + "".join(f"{i},a,unknown{i}\n" for i in range(10, 5000))  # ~300 KB of quarantine listing
    folder = project(tmp_path, rows=rows)
    command = f"{sys.executable} -m labeleval.cli.main validate --all {folder} | head -n 2"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=300, env=os.environ)
    assert len(done.stdout.splitlines()) == 2
    assert "BrokenPipeError" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


# ------------------------------------------------------------------------------------ neutralised exports
PAYLOADS = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_cells_are_neutralised(payload: str) -> None:
    assert spreadsheet_cell(payload) == "'" + payload
    frame = spreadsheet_frame(pd.DataFrame({payload: [payload, "ok", 1.5]}))
    assert frame.columns[0] == "'" + payload
    assert frame.iloc[0, 0] == "'" + payload and frame.iloc[1, 0] == "ok"


def test_numbers_and_plain_text_are_left_alone() -> None:
    assert [spreadsheet_cell(v) for v in ("-1", "+0.5", "1e-3", "ok", -3.0)] == ["-1", "+0.5", "1e-3", "ok", -3.0]


def test_markdown_and_terminal_neutralisers() -> None:
    text = markdown_text("Acme\n# Owned <script>alert(1)</script> | $x$")
    assert "\n" not in text and "<script>" not in text and "&lt;script&gt;" in text
    assert "\\#" in text and "\\|" in text and "\\$" in text
    assert terminal_text("a\x1b[31mred\x1b[0m\x07\x1b]0;title\x07 \u202eb") == "ared b"
    assert terminal_text("line\nnext\ttab", keep_newlines=False) == "line next tab"


def test_report_exports_cannot_attack_their_reader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = project(tmp_path, vendor='"=HYPERLINK(\\"http://x\\")\\n# Owned <img src=x onerror=alert(1)>\\u001b[2J"')
    report = le.evaluate(folder, n_boot=0)
    written = report.to_csv(tmp_path / "out")
    for path in written:
        if path.suffix == ".csv":
            for row in csv.reader(path.read_text(encoding="utf-8").splitlines()):
                assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row), (path, row)
    markdown = report.to_markdown()
    assert "<img" not in markdown and "\n# Owned" not in markdown
    assert "<img" not in report.to_html()
    assert main(["score", str(folder), "--n-boot", "0"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "=HYPERLINK" in out


# ------------------------------------------------------------------------------------ linear-memory metrics
def _frame(n_judgments: int, k: int, per_item: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_items = n_judgments // per_item
    truth = rng.integers(0, k, n_items)
    labels = np.where(
        rng.random(n_items * per_item) < 0.7, np.repeat(truth, per_item), rng.integers(0, k, n_items * per_item)
    )
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(n_items), per_item),
            "annotator_id": rng.integers(0, 50, n_items * per_item),
            "label": labels,
        }
    ).drop_duplicates(["item_id", "annotator_id"])


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_closed_forms_equal_the_krippendorff_package(level: str, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _frame(3000, 40, per_item=4, seed=3)
    counts = count_matrix(frame)
    values = A._values(counts.categories, level)
    package = A.alpha_from_counts(counts.n, level=level, values=values)  # small: the package computes it
    stats = A.alpha_from_stats(A.alpha_stats(counts.n, level, values).sum(axis=0), level, values)[0]
    monkeypatch.setattr(A, "PACKAGE_MAX_CELLS", 0)
    closed = A.alpha_from_counts(counts.n, level=level, values=values)
    public = le.krippendorff_alpha(frame, level=level)
    assert closed == pytest.approx(package, abs=1e-10)
    assert public == pytest.approx(package, abs=1e-10)
    assert stats == pytest.approx(package, abs=1e-10)


def test_ordinal_statistics_on_a_long_scale_are_linear_and_exact_at_the_point_estimate() -> None:
    frame = _frame(3000, 60, per_item=4, seed=4)
    counts = count_matrix(frame, labels=list(range(60)))
    values = np.arange(60.0)
    stats = A.alpha_stats(counts.n, "ordinal", values)
    assert stats.shape == (counts.n.shape[0], 61)  # not items x 3,600
    point = A.alpha_from_stats(stats.sum(axis=0), "ordinal", values)[0]
    assert point == pytest.approx(A.alpha_from_counts(counts.n, level="ordinal", values=values), abs=1e-10)


@pytest.mark.slow
def test_metrics_on_ten_thousand_categories_stay_small() -> None:
    frame = _frame(30_000, 10_000, seed=5)
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = [le.krippendorff_alpha(frame), le.fleiss_kappa(frame), le.gwet_ac1(frame), le.light_kappa(frame)]
        values.append(le.krippendorff_alpha(frame, level="interval"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert all(np.isfinite(values))
    assert peak < 100 * 1024**2  # an items x K matrix alone would be 800 MB; K x K another 800 MB


def test_light_and_cohen_kappa_equal_the_confusion_matrix_route() -> None:
    frame = _frame(4000, 7, per_item=5, seed=6)
    codes, cats = A.label_codes(frame["label"])
    items, _ = pd.factorize(frame["item_id"])
    annotators, _ = pd.factorize(frame["annotator_id"])
    conf = A.pair_confusions(items, annotators, codes, len(cats))[2]
    for weights in (None, "linear", "quadratic"):
        assert le.light_kappa(frame, weights=weights, min_overlap=3) == pytest.approx(
            A.light_from_confusions(conf, weights=weights, min_overlap=3), abs=1e-12
        )


def test_mixed_id_types_are_merged_with_a_warning_naming_them() -> None:
    frame = pd.DataFrame(
        {"item_id": [1, 1, "1", 2, 2], "annotator_id": list("abcab"), "label": ["x", "x", "x", "y", "y"]}
    )
    with pytest.warns(UserWarning, match=r"item ids of different types print alike.*1 and '1'"):
        assert le.percent_agreement(frame) == 1.0


def test_missing_item_id_through_the_api_is_a_clear_error() -> None:
    frame = pd.DataFrame({"item_id": [1, 1, np.nan], "annotator_id": list("abc"), "label": ["x", "y", "x"]})
    with pytest.raises(le.SchemaError, match=r"item_id is missing in 1 rows \(rows 2\)"):
        le.krippendorff_alpha(frame)


def test_huge_n_boot_is_refused_by_the_python_api() -> None:
    sample = ROOT / "sample_data" / "content_safety"
    with pytest.raises(le.LimitError, match=r"n_boot: 10,000,000,000 bootstrap resamples is over the limit"):
        le.evaluate(sample, n_boot=10_000_000_000)


@pytest.mark.parametrize("column", ["item_id", "annotator_id"])
def test_missing_ids_in_the_api_give_a_clear_error(column: str) -> None:
    frame = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": list("abab"), "label": ["x", "y", "x", "x"]})
    frame.loc[3, column] = np.nan
    metrics = (
        (le.majority_vote, le.dawid_skene, le.light_kappa) if column == "item_id" else (le.dawid_skene, le.light_kappa)
    )
    for metric in metrics:  # majority vote does not need annotator ids
        with pytest.raises(le.SchemaError, match=rf"{column} is missing in 1 rows \(rows 3\)"):
            metric(frame)


@pytest.mark.slow
def test_dawid_skene_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _frame(3000, 30, seed=7)
    monkeypatch.setenv("LABELEVAL_MAX_DS_CELLS", "10")
    with pytest.raises(
        le.LimitError, match=r"Dawid-Skene: .* cells of Dawid-Skene confusion matrices.*LABELEVAL_MAX_DS_CELLS"
    ):
        le.dawid_skene(frame)
    sample = ROOT / "sample_data" / "content_safety"
    report = le.evaluate(sample, n_boot=0)  # the fit nobody asked for is skipped: no error
    assert report.annotators["ds_accuracy"].isna().all()


def test_ids_one_and_text_one_in_a_file_are_merged_with_a_note_naming_them() -> None:
    case = DATA / "broken" / "ids_one_and_text_one"
    data = le.load_data(le.load_project(case))
    assert sorted(data.annotations["item_id"].astype(str).unique()) == ["1", "2"]
    messages = " ".join(data.notes["message"])
    assert "column 'item' holds numbers and text that read the same (1 and '1', 2 and '2')" in messages


# ------------------------------------------------------------------------------------ app uploads
class _Upload:
    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.data = name, data

    @property
    def size(self) -> int:
        return len(self.data)

    def getvalue(self) -> bytes:
        return self.data


def test_a_new_upload_never_reuses_the_old_files(tmp_path: Path) -> None:
    from labeleval.ui.upload import save_uploads

    folder = tmp_path / "session" / "project"
    save_uploads([_Upload("labeleval.toml", b"[task]\n"), _Upload("v.csv", b"a\n")], folder)
    save_uploads([_Upload("v.csv", b"a\n")], folder)  # a second upload without a manifest
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == ["v.csv"]
    (folder / "labeleval.toml").write_text("written by the mapping form")  # the same upload on a rerun keeps it
    save_uploads([_Upload("v.csv", b"a\n")], folder)
    assert (folder / "labeleval.toml").is_file()


def test_uploads_are_limited_in_total_and_names_are_plain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from labeleval.ui.upload import save_uploads

    monkeypatch.setenv("LABELEVAL_MAX_UPLOAD_MB", "1")
    session = tmp_path / "session"
    save_uploads([_Upload("a.csv", b"x" * 600_000)], session / "mapped")
    with pytest.raises(le.LimitError, match=r"over the 1 MB upload limit \(upload_mb\).*LABELEVAL_MAX_UPLOAD_MB"):
        save_uploads([_Upload("b.csv", b"x" * 300_000), _Upload("c.csv", b"x" * 300_000)], session / "project")
    for bad in ("..", ".hidden.csv", ""):
        with pytest.raises(le.LabelevalError, match="not a usable file name"):
            save_uploads([_Upload(bad, b"x")], session / "project")
    with pytest.raises(le.LabelevalError, match=r"both called v\.csv"):
        save_uploads([_Upload("v.csv", b"x"), _Upload("dir/v.csv", b"y")], session / "project")
    written = save_uploads([_Upload("../../escape.csv", b"x")], session / "project")
    assert written == [session / "project" / "escape.csv"]


def test_parquet_string_column_null_on_every_row_is_read(tmp_path: Path) -> None:
    table = pa.table(
        {"item": [1, 2], "worker": ["a", "b"], "label": ["pos", "neg"], "note": pa.array([None, None], pa.string())}
    )
    pq.write_table(table, tmp_path / "v.parquet")
    raw = read_table(tmp_path / "v.parquet")
    assert raw.frame["note"].isna().all() and len(raw.frame) == 2


def test_a_session_upload_folder_goes_when_the_session_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session's upload folder is removed when its state is collected, and by the sweep once the session
    has been disconnected for longer than Streamlit's session TTL (a reconnect within the TTL keeps it)."""
    import gc
    import types

    import streamlit as st

    from labeleval.ui import upload

    holder = upload._SessionFolder()
    first = holder.path
    assert first.is_dir() and (first.stat().st_mode & 0o777) == 0o700
    del holder
    gc.collect()
    assert not first.exists()

    folder = tmp_path / "labeleval_upload_x"
    folder.mkdir()
    active = {"s1": True}
    clock = {"now": 100.0}
    runtime = types.SimpleNamespace(is_active_session=lambda session: active[session])
    monkeypatch.setattr(st.runtime, "get_instance", lambda: runtime)
    monkeypatch.setattr(st, "get_option", lambda name: 30.0)
    monkeypatch.setattr(upload, "time", types.SimpleNamespace(monotonic=lambda: clock["now"]))
    monkeypatch.setattr(upload, "_FOLDERS", {"s1": (folder, None)})
    upload._sweep()
    assert folder.is_dir()  # connected
    active["s1"] = False
    upload._sweep()  # seen disconnected: the clock starts
    clock["now"] += 20
    upload._sweep()
    assert folder.is_dir()  # within the TTL: a reconnect would find its files
    active["s1"] = True
    upload._sweep()  # reconnected: the clock resets
    active["s1"] = False
    upload._sweep()
    clock["now"] += 20  # 40 s after the first disconnect, 20 s after the second
    upload._sweep()
    assert folder.is_dir()
    clock["now"] += 11
    upload._sweep()
    assert not folder.exists() and "s1" not in upload._FOLDERS
