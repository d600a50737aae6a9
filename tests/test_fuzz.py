"""Fuzzing every reader and the manifest parser: whatever the bytes, the outcome is a
``LabelevalError`` that names the file, or a table whose ledger reconciles (rows read = kept + quarantined)
— never another exception — within a bounded time.

Readers come from the registries, so a new format is fuzzed as soon as it is registered: the generic
table formats (``labeleval.io.readers.FORMATS``) and the native vendor formats
(``labeleval.io.formats.REGISTRY``). Each example mutates a valid seed file of that format (insertions,
deletions and replacements of a few bytes, truncation, duplication), or is random bytes outright.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from labeleval.errors import LabelevalError
from labeleval.io.normalize import normalize_batch
from labeleval.io.readers import FORMATS, RawTable, read_table
from labeleval.project.manifest import load_project
from tests.helpers.paths import DATA

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


def _check(call: object, name: str) -> None:
    start = time.perf_counter()
    try:
        call()  # type: ignore[operator]
    except LabelevalError as exc:
        assert name in str(exc) or "labeleval.toml" in str(exc) or "LABELEVAL_MAX" in str(exc), str(exc)
    assert time.perf_counter() - start < BOUND_S


def _reconciles(raw: RawTable, name: str) -> None:
    columns = {"item_id": "item", "annotator_id": "worker", "duration_s": "secs"} if raw.fmt in FORMATS else {}
    frame, quarantine, _ = normalize_batch(raw, file=name, vendor="V", columns=columns, labels=["pos", "neg"])
    assert raw.rows_read == len(frame) + len(quarantine)
    assert (quarantine["line"] > 0).all()


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
            _reconciles(raw, path.name)

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
            _reconciles(raw, path.name)
            if REGISTRY[fmt].read_gold is not None:
                read_native(path, fmt, name=path.name, options=ReadOptions(), gold=True)

        _check(read_and_normalise, path.name)

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
