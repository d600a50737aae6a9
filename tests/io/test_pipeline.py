"""The in-memory, streamed and Dask engines give the same Report.

One 1e5-judgment project (3 vendors in Parquet files of many row groups, 20% gold, 5 labels per item, bad rows
and duplicate judgments spread over the row groups, hourly and per-item pricing) goes through each engine:
counts, point estimates, intervals (same seed) and the ledger must be equal. The bad-input corpus goes
through the streamed engine with the in-memory engine's errors and ledger codes.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import labeleval as le
from labeleval.io.chunk import value_hashes
from labeleval.io.combine import Dictionary, combine
from labeleval.io.dataset import Dataset
from labeleval.io.pipeline import load, load_data
from labeleval.io.plan import plan, plan_files
from labeleval.io.stream import choose_engine, one_at_a_time
from labeleval.options import Engine
from labeleval.project.manifest import load_project
from tests.helpers.paths import DATA
from tests.helpers.projects import assert_same_report, write_project


def load_stream(project: le.Project) -> Dataset:
    return load(project, Engine.STREAM)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("engines") / "p")


@pytest.fixture(scope="module")
def memory_report(project: Path) -> le.Report:
    return le.evaluate(project, n_boot=200, seed=3, engine="memory")


@pytest.mark.slow
def test_the_project_is_chunked_and_holds_what_the_test_needs(project: Path, memory_report: le.Report) -> None:
    tasks = plan(load_project(project))
    assert len(tasks) > 20 and all(t.row_group is not None for t in tasks)
    assert int(memory_report.summary["n_judgments"].sum()) > 90_000
    reasons = set(memory_report.quarantine["reason"])
    assert {"UNKNOWN_LABEL", "MISSING_VALUE", "NEGATIVE_DURATION", "DUPLICATE_JUDGMENT"} <= reasons
    dups = memory_report.quarantine[memory_report.quarantine["reason"] == "DUPLICATE_JUDGMENT"]
    assert (dups["column"] == "worker").all()  # the annotator column, with the annotator's id as its value
    assert dups["value"].astype(str).str.fullmatch(r"[ABC]w\d+").all(), dups["value"].head()


@pytest.mark.slow
def test_streamed_engine_gives_the_in_memory_report(project: Path, memory_report: le.Report) -> None:
    seen: list[tuple[int, int]] = []
    report = le.evaluate(project, n_boot=200, seed=3, engine="stream", progress=lambda d, t: seen.append((d, t)))
    assert_same_report(memory_report, report)
    assert seen[-1][0] == seen[-1][1] == int(memory_report.ledger.query("vendor != 'gold'")["rows_read"].sum())


@pytest.mark.dask
@pytest.mark.slow
def test_dask_engine_on_a_two_worker_local_cluster_gives_the_in_memory_report(
    project: Path, memory_report: le.Report
) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        report = le.evaluate(project, n_boot=200, seed=3, engine="dask", scheduler=client)
    assert_same_report(memory_report, report)


@pytest.mark.slow
def test_the_data_itself_is_the_same(project: Path) -> None:
    p = load_project(project)
    a, b = load_data(p), load_stream(p)
    pd.testing.assert_frame_equal(a.ledger, b.ledger)
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
    for name, billing in a.billing.items():  # sums over chunks: equal up to float round-off
        got = dataclasses.asdict(b.billing[name])
        assert got == pytest.approx(dataclasses.asdict(billing), rel=1e-12)
    for column in ("item_id", "annotator_id", "label"):
        assert (a.annotations[column].astype(str).to_numpy() == b.annotations[column].astype(str).to_numpy()).all()
    assert isinstance(b.annotations["item_id"].dtype, pd.CategoricalDtype)  # codes, not one string per row


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["keep_first", "error"])
def test_duplicate_policies_hold_across_row_groups(tmp_path: Path, policy: str) -> None:
    folder = write_project(tmp_path / "p", 15_000, duplicates=policy, seed=1)
    if policy == "error":
        with pytest.raises(le.LabelevalError) as memory:
            le.evaluate(folder, n_boot=0, engine="memory")
        with pytest.raises(le.LabelevalError) as stream:
            le.evaluate(folder, n_boot=0, engine="stream")
        assert str(memory.value) == str(stream.value)
        assert re.search(r"A\.parquet: \d+ duplicate judgments .* at row \d+", str(stream.value))
        return
    assert_same_report(le.evaluate(folder, n_boot=50, engine="memory"), le.evaluate(folder, n_boot=50, engine="stream"))


def test_the_in_memory_engine_is_the_pipeline_with_one_chunk_per_file(tmp_path: Path) -> None:
    """``memory`` plans one whole-file chunk per vendor (which finds its own duplicates, as one file read whole
    does) and combines them as the chunked engines do; threads or one at a time, the same Dataset."""
    folder = write_project(tmp_path / "p", 15_000, duplicates="keep_first", seed=3)
    project = load_project(folder)
    tasks = plan_files(project)
    assert [(t.name, t.row_group, t.lines, t.only_chunk) for t in tasks] == [
        (f"{v}.parquet", None, None, True) for v in "ABC"
    ]
    assert not any(t.only_chunk for t in plan(project))  # row groups: duplicates are found across them
    threads, plain = load_data(project, n_jobs=2), combine(project, tasks, one_at_a_time)
    for name in ("annotations", "ledger", "quarantine", "notes"):
        pd.testing.assert_frame_equal(getattr(threads, name), getattr(plain, name), check_exact=True)
    assert threads.billing == plain.billing
    assert "DUPLICATE_JUDGMENT" in set(threads.quarantine["reason"])


def test_the_first_vendor_s_error_is_raised_first(tmp_path: Path) -> None:
    """A duplicate judgment under ``duplicates = "error"`` in the first vendor's file is the error, not a later
    vendor's missing file, whichever engine reads."""
    folder = write_project(tmp_path / "p", 6_000, duplicates="error", seed=4)
    (folder / "C.parquet").write_bytes(b"not parquet")  # read after A, and unreadable
    for engine in ("memory", "stream"):
        with pytest.raises(le.LabelevalError, match=r"^A\.parquet: \d+ duplicate judgments"):
            load(load_project(folder), engine, n_jobs=3)


