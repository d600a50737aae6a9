"""Time and peak memory of each engine (memory, stream, dask) at 1e6, 1e7 and 1e8 judgments.

The project: 3 vendors, 5 labels per item from each vendor, 5 classes, 20% gold items, a pool of annotators per
vendor, duration per judgment, Parquet. The generator writes it block by block (``pyarrow.parquet.ParquetWriter``,
one row group per block of 1e6 rows) and never holds more than one block: a vendor's rows go to one file while
they fit the per-file row limit (20M rows), else to a folder of part files (a partitioned dataset, read chunk by
chunk by every engine).

Each measurement runs ``evaluate(project, engine=..., n_boot=1000)`` end to end (reading, ledger, Dawid-Skene and
every metric, bootstrap intervals, comparisons) in a fresh subprocess, whose peak memory (max RSS) is its own.
The Dask engine runs on a local cluster of 2 in-process workers (threads), so its memory is counted too.

Usage:
    python benchmarks/bench_scale.py                          # 1e6 and 1e7, every engine
    python benchmarks/bench_scale.py --sizes 1e8 --engines stream
    python benchmarks/bench_scale.py --sizes 1e6 --engines memory,stream --n-boot 200
    python benchmarks/bench_scale.py --sizes 1e8 --engines memory --one-file --max-gb 21   # one file per vendor

Projects are written once to benchmarks/out/scale/ (about 1.2 GB at 1e8; --data DIR to put them elsewhere).
Prints a Markdown table and adds the rows to benchmarks/out/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VENDORS = ("A", "B", "C")
ACCURACY = (0.7, 0.8, 0.9)
K = 5
PER_ITEM = 5
BLOCK_ROWS = 1_000_000  # rows per row group (and per block the generator holds)
FILE_ROWS = 20_000_000  # the default per-file row limit: above it a vendor's rows go to a folder of parts


def pool_size(n_items: int) -> int:
    """Annotators per vendor: 500 at small sizes, growing to about 1 per 1,000 items."""
    return max(500, n_items // 1000)


def make_project(n_judgments: int, folder: Path, seed: int = 0, file_rows: int = FILE_ROWS) -> Path:
    """Write the project (see the module docstring) unless it is there; return its folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    manifest = folder / "labeleval.toml"
    if manifest.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_items = n_judgments // (len(VENDORS) * PER_ITEM)
    pool = pool_size(n_items)
    labels = np.asarray([f"c{k}" for k in range(K)], dtype=object)
    items_per_block = BLOCK_ROWS // PER_ITEM
    truth_p = [0.5, 0.2, 0.15, 0.1, 0.05]
    truth_seed = int(rng.integers(2**31))
    gold_writer = pq.ParquetWriter(
        folder / "gold.parquet", pa.schema([("item_id", pa.string()), ("label", pa.string())])
    )
    for start in range(0, n_items, items_per_block):  # gold: 20% of the items, block by block
        stop = min(start + items_per_block, n_items)
        truth = np.random.default_rng([truth_seed, start]).choice(K, stop - start, p=truth_p)
        gold = np.random.default_rng([truth_seed, start, 1]).random(stop - start) < 0.2
        ids = np.char.add("it", np.arange(start, stop)[gold].astype(str))
        gold_writer.write_table(pa.table({"item_id": ids, "label": labels[truth[gold]].astype(str)}))
    gold_writer.close()
    vendors_toml = []
    schema = pa.schema(
        [("item_id", pa.string()), ("annotator_id", pa.string()), ("label", pa.string()), ("duration_s", pa.float64())]
    )
    per_vendor = n_items * PER_ITEM
    for v, accuracy in zip(VENDORS, ACCURACY, strict=True):
        skill = np.clip(rng.normal(accuracy, 0.08, pool), 0.3, 0.99)
        partitioned = per_vendor > file_rows
        target = folder / f"vendor_{v}" if partitioned else folder / f"vendor_{v}.parquet"
        if partitioned:
            target.mkdir(exist_ok=True)
        writer = None if partitioned else pq.ParquetWriter(target, schema)
        for part, start in enumerate(range(0, n_items, items_per_block)):
            stop = min(start + items_per_block, n_items)
            block_rng = np.random.default_rng([seed, VENDORS.index(v), start])
            truth = np.random.default_rng([truth_seed, start]).choice(K, stop - start, p=truth_p)
            base = block_rng.integers(0, pool, stop - start)
            annot = ((base[:, None] + np.arange(PER_ITEM)[None, :] * 97) % pool).ravel()  # 5 distinct people
            item_idx = np.repeat(np.arange(stop - start), PER_ITEM)
            right = block_rng.random(len(annot)) < skill[annot]
            label = np.where(right, truth[item_idx], block_rng.integers(0, K, len(annot)))
            table = pa.table(
                {
                    "item_id": np.char.add("it", (start + item_idx).astype(str)),
                    "annotator_id": np.char.add(f"{v}-", annot.astype(str)),
                    "label": labels[label].astype(str),
                    "duration_s": block_rng.gamma(2.0, 6.0, len(annot)).round(1),
                },
                schema=schema,
            )
            if writer is None:
                pq.write_table(table, target / f"part-{part:05d}.parquet", row_group_size=BLOCK_ROWS)
            else:
                writer.write_table(table, row_group_size=BLOCK_ROWS)
        if writer is not None:
            writer.close()
        rate = round(0.05 * (1 + VENDORS.index(v)), 4)
        vendors_toml.append(
            f'[[vendors]]\nname = "{v}"\npath = "{target.name}"\n'
            f'pricing = {{ model = "per_label", rate = {rate}, currency = "USD" }}\n'
        )
    manifest.write_text(
        '[task]\nname = "scale benchmark"\nkind = "nominal"\n'
        f"labels = {json.dumps(list(labels))}\n\n"
        '[gold]\npath = "gold.parquet"\n\n' + "\n".join(vendors_toml)
    )
    return folder


