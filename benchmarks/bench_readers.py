"""Native readers against the pandas code a user would write, on the same files in the same run.

    python benchmarks/bench_readers.py [--judgments 1000000] [--repeat 3]

Two synthetic exports of ``--judgments`` judgments each (written once to a temporary folder):

- a **Label Studio JSON export**: tasks with 3 annotations each (``completed_by``, ``lead_time``, one Choices
  result), 1% cancelled. labeleval: ``labeleval.io.formats.label_studio.read`` (the reader alone) and
  ``le.read_file`` (reader + validation + ledger). pandas: ``json.load`` + ``pd.json_normalize`` on the
  annotations + ``explode`` of ``result`` + the choice pulled out + cancelled annotations dropped.
- a **Toloka assignments TSV**: pages of 5 tasks, 2% REJECTED. labeleval: ``toloka.read`` and
  ``le.read_file``. pandas: ``read_csv(sep="\\t")``, rejected pages dropped, each page's started/submitted
  time split over its tasks, reward split the same way.

Every timed run is its own subprocess (imports done before the clock starts; its own peak memory), and the
three contenders take turns -- reader, read_file, pandas, reader, ... -- so that a change in the machine's
load during the run falls on all of them alike. The median of ``--repeat`` turns is reported, with the ratio
pandas / labeleval (above 1: labeleval is faster). Both sides must yield the same number of kept rows and
the same labels, or the script stops.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

LABELS = ("allowed", "borderline", "violating", "spam")


def write_label_studio(path: Path, judgments: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    n_tasks = judgments // 3
    labels = rng.integers(0, 4, (n_tasks, 3))
    workers = rng.integers(1, 400, (n_tasks, 3))
    lead = np.round(rng.gamma(2.0, 5.0, (n_tasks, 3)), 3)
    cancelled = rng.random((n_tasks, 3)) < 0.01
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for t in range(n_tasks):
            annotations = [
                {
                    "id": 3 * t + j,
                    "completed_by": int(workers[t, j]),
                    "result": []
                    if cancelled[t, j]
                    else [
                        {
                            "from_name": "safety",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": [LABELS[labels[t, j]]]},
                        }
                    ],
                    "was_cancelled": bool(cancelled[t, j]),
                    "ground_truth": False,
                    "created_at": "2026-10-01T10:00:00.000000Z",
                    "lead_time": float(lead[t, j]),
                    "task": t,
                }
                for j in range(3)
            ]
            task = {"id": t, "data": {"text": f"output {t}"}, "annotations": annotations, "predictions": []}
            out.write(("," if t else "") + json.dumps(task))
        out.write("]\n")


def write_toloka(path: Path, judgments: int, seed: int = 1) -> None:
    import pandas as pd

    rng = np.random.default_rng(seed)
    page = np.arange(judgments) // 5
    n_pages = int(page[-1]) + 1
    started = pd.Timestamp("2026-10-02T08:00:00") + pd.to_timedelta(rng.integers(0, 86400 * 5, n_pages), unit="s")
    submitted = started + pd.to_timedelta(rng.integers(20, 300, n_pages), unit="s")
    status = np.where(rng.random(n_pages) < 0.02, "REJECTED", "APPROVED")
    frame = pd.DataFrame(
        {
            "INPUT:id": np.char.add("item-", (rng.integers(0, judgments // 3, judgments)).astype(str)),
            "INPUT:text": "some text",
            "OUTPUT:result": np.asarray(LABELS)[rng.integers(0, 4, judgments)],
            "GOLDEN:result": "",
            "HINT:text": "",
            "ASSIGNMENT:link": "https://toloka.example/task/1",
            "ASSIGNMENT:assignment_id": np.char.add("A", page.astype(str)),
            "ASSIGNMENT:worker_id": np.char.add("w", (page % 997).astype(str)),
            "ASSIGNMENT:status": status[page],
            "ASSIGNMENT:started": started.strftime("%Y-%m-%dT%H:%M:%S").to_numpy()[page],
            "ASSIGNMENT:submitted": submitted.strftime("%Y-%m-%dT%H:%M:%S").to_numpy()[page],
            "ASSIGNMENT:reward": "0.05",
        }
    )
    frame.to_csv(path, sep="\t", index=False)


# --- the measured code: each returns (rows kept, sorted label counts) -----------------------------------

LABELEVAL_LS_READER = """
from labeleval.io.formats import ReadOptions
from labeleval.io.formats.label_studio import read
raw = read(PATH, name=PATH.name, options=ReadOptions())
result = (len(raw.frame), raw.frame["label"].value_counts().sort_index().to_dict())
"""
LABELEVAL_LS_FULL = """
import labeleval as le
r = le.read_file(PATH, format="label_studio", labels=LABELS)
result = (len(r.rows), r.rows["label"].astype(str).value_counts().sort_index().to_dict())
"""
PANDAS_LS = """
import json
import pandas as pd
with PATH.open(encoding="utf-8") as f:
    tasks = json.load(f)