def test_a_folder_of_parquet_files_is_one_vendor(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "p", 15_000, seed=2)
    whole = pd.read_parquet(folder / "B.parquet")
    parts = folder / "B_parts" / "month=1"
    parts.mkdir(parents=True)
    for i, piece in enumerate(np.array_split(np.arange(len(whole)), 3)):
        whole.iloc[piece].to_parquet(parts / f"part-{i}.parquet", row_group_size=2000)
    manifest = folder / "labeleval.toml"
    manifest.write_text(manifest.read_text().replace('path = "B.parquet"', 'path = "B_parts"'))
    project = load_project(folder)
    assert choose_engine(project, "memory") == Engine.STREAM  # a folder is always read chunk by chunk
    report = le.evaluate(folder, n_boot=0, engine="auto")
    assert set(report.ledger["file"]) >= {f"B_parts/month=1/part-{i}.parquet" for i in range(3)}
    row = report.summary.set_index("vendor").loc["B"]
    assert row["n_judgments"] == report.ledger.query("vendor == 'B'")["kept"].sum()
    manifest.write_text(manifest.read_text().replace('path = "B_parts"', 'path = "B_parts/**/*.parquet"'))
    assert le.evaluate(folder, n_boot=0).summary.equals(report.summary)


def test_dictionary_unifies_values_across_chunks_and_survives_collisions() -> None:
    d = Dictionary()
    first = np.asarray(["b", "a", "c"], dtype=object)
    assert d.add(first, value_hashes(first)).tolist() == [0, 1, 2]
    second = np.asarray(["c", "d", "a"], dtype=object)
    assert d.add(second, value_hashes(second)).tolist() == [2, 3, 1]
    clash = np.asarray(["e", "f"], dtype=object)  # forged equal hashes: compared as values, not trusted
    assert d.add(clash, np.asarray(value_hashes(np.asarray(["a", "a"], dtype=object)))).tolist() == [4, 5]
    assert d.values.tolist() == ["b", "a", "c", "d", "e", "f"]
    again = np.asarray(["f", "a", "g"], dtype=object)
    assert d.add(again, value_hashes(again)).tolist() == [5, 1, 6]


