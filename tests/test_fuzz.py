"""Fuzzing every reader and the manifest parser: whatever the bytes, the outcome is a
``LabelevalError`` that names the file, or a table whose ledger reconciles (rows read = kept + quarantined)
— never another exception — within a bounded time.

Readers come from the registries, so a new format is fuzzed as soon as it is registered: the generic
table formats (``labeleval.io.readers.FORMATS``) and the native vendor formats
(``labeleval.io.formats.REGISTRY``). Each example mutates a valid seed file of that format (insertions,
deletions and replacements of a few bytes, truncation, duplication), or is random bytes outright.
"""

from __future__ import annotations

import atexit
import collections
import csv
import io
import json
import os
import re
import shutil
import time
import zipfile
from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings

from labeleval.errors import LabelevalError
from labeleval.io.normalize import normalize_batch
from labeleval.io.readers import FORMATS, RawTable, read_parquet, read_table
from labeleval.limits import Limits
from labeleval.project.manifest import load_project
from tests.helpers.paths import DATA
from tests.helpers.workbooks import column_letters, sheet_xlsx

FORMATS_DIR = DATA / "formats"
GOOD = "item,worker,label,secs\n1,a,pos,3\n1,b,neg,2.5\n2,a,neg,4\n2,b,neg,1\n3,a,pos,\n"
#: every example must finish within this many seconds (a hang or a quadratic blow-up fails the test)
BOUND_S = 5.0
#: ``LABELEVAL_FUZZ_EXAMPLES=2000`` runs a longer, randomised campaign; the default is small and repeatable
EXAMPLES = int(os.environ.get("LABELEVAL_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # bounded by BOUND_S below, measured around the reader alone
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 40,
    database=None,
)


def _generic_seed(fmt: str) -> bytes:
    frame = pd.read_csv(io.StringIO(GOOD), dtype=str, keep_default_na=False)
    if fmt == "csv":
        return GOOD.encode()
    if fmt == "tsv":
        return GOOD.replace(",", "\t").encode()
    if fmt == "jsonl":
        return frame.to_json(orient="records", lines=True).encode()
    if fmt == "json":
        return frame.to_json(orient="records").encode()
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.to_parquet(buffer)
    else:
        frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def _native_seeds() -> dict[str, tuple[str, bytes]]:
    """(file name, seed bytes) per registered native format that has a fixture in tests/data/formats."""
    try:
        from labeleval.io.formats import REGISTRY
    except ImportError:  # no native readers in this version
        return {}
    fixtures = {p.stem.split("_output")[0].split("_workers")[0]: p for p in sorted(FORMATS_DIR.glob("*"))}
    fixtures.setdefault("sagemaker_gt", FORMATS_DIR / "sagemaker_output.manifest")
    out = {}
    for name in REGISTRY:
        path = fixtures.get(name)
        if path is not None and path.is_file():
            out[name] = (f"export{path.suffix}", path.read_bytes()[:20_000])
        else:  # a registered reader without a fixture is still fuzzed, from random bytes and JSON records
            out[name] = ("export.json", b'[{"id": 1, "data": {}, "annotations": []}]')
    return out


NATIVE = _native_seeds()
#: more shapes a registered reader takes, each fuzzed as a seed of its own: (format, fixture, item metadata kept)
NATIVE_SHAPES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "surge-flat-csv": ("surge", "surge_flat.csv", ("text",)),
    "surge-flat-json": ("surge", "surge_flat.json", ()),
    "scale-genai-v2": ("scale", "scale_v2.json", ("metadata.lang", "metadata")),
    "label-studio-metadata": ("label_studio", "label_studio.json", ("data.text", "data")),
}


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "repeat"]))
        chunk = draw(
            st.one_of(
                st.binary(min_size=1, max_size=6),
                st.sampled_from(
                    [
                        b'"',
                        b",",
                        b"\t",
                        b"\n",
                        b"\r\n",
                        b"{",
                        b"}",
                        b"[",
                        b"]",
                        b"\x00",
                        b"\xef\xbb\xbf",
                        b"=cmd",
                        b"NaN",
                        b"inf",
                        b"1e308",
                        b"-",
                        b"null",
                        b"\xff\xfe",
                        b"[[[[[[[[",
                        b"[" * 3000,
                        b'{"a":' * 2000,
                        b"\\",
                    ]
                ),
            )
        )
        if op == "insert":
            data[at:at] = chunk
        elif op == "delete":
            del data[at : at + len(chunk)]
        elif op == "replace":
            data[at : at + len(chunk)] = chunk
        elif op == "truncate":
            del data[at:]
        elif data:
            data[at:at] = data[max(0, at - 40) : at] * draw(st.integers(1, 20))
    return bytes(data)


