"""What reading uploads in a child process costs the app, and what the mapping form's cached reads save.

    python benchmarks/bench_app_isolation.py [--repeat 5] [--csv-mb 150]

1. **Scoring overhead** on the bundled sample (content_safety, default options): ``evaluate()`` in this process
   (how the app scores its own projects) against ``run_isolated(score_project, ...)`` (how it scores an upload:
   a child forked from the fork server, the Report pickled back), taking turns so that a change in the
   machine's load falls on both; the median of ``--repeat`` turns each, and the cost of an empty child.
2. **The mapping form on a large CSV** (``--csv-mb`` MB: item, annotator, label, seconds and ten text columns).
   Each contender runs in its own process, which reports its time and peak memory:

   - *before*: what every rerun of the Data page did (the whole table read in the server's process to guess
     its columns, then ``read_file`` with the mapping),
   - *after*: the first rerun (the file's facts and its preview, each read in a child under the evaluations'
     slots, cached by the upload's digest) and the second (a widget change: both cached), with the server
     process's peak memory before and after them (the children's memory is theirs, given back as they end).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "content_safety"
COLUMNS = {"item_id": "item", "annotator_id": "worker", "label": "answer", "duration_s": "seconds"}

_BEFORE = """
import json, resource, sys, time
from pathlib import Path
from labeleval.io.formats.guess import guess_columns
from labeleval.io.inspect import read_file
from labeleval.io.readers import read_table
path = Path(sys.argv[1])
start = time.perf_counter()
frame = read_table(path).frame
guess_columns(frame, ("item_id", "annotator_id", "label", "duration_s"))
reading = read_file(path, columns=json.loads(sys.argv[2]))
print(json.dumps({"rerun_s": time.perf_counter() - start, "kept": int(reading.ledger.iloc[0]["kept"]),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_AFTER = """
import json, resource, sys, time
from pathlib import Path

def main():
    from labeleval.ui import isolate, upload
    path = Path(sys.argv[1])
    isolate.start()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    digest = upload.upload_digest(path)
    settings = json.dumps({"columns": json.loads(sys.argv[2])}, sort_keys=True)
    times = []
    for _ in range(2):
        start = time.perf_counter()
        facts = upload._cached_facts(digest, path.name, upload.VENDOR_FIELDS, path)
        shown = upload._cached_preview(digest, path.name, settings, "", path)
        times.append(time.perf_counter() - start)
    assert not isinstance(facts, str) and not isinstance(shown, str), (facts, shown)
    print(json.dumps({"first_s": times[0], "rerun_s": times[1], "kept": shown.kept,
                      "server_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "server_before_mb": base}))

if __name__ == "__main__":
    main()
"""


def scoring_overhead(repeat: int) -> dict[str, float]:
    import labeleval as le
    from labeleval.ui.isolate import run_isolated, score_project, start

    start()
    run_isolated(len, "", what="warm-up")  # the fork server's first child
    here, child, empty = [], [], []
    for _ in range(repeat):
        t = time.perf_counter()
        le.evaluate(SAMPLE)
        here.append(time.perf_counter() - t)
        t = time.perf_counter()
        run_isolated(score_project, str(SAMPLE), {}, what="sample")
        child.append(time.perf_counter() - t)
        t = time.perf_counter()
        run_isolated(len, "", what="empty")
        empty.append(time.perf_counter() - t)
    return {
        "in_process_s": statistics.median(here),
        "in_child_s": statistics.median(child),
        "overhead_s": statistics.median(c - h for c, h in zip(child, here, strict=True)),
        "empty_child_s": statistics.median(empty),
    }


def large_csv(folder: Path, megabytes: int) -> Path:
    rng = np.random.default_rng(0)
    path = folder / "large.csv"
    filler = ",".join(f"note{k}" for k in range(10))
    with path.open("w") as out:
        out.write(f"item,worker,answer,seconds,{filler}\n")
        written = 0
        block = 0
        while written < megabytes * 1024**2:
            n = 50_000
            items = rng.integers(0, 2_000_000, n)
            workers = rng.integers(0, 5_000, n)
            answers = rng.choice(["pos", "neg", "neutral"], n)
            seconds = rng.integers(1, 120, n)
            text = "".join(
                f"i{i},w{w},{a},{s},{','.join(['lorem ipsum'] * 10)}\n"
                for i, w, a, s in zip(items, workers, answers, seconds, strict=True)
            )
            out.write(text)
            written += len(text)
            block += 1
    return path


def run(script: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True, cwd=ROOT, timeout=3600
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--csv-mb", type=int, default=150)
    args = parser.parse_args()
    print("scoring the sample:", json.dumps({k: round(v, 3) for k, v in scoring_overhead(args.repeat).items()}))
    with tempfile.TemporaryDirectory() as tmp:
        path = large_csv(Path(tmp), args.csv_mb)
        print(f"large CSV: {path.stat().st_size / 1024**2:,.0f} MB")
        columns = json.dumps(COLUMNS)
        after = run(_AFTER, str(path), columns)
        print("after (child, cached):", json.dumps({k: round(v, 2) for k, v in after.items()}))
        before = run(_BEFORE, str(path), columns)
        print("before (every rerun, in the server):", json.dumps({k: round(v, 2) for k, v in before.items()}))
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