def run_one(folder: str, engine: str, n_boot: int) -> dict[str, object]:
    """One evaluation in this (fresh) process: seconds, peak RSS and a few figures to compare engines by."""
    import resource

    import labeleval as le

    start = time.perf_counter()
    read: list[float] = []

    def progress(done: int, total: int) -> None:  # the row work, for a run stopped before it ends
        elapsed = time.perf_counter() - start
        print(f"ROWS {done} {total} {elapsed:.1f}", file=sys.stderr, flush=True)
        if done >= total:
            read.append(elapsed)

    report = le.evaluate(folder, n_boot=n_boot, seed=0, engine=engine, progress=progress)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    s = report.summary
    return {
        "seconds": round(seconds, 2),
        "row_work_s": round(read[-1], 1) if read else None,
        "peak_gb": round(peak_kb / 1024**2, 2),
        "scored": int(s["n_judgments"].sum()),
        "alpha_A": float(s.loc[0, "alpha"]),
        "accuracy_A": float(s.loc[0, "accuracy"]),
    }


def _rss_gb(pid: int) -> float:
    """Current resident memory of a process, from /proc (0 where /proc is not there)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return 0.0


def measure(folder: Path, engine: str, n_boot: int, timeout: float, max_gb: float) -> dict[str, object]:
    """``run_one`` in a fresh subprocess, stopped (not the machine) when its memory passes ``max_gb``."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(HERE)!r}); from bench_scale import run_one; "
        f"print('RESULT ' + json.dumps(run_one({str(folder)!r}, {engine!r}, {n_boot})))"
    )
    env = {**os.environ, "LABELEVAL_MAX_ROWS": str(10**9), "LABELEVAL_MAX_CELLS": str(10**10)}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:  # files: a pipe could fill up
        child = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=err, text=True, env=env)
        start, seen = time.monotonic(), 0.0
        stopped = ""
        while child.poll() is None:
            seen = max(seen, _rss_gb(child.pid))
            if seen > max_gb or time.monotonic() - start > timeout:
                child.kill()
                child.wait()
                stopped = f"stopped above {max_gb:g} GB" if seen > max_gb else f"over the {timeout:.0f} s timeout"
                stopped += f" after {time.monotonic() - start:.0f} s"
                break
            time.sleep(0.25)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    rows = [line.split() for line in stderr.splitlines() if line.startswith("ROWS ")]
    if stopped:
        if rows:
            done, total, elapsed = rows[-1][1:4]
            stopped += f" ({int(done):,} of {int(total):,} rows read and encoded in {float(elapsed):.0f} s)"
        return {"error": stopped}
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = ([line for line in stderr.splitlines() if not line.startswith("ROWS ")] or ["no output"])[-1]
    return {"error": f"exit {child.returncode}: {tail[:160]}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1e6,1e7", help="judgments, comma-separated (default 1e6,1e7)")
    parser.add_argument("--engines", default="memory,stream,dask", help="default memory,stream,dask")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--data", type=Path, default=HERE / "out" / "scale", help="where the projects are written")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per measurement (default 3600)")
    parser.add_argument(
        "--max-gb", type=float, default=16.0, help="stop a measurement whose memory passes this (default 16 GB)"
    )
    parser.add_argument(
        "--one-file",
        action="store_true",
        help="one Parquet file per vendor at every size (in a folder such as n1e08_files): the in-memory engine "
        "reads only single files (a folder of parts is streamed whatever the engine)",
    )
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    engines = [e.strip() for e in args.engines.split(",")]
    rows = []
    for n in sizes:
        start = time.perf_counter()
        name = f"n{n:.0e}".replace("+", "") + ("_files" if args.one_file else "")
        folder = make_project(n, args.data / name, file_rows=n if args.one_file else FILE_ROWS)
        print(f"project {n:.0e}: {folder} ({time.perf_counter() - start:.0f} s to write or find)", file=sys.stderr)
        for engine in engines:
            load_before = os.getloadavg()[0]
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
            result = measure(folder, engine, args.n_boot, args.timeout, args.max_gb)
            load = f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"  # 1-minute load average before / after
            print(f"  {engine}: {result} (load {load}, {when})", file=sys.stderr)
            rows.append({"judgments": n, "engine": engine, "n_boot": args.n_boot, **result, "load": load, "when": when})
    out = HERE / "out" / "scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else []
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    out.write_text(json.dumps([*previous, *({**r, "machine": machine} for r in rows)], indent=1))
    print(f"\nMachine: {machine}; n_boot = {args.n_boot}; time and peak memory (max RSS) of evaluate(), end to end.\n")
    print(
        "| judgments | engine | time (s) | of which row work (s) | peak memory (GB) | judgments scored | alpha A "
        "| load before / after | started |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['judgments']:,} | {r['engine']} | — | — | — | {r['error']} | | {r['load']} | {r['when']} |")
        else:
            row_work = "—" if r.get("row_work_s") is None else f"{r['row_work_s']:.1f}"
            print(
                f"| {r['judgments']:,} | {r['engine']} | {r['seconds']:.1f} | {row_work} | {r['peak_gb']:.2f} | "
                f"{r['scored']:,} | {r['alpha_A']:.4f} | {r['load']} | {r['when']} |"
            )


if __name__ == "__main__":
    main()