#: examples per test and outcome ("read" or "refused"), written as JSON at exit to ``LABELEVAL_FUZZ_TALLY``
#: when it is set, so a long campaign (benchmarks/fuzz_readers.py) counts the examples that really ran
TALLY: collections.Counter[str] = collections.Counter()


@atexit.register
def _write_tally() -> None:
    target = os.environ.get("LABELEVAL_FUZZ_TALLY")
    if target and TALLY:
        Path(target).write_text(json.dumps(dict(TALLY)), encoding="utf-8")


def _check(call: object, name: str) -> None:
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[-1].split(" ")[0]
    start = time.perf_counter()
    outcome = "read"
    try:
        call()  # type: ignore[operator]
    except LabelevalError as exc:
        outcome = "refused"
        assert name in str(exc) or "labeleval.toml" in str(exc) or "LABELEVAL_MAX" in str(exc), str(exc)
    assert time.perf_counter() - start < BOUND_S
    TALLY[f"{test} {outcome}"] += 1


def _reconciles(raw: RawTable, name: str, data: bytes | None = None, *, native: bool = False) -> None:
    """Rows read = kept + quarantined after normalising (a native reader's columns are canonical already; a
    generated table's are item, worker, label, secs)."""
    columns = {"item_id": "item", "annotator_id": "worker"} if raw.fmt in FORMATS and not native else {}
    if columns and "secs" in raw.frame.columns:  # (generated sheets and tables have no durations)
        columns["duration_s"] = "secs"
    frame, quarantine, _ = normalize_batch(raw, file=name, vendor="V", columns=columns, labels=["pos", "neg"])
    assert raw.rows_read == len(frame) + len(quarantine)
    assert (quarantine["line"] > 0).all()
    if data is not None and raw.fmt in ("csv", "tsv", "jsonl"):
        _accounts_for_lines(raw, data)


def _accounts_for_lines(raw: RawTable, data: bytes) -> None:
    """Every record a text file's lines hold is read or set aside, each under a line of its own: no record is
    lost inside another. JSONL: one record per non-blank line. CSV/TSV: one per non-blank line but the header,
    except the continuation lines of a field quoted over several lines (so exactly that when the file holds no
    quote)."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if raw.fmt == "jsonl":
        physical = text.splitlines()
        expected = sum(1 for line in physical if line.strip())
        assert raw.rows_read == expected, (raw.rows_read, expected)
    else:
        physical = re.split(r"\r\n|\r|\n", text)
        blank = " " if raw.fmt == "tsv" else " \t"  # pandas skips lines of spaces and tabs, the separator aside
        nonblank = sum(1 for line in physical if line.strip(blank))
        if '"' not in text:
            assert raw.rows_read == max(nonblank - 1, 0), (raw.rows_read, nonblank)
        else:
            assert raw.rows_read <= max(nonblank - 1, 0), (raw.rows_read, nonblank)
    claimed = [*raw.line.tolist(), *(line for line, _ in raw.malformed)]
    assert len(claimed) == len(set(claimed)), "two records claim the same line"
    assert all(1 <= line <= len(physical) for line in claimed)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_fuzz_generic_readers(fmt: str, tmp_path: Path) -> None:
    seed = _generic_seed(fmt)
    path = tmp_path / f"v{FORMATS[fmt][0]}"

    @FUZZ
    @given(data=mutated(seed))
    def run(data: bytes) -> None:
        path.write_bytes(data)

        def read_and_normalise() -> None:
            raw = read_table(path)
            _reconciles(raw, path.name, data)

        _check(read_and_normalise, path.name)

    run()


@pytest.mark.parametrize("fmt", list(NATIVE))
def test_fuzz_native_readers(fmt: str, tmp_path: Path) -> None:
    from labeleval.io.formats import REGISTRY, ReadOptions, read_native

    filename, seed = NATIVE[fmt]
    path = tmp_path / filename

    @FUZZ
    @given(data=mutated(seed))
    def run(data: bytes) -> None:
        path.write_bytes(data)

        def read_and_normalise() -> None:
            raw = read_native(path, fmt, name=path.name, options=ReadOptions(), columns={})
            _reconciles(raw, path.name, native=True)
            if REGISTRY[fmt].read_gold is not None:
                read_native(path, fmt, name=path.name, options=ReadOptions(), gold=True)

        _check(read_and_normalise, path.name)

    run()


@pytest.mark.parametrize("shape", list(NATIVE_SHAPES))
def test_fuzz_native_shapes(shape: str, tmp_path: Path) -> None:
    from labeleval.io.formats import ReadOptions, read_native

    fmt, fixture, metadata = NATIVE_SHAPES[shape]
    seed = (FORMATS_DIR / fixture).read_bytes()
    options = ReadOptions(metadata=metadata)
    path = tmp_path / f"export{Path(fixture).suffix}"

    @FUZZ
    @given(data=mutated(seed))
    def run(data: bytes) -> None:
        path.write_bytes(data)

        def read_and_normalise() -> None:
            _reconciles(read_native(path, fmt, name=path.name, options=options, columns={}), path.name, native=True)

        _check(read_and_normalise, path.name)

    run()


JOB = FORMATS_DIR / "sagemaker_job"


def test_fuzz_sagemaker_worker_responses(tmp_path: Path) -> None:
    """The output manifest and one worker-response file mutated together: joined, set aside, or a clear error."""
    from labeleval.io.formats import ReadOptions, read_native

    shutil.copytree(JOB, tmp_path / "job")
    manifest = tmp_path / "job" / "manifests" / "output" / "output.manifest"
    response = next((tmp_path / "job" / "annotations" / "worker-response").rglob("*.json"))
    seeds = (manifest.read_bytes(), response.read_bytes())
    responses = tmp_path / "job" / "annotations" / "worker-response"
    options = ReadOptions(worker_responses=responses, item_field="item_id", metadata=("lang",))

    @FUZZ
    @given(data=mutated(seeds[0]), answer=mutated(seeds[1]))
    def run(data: bytes, answer: bytes) -> None:
        manifest.write_bytes(data)
        response.write_bytes(answer)

        def read_and_normalise() -> None:
            raw = read_native(manifest, "sagemaker_gt", name=manifest.name, options=options)
            _reconciles(raw, manifest.name, native=True)

        _check(read_and_normalise, manifest.name)

    run()


MANIFEST_SEED = b"""[task]
name = "t"
kind = "ordinal"
labels = ["1", "2", "3"]
tolerance = 1