df = pd.json_normalize(tasks, record_path="annotations", meta=[["id"]], meta_prefix="task.")
df = df[~df["was_cancelled"] & ~df["ground_truth"]]
df = df.explode("result")
df = df[df["result"].notna()]
df["label"] = df["result"].map(lambda r: r["value"]["choices"][0])
df = df.rename(columns={"task.id": "item_id", "completed_by": "annotator_id", "lead_time": "duration_s"})
result = (len(df), df["label"].value_counts().sort_index().to_dict())
"""
LABELEVAL_TOLOKA_READER = """
from labeleval.io.formats import ReadOptions
from labeleval.io.formats.toloka import read
raw = read(PATH, name=PATH.name, options=ReadOptions())
result = (len(raw.frame), raw.frame["label"].value_counts().sort_index().to_dict())
"""
LABELEVAL_TOLOKA_FULL = """
import labeleval as le
r = le.read_file(PATH, format="toloka", labels=LABELS)
result = (len(r.rows), r.rows["label"].astype(str).value_counts().sort_index().to_dict())
"""
PANDAS_TOLOKA = """
import pandas as pd
df = pd.read_csv(PATH, sep="\\t", dtype=str, keep_default_na=False)
df = df[df["ASSIGNMENT:status"] != "REJECTED"]
tasks = df.groupby("ASSIGNMENT:assignment_id")["INPUT:id"].transform("size")
seconds = (pd.to_datetime(df["ASSIGNMENT:submitted"]) - pd.to_datetime(df["ASSIGNMENT:started"])).dt.total_seconds()
df = df.assign(duration_s=seconds / tasks, cost=pd.to_numeric(df["ASSIGNMENT:reward"]) / tasks)
df = df.rename(columns={"INPUT:id": "item_id", "ASSIGNMENT:worker_id": "annotator_id", "OUTPUT:result": "label"})
result = (len(df), df["label"].value_counts().sort_index().to_dict())
"""

RUNNER = f"""
import json, resource, sys, time
from pathlib import Path
from typing import Any
PATH = Path(sys.argv[1]); LABELS = {list(LABELS)!r}; repeat = int(sys.argv[2])
code = sys.stdin.read()
import pandas, numpy, labeleval, labeleval.io.inspect  # imports are not timed
times = []
for _ in range(repeat):
    start = time.perf_counter(); exec(code); times.append(time.perf_counter() - start)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
print(json.dumps({{"times": times, "rss_gb": rss, "rows": result[0], "labels": result[1]}}))
"""


def measure(code: str, path: Path, repeat: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(path), str(repeat)], input=code, capture_output=True, text=True
    )
    if proc.returncode:
        raise SystemExit(proc.stderr)
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judgments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="labeleval_bench_") as tmp:
        folder = Path(tmp)
        ls, tl = folder / "label_studio.json", folder / "toloka.tsv"
        start = time.perf_counter()
        write_label_studio(ls, args.judgments)
        write_toloka(tl, args.judgments)
        print(
            f"wrote {ls.stat().st_size / 1e6:,.0f} MB and {tl.stat().st_size / 1e6:,.0f} MB in "
            f"{time.perf_counter() - start:.0f} s; {args.judgments:,} judgments each; median of {args.repeat}"
        )
        rows = []
        for title, path, cases in (
            ("Label Studio JSON", ls, (LABELEVAL_LS_READER, LABELEVAL_LS_FULL, PANDAS_LS)),
            ("Toloka TSV", tl, (LABELEVAL_TOLOKA_READER, LABELEVAL_TOLOKA_FULL, PANDAS_TOLOKA)),
        ):
            turns = [[measure(code, path, 1) for code in cases] for _ in range(args.repeat)]
            reader, full, peer = (
                {
                    **turns[-1][k],
                    "times": [t[k]["times"][0] for t in turns],
                    "rss_gb": max(t[k]["rss_gb"] for t in turns),
                }
                for k in range(3)
            )
            if not (reader["rows"] == full["rows"] == peer["rows"] and reader["labels"] == peer["labels"]):
                raise SystemExit(f"{title}: the two sides disagree: {reader} / {full} / {peer}")
            med = {k: statistics.median(v["times"]) for k, v in (("r", reader), ("f", full), ("p", peer))}
            rows.append(
                f"| {title} | {args.judgments:,} | {peer['rows']:,} | {med['r']:.2f} | {med['f']:.2f} | "
                f"{full['rss_gb']:.2f} | {med['p']:.2f} | {peer['rss_gb']:.2f} | "
                f"{med['p'] / med['r']:.1f}x | {med['p'] / med['f']:.1f}x |"
            )
        print()
        print(
            "| export | judgments | rows kept | labeleval reader (s) | read_file with ledger (s) | peak RSS (GB) "
            "| pandas (s) | peak RSS (GB) | pandas / reader | pandas / read_file |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
