"""Reading one Report from the app's disk cache: the data-only entry (``labeleval.ui.report_cache``) against a
pickle of the same Report, each in fresh processes, medians.

The sample project is scored once with the options a new app session starts with; its Report is written both
ways into a temporary folder. Then ``--runs`` fresh interpreters per format, interleaved, import what the app's
launcher imports before its first session (NumPy, pandas, PyArrow, the Report, the cache module) and time two
reads in a row: the first read of the process (what the launcher pays) and the second (what the first session
pays). Prints a JSON summary with the sizes, the machine's load average and the medians in milliseconds.

    python benchmarks/bench_report_cache.py --runs 11
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from labeleval.ui import report_cache, state  # noqa: E402  (from this checkout)

READ = """
import pickle, sys, time
import numpy, pandas, pyarrow
import labeleval.report
from labeleval.ui import report_cache
path, kind = sys.argv[1], sys.argv[2]
def read():
    data = open(path, "rb").read()
    return pickle.loads(data) if kind == "pickle" else report_cache.decode(data)
times = []
for _ in range(2):
    start = time.perf_counter()
    read()
    times.append((time.perf_counter() - start) * 1000)
print(times[0], times[1])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="fresh processes per format (default 11)")
    args = parser.parse_args()
    manifest = state.find_manifest(state.default_project())
    report = state.score(str(manifest), state.evaluate_options_for(manifest.parent, {}))
    folder = Path(tempfile.mkdtemp(prefix="bench_report_cache_"))
    files = {"pickle": folder / "report.pickle", "entry": folder / f"report{report_cache.SUFFIX}"}
    files["pickle"].write_bytes(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    files["entry"].write_bytes(report_cache.encode(report))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times: dict[str, list[tuple[float, float]]] = {kind: [] for kind in files}
    for _ in range(args.runs):
        for kind, path in files.items():
            done = subprocess.run(
                [sys.executable, "-c", READ, str(path), kind], env=env, capture_output=True, text=True, check=True
            )
            first, second = map(float, done.stdout.split())
            times[kind].append((first, second))
    summary = {
        "bytes": {kind: path.stat().st_size for kind, path in files.items()},
        "runs": args.runs,
        "load_average": os.getloadavg(),
        "first_read_ms": {kind: round(statistics.median(t[0] for t in v), 1) for kind, v in times.items()},
        "second_read_ms": {kind: round(statistics.median(t[1] for t in v), 1) for kind, v in times.items()},
    }
    for path in files.values():
        path.unlink()
    folder.rmdir()
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