[gold]
path = "gold.csv"
columns = { item_id = "item" }

[usability]
rule = "gold_or_consensus"
min_confidence = 0.8

[data]
duplicates = "keep_first"

[quality]
too_fast_s = 2.0

[[vendors]]
name = "V"
path = "v.csv"
columns = { item_id = "item", annotator_id = "worker", duration_s = "secs" }
duration_unit = "ms"
label_map = { one = "1" }
pricing = { model = "hourly", rate = 40.0, currency = "USD", fee_pct = 5 }
"""


def test_fuzz_manifest_parser(tmp_path: Path) -> None:
    (tmp_path / "gold.csv").write_text("item,label\n1,1\n")
    (tmp_path / "v.csv").write_text(GOOD)
    manifest = tmp_path / "labeleval.toml"

    @settings(FUZZ, max_examples=EXAMPLES * 4)
    @given(data=mutated(MANIFEST_SEED))
    def run(data: bytes) -> None:
        manifest.write_bytes(data)
        _check(lambda: load_project(tmp_path), "labeleval.toml")

    run()


CSV_ALPHABET = 'ab1 ,"\t\n\r'


@FUZZ
@given(
    rows=st.lists(st.lists(st.text(CSV_ALPHABET, max_size=6), min_size=4, max_size=4), max_size=30),
    quoting=st.sampled_from(["proper", "raw"]),
    sep=st.sampled_from([",", "\t"]),
)
def test_fuzz_delimited_records(
    rows: list[list[str]], quoting: str, sep: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Records written with the csv module (every record read: none lost, none split) or joined raw (stray
    quotes, separators and line breaks anywhere): either way every line's record is read or set aside."""
    path = tmp_path_factory.mktemp("csv") / ("v.csv" if sep == "," else "v.tsv")
    header = ["item", "worker", "label", "secs"]
    if quoting == "proper":
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=sep, lineterminator="\n").writerows([header, *rows])
        text = buffer.getvalue()
    else:
        text = "\n".join(sep.join(r) for r in [header, *rows]) + "\n"
    data = text.encode()
    path.write_bytes(data)
    read: list[RawTable] = []

    def read_and_normalise() -> None:
        raw = read_table(path)
        _reconciles(raw, path.name, data)
        read.append(raw)

    _check(read_and_normalise, path.name)
    single_line = not any(ch in field for r in rows for field in r for ch in "\r\n")
    if quoting == "proper" and single_line:  # a well-quoted file: every record read, each on its own line
        assert read and read[0].rows_read == len(rows)  # four fields: three separators, never a blank line