BROKEN = DATA / "broken"
CASES = sorted(p for p in BROKEN.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_corpus_through_the_streamed_engine(case: Path) -> None:
    """The same error (type and message), or the same ledger, quarantine and notes, as in memory."""
    try:
        expected = le.evaluate(case, n_boot=10, engine="memory")
    except le.LabelevalError as exc:
        with pytest.raises(type(exc)) as got:
            le.evaluate(case, n_boot=10, engine="stream")
        assert str(got.value) == str(exc)
        return
    report = le.evaluate(case, n_boot=10, engine="stream")
    pd.testing.assert_frame_equal(expected.ledger, report.ledger)
    pd.testing.assert_frame_equal(expected.quarantine, report.quarantine)
    pd.testing.assert_frame_equal(expected.notes, report.notes)
    assert_same_report(expected, report)


@pytest.mark.slow
def test_cli_engine_option_prints_the_same_table(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from labeleval.cli.main import main

    assert main(["score", str(project), "--n-boot", "50", "--engine", "memory"]) == 0
    memory = capsys.readouterr().out
    assert main(["score", str(project), "--n-boot", "50", "--engine", "stream"]) == 0
    assert capsys.readouterr().out == memory


def test_progress_bar_on_a_log_writes_a_line_per_tenth() -> None:
    import io

    from labeleval.cli.progress import ProgressBar

    out = io.StringIO()
    bar = ProgressBar(out)
    for done in range(0, 1001, 50):
        bar(done, 1000)
    lines = out.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1].startswith("reading [" + "#" * 30 + "] 100%  1,000 / 1,000 rows")


@pytest.mark.slow
def test_vendor_data_on_object_storage_by_fsspec_url(tmp_path: Path) -> None:
    """A vendor path may be an fsspec URL (s3://, gs://, az:// ...; here fsspec's in-memory store), with
    --allow-outside only; every file's row groups are chunks, and the Report is the local files' Report."""
    fsspec = pytest.importorskip("fsspec")
    folder = write_project(tmp_path / "p", 15_000, seed=4)
    local = le.evaluate(folder, n_boot=50, engine="memory")
    store = fsspec.filesystem("memory")
    whole = pd.read_parquet(folder / "C.parquet")
    for i, piece in enumerate(np.array_split(np.arange(len(whole)), 2)):
        with store.open(f"/labeleval-test/C/part-{i}.parquet", "wb") as handle:
            whole.iloc[piece].to_parquet(handle, row_group_size=3000)
    manifest = folder / "labeleval.toml"
    manifest.write_text(
        manifest.read_text().replace('path = "C.parquet"', 'path = "memory://labeleval-test/C/*.parquet"')
    )
    with pytest.raises(le.LabelevalError, match=r"is a URL, outside the project folder.*--allow-outside"):
        load_project(folder)
    project = load_project(folder, allow_outside=True)
    assert choose_engine(project, "auto") == Engine.STREAM
    remote = le.evaluate(project, n_boot=50)
    files = remote.ledger.query("vendor == 'C'")["file"].tolist()
    assert [re.sub("memory:/+", "memory://", f) for f in files] == [
        f"memory://labeleval-test/C/part-{i}.parquet" for i in range(2)
    ]
    for name in ("summary", "agreement", "accuracy", "annotators", "comparisons", "cost"):
        pd.testing.assert_frame_equal(getattr(local, name), getattr(remote, name), check_dtype=False, rtol=1e-12)
    store.rm("/labeleval-test", recursive=True)


def test_validate_reads_a_folder_of_parquet_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from labeleval.cli.main import main

    folder = write_project(tmp_path / "p", 6_000, seed=5)
    parts = folder / "A_parts"
    parts.mkdir()
    pd.read_parquet(folder / "A.parquet").to_parquet(parts / "part-0.parquet")
    manifest = folder / "labeleval.toml"
    manifest.write_text(manifest.read_text().replace('path = "A.parquet"', 'path = "A_parts"'))
    assert main(["validate", str(folder)]) == 0
    assert "A_parts/part-0.parquet" in capsys.readouterr().out


def test_a_column_missing_on_every_row_of_a_chunk(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "p", 15_000, seed=6)
    frame = pd.read_parquet(folder / "A.parquet")
    batch = np.char.add("week-", (np.arange(len(frame)) % 3).astype(str)).astype(object)
    batch[:4000] = None
    frame["batch"] = batch
    frame.to_parquet(folder / "A.parquet", row_group_size=4000)  # the first row group has no batch at all
    manifest = folder / "labeleval.toml"
    manifest.write_text(
        manifest.read_text().replace('duration_s = "secs" }', 'duration_s = "secs", batch_id = "batch" }', 1)
    )
    project = load_project(folder)
    a, b = load_data(project), load_stream(project)
    assert b.annotations["batch_id"].isna().sum() == a.annotations["batch_id"].isna().sum() > 0
    left = a.annotations["batch_id"].astype(object).fillna("-").to_numpy()
    assert (left == b.annotations["batch_id"].astype(object).fillna("-").to_numpy()).all()


def _jsonl_project(folder: Path, seed: int = 7) -> Path:
    """The synthetic project with vendor B as JSONL: blank lines and malformed records among the rows."""
    folder = write_project(folder, 15_000, seed=seed)
    frame = pd.read_parquet(folder / "B.parquet")
    lines = [json.dumps({k: (None if pd.isna(v) else v) for k, v in row.items()}) for row in frame.to_dict("records")]
    for at in range(500, len(lines), 1700):
        lines[at] = "{not json"
    for at in range(900, len(lines), 2300):
        lines.insert(at, "")
    (folder / "B.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = folder / "labeleval.toml"
    manifest.write_text(manifest.read_text().replace('path = "B.parquet"', 'path = "B.jsonl"'))
    return folder


@pytest.mark.slow
def test_jsonl_read_in_blocks_of_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import labeleval.io.plan as chunks

    folder = _jsonl_project(tmp_path / "p")
    monkeypatch.setattr(chunks, "TEXT_BLOCK_BYTES", 60_000)
    tasks = [t for t in plan(load_project(folder)) if t.name == "B.jsonl"]
    assert len(tasks) > 4 and all(t.lines is not None for t in tasks)
    memory = le.evaluate(folder, n_boot=50, engine="memory")
    assert "MALFORMED_RECORD" in set(memory.quarantine["reason"])
    assert_same_report(memory, le.evaluate(folder, n_boot=50, engine="stream"))
    path = folder / "B.jsonl"  # an undecodable byte in a later block: the same message (line and column)
    data = bytearray(path.read_bytes())
    data[data.index(b"\n", len(data) * 2 // 3) + 3] = 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(le.LabelevalError) as memory_error:
        le.evaluate(folder, n_boot=0, engine="memory")
    with pytest.raises(le.LabelevalError) as stream_error:
        le.evaluate(folder, n_boot=0, engine="stream")
    assert str(stream_error.value) == str(memory_error.value)
    assert re.search(r"B\.jsonl line \d+, column 3: byte 0xff", str(stream_error.value))


def test_jsonl_with_unusual_line_breaks_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import labeleval.io.plan as chunks

    folder = _jsonl_project(tmp_path / "p", seed=8)
    path = folder / "B.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("{not json", "{not\u2028json", 1), encoding="utf-8")
    monkeypatch.setattr(chunks, "TEXT_BLOCK_BYTES", 60_000)
    assert [t.lines for t in plan(load_project(folder)) if t.name == "B.jsonl"] == [None]
    memory = le.evaluate(folder, n_boot=0, engine="memory")
    pd.testing.assert_frame_equal(memory.quarantine, le.evaluate(folder, n_boot=0, engine="stream").quarantine)


@pytest.mark.slow
def test_csv_read_in_blocks_that_end_outside_quoted_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import labeleval.io.plan as chunks

    folder = write_project(tmp_path / "p", 15_000, seed=9)
    frame = pd.read_parquet(folder / "A.parquet")
    frame["note"] = np.where(np.arange(len(frame)) % 7 == 0, 'two\nlines, "quoted"', "plain")  # fields span lines
    text = frame.to_csv(index=False)
    lines = text.split("\n")
    for at in range(1000, len(lines), 2600):
        lines.insert(at, "")  # blank lines are skipped, and counted
    (folder / "A.csv").write_text("\n".join(lines), encoding="utf-8")
    manifest = folder / "labeleval.toml"
    manifest.write_text(manifest.read_text().replace('path = "A.parquet"', 'path = "A.csv"'))
    monkeypatch.setattr(chunks, "TEXT_BLOCK_BYTES", 30_000)
    tasks = [t for t in plan(load_project(folder)) if t.name == "A.csv"]
    assert len(tasks) > 4 and tasks[0].header is None and tasks[1].header == ",".join(frame.columns)
    memory = le.evaluate(folder, n_boot=50, engine="memory")
    assert_same_report(memory, le.evaluate(folder, n_boot=50, engine="stream"))
    ragged = (folder / "A.csv").read_text(encoding="utf-8").split("\n")  # a row with a field too many, late on
    ragged[len(ragged) * 3 // 4] += ",extra"
    (folder / "A.csv").write_text("\n".join(ragged), encoding="utf-8")
    with pytest.raises(le.LabelevalError) as memory_error:
        le.evaluate(folder, n_boot=0, engine="memory")
    with pytest.raises(le.LabelevalError) as stream_error:
        le.evaluate(folder, n_boot=0, engine="stream")
    assert str(stream_error.value) == str(memory_error.value)


def test_auto_streams_by_parquet_rows_as_well_as_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parquet compresses well: ``auto`` also counts the rows its footers declare (engine/stream.py)."""
    from labeleval.io import stream

    folder = write_project(tmp_path / "p", 15_000, seed=4)
    project = load_project(folder)
    rows = sum(pq.ParquetFile(folder / f"{v}.parquet").metadata.num_rows for v in "ABC")
    assert choose_engine(project, "auto") == Engine.MEMORY
    monkeypatch.setattr(stream, "AUTO_STREAM_ROWS", rows - 1)
    assert choose_engine(project, "auto") == Engine.STREAM
    assert choose_engine(project, "memory") == Engine.MEMORY  # asked for: as asked
    monkeypatch.setattr(stream, "AUTO_STREAM_ROWS", rows)
    assert choose_engine(project, "auto") == Engine.MEMORY
    (folder / "C.parquet").write_bytes(b"not parquet")  # a footer that cannot be read counts no rows here:
    monkeypatch.setattr(stream, "AUTO_STREAM_ROWS", 0)  # the reader says what is wrong with the file
    assert choose_engine(project, "auto") == Engine.STREAM  # A and B still count
    with pytest.raises(le.LabelevalError, match=r"C\.parquet"):
        le.evaluate(project, n_boot=0)