@st.composite
def sheets(draw: st.DrawFn) -> tuple[dict[str, str], str | None]:
    cells = {"A1": "item", "B1": "worker", "C1": "label"}
    for _ in range(draw(st.integers(0, 8))):
        row = draw(st.one_of(st.integers(2, 40), st.integers(2, 300_000), st.just(1_048_576)))
        column = draw(st.one_of(st.integers(1, 5), st.integers(1, 16_384)))
        cells[f"{column_letters(column)}{row}"] = draw(st.sampled_from(["1", "a", "pos", "neg", "", "&amp;", "x y"]))
    dimension = draw(st.one_of(st.none(), st.sampled_from(["A1:C3", "A1:XFD1048576", "A1", "B2:A1"])))
    return cells, dimension


@FUZZ
@given(sheet=sheets(), mutate=st.booleans(), data=st.data())
def test_fuzz_xlsx_sheets(
    sheet: tuple[dict[str, str], str | None],
    mutate: bool,
    data: st.DataObject,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Workbooks with cells anywhere up to XFD1048576, with and without a dimension, and with their sheet XML
    mutated: refused before decoding, or read with every non-blank row accounted for."""
    cells, dimension = sheet
    path = tmp_path_factory.mktemp("xlsx") / "v.xlsx"
    mangle = None
    if mutate:
        xml = zipfile.ZipFile(io.BytesIO(sheet_xlsx(cells, dimension))).read("xl/worksheets/sheet1.xml")
        mangle = data.draw(mutated(xml))
    path.write_bytes(sheet_xlsx(cells, dimension, mangle))
    read: list[RawTable] = []

    def read_and_normalise() -> None:
        raw = read_table(path)
        _reconciles(raw, path.name)
        read.append(raw)

    _check(read_and_normalise, path.name)
    if read and not mutate:
        rows = {int(re.sub(r"[A-Z]", "", ref)) for ref, value in cells.items() if value} - {1}
        assert read[0].rows_read == len(rows)


@st.composite
def parquet_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 30))
    frame = pd.DataFrame(
        {
            "item": [str(draw(st.integers(0, 5))) for _ in range(n)],
            "worker": [draw(st.sampled_from(["a", "b", None])) for _ in range(n)],
            "label": [draw(st.sampled_from(["pos", "neg", "", None])) for _ in range(n)],
        }
    )
    if draw(st.booleans()):
        frame["tags"] = [draw(st.lists(st.integers(0, 3), max_size=draw(st.integers(0, 400)))) for _ in range(n)]
    if draw(st.booleans()):
        frame["meta"] = [{"k": draw(st.integers(0, 9)), "v": draw(st.text(max_size=3))} for _ in range(n)]
    return frame


@FUZZ
@given(frame=parquet_tables(), decoded_mb=st.sampled_from([1, 1000]), rows_per_group=st.integers(1, 40))
def test_fuzz_parquet_tables(
    frame: pd.DataFrame, decoded_mb: int, rows_per_group: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Parquet files with list and struct columns, several row groups, under a small and the default decoded
    size: refused before decoding or read whole, the whole file and its row groups alike."""
    path = tmp_path_factory.mktemp("parquet") / "v.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=rows_per_group)
    limits = Limits(decoded_mb=decoded_mb)
    whole: list[RawTable] = []

    def read_and_normalise() -> None:
        raw = read_parquet(path, path.name, limits)
        _reconciles(raw, path.name)
        whole.append(raw)
        groups = pq.ParquetFile(path).metadata.num_row_groups
        before = 0
        for g in range(groups):
            part = read_parquet(path, path.name, limits, row_group=g, rows_before=before)
            before += part.rows_read
        assert before == raw.rows_read == len(frame)

    _check(read_and_normalise, path.name)


@FUZZ
@given(
    records=st.lists(
        st.dictionaries(
            st.text("abcdefgh.", min_size=1, max_size=3),
            st.one_of(st.integers(), st.text(max_size=3), st.dictionaries(st.text("xyz", max_size=2), st.integers())),
            max_size=6,
        ),
        max_size=40,
    ),
    lines=st.booleans(),
    columns=st.integers(1, 30),
)
def test_fuzz_json_keys(
    records: list[dict[str, object]], lines: bool, columns: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """JSON records with many distinct keys, flat and nested, under a small columns limit: refused with the
    limit's error, or read with no more columns than the limit."""
    path = tmp_path_factory.mktemp("json") / ("v.jsonl" if lines else "v.json")
    data = ("\n".join(json.dumps(r) for r in records) if lines else json.dumps(records)).encode()
    path.write_bytes(data or b"\n")
    read: list[RawTable] = []

    def read_and_normalise() -> None:
        raw = read_table(path, limits=Limits(columns=columns))
        read.append(raw)  # before normalising: random keys rarely include the mapped columns
        _reconciles(raw, path.name, data if lines else None)

    _check(read_and_normalise, path.name)
    if read:
        assert read[0].frame.shape[1] <= columns
        assert read[0].rows_read == len(records)
