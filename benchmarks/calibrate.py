"""Run every calibration of labeleval's claims, each beside the method it replaced, on the same simulated projects.

Each script below simulates pilots with a known truth (a judgment is right with probability sigmoid(annotator
skill + item difficulty), difficulty shared by the vendors) and counts how often a claim is wrong and how often
an interval covers the truth. This runner runs each script twice on the same seeds: first with the code at
``--base`` (a git revision; by default the tag ``calibration-baseline``, the code before the claims below were
calibrated), which writes its results as JSON, then with this checkout's code, which prints its table with the
earlier figures beside. Figures a script cannot measure under the older code print as "—".

Outputs go to ``benchmarks/out/calibrate/``: ``<script>.txt`` (the printed table), ``<script>.json`` and
``<script>.base.json``.

    python benchmarks/calibrate.py [--quick | --full] [--only plan] [--base REV | --no-base]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks"
OUT = HERE / "out" / "calibrate"
#: the claims each script checks, in the order a reader meets them
SCRIPTS = {
    "calibration.py": "verdict, comparisons, accuracy and cost intervals (hourly pay, uneven workforces, Dawid-Skene)",
    "calibration_plan.py": "sample-size plans: achieved power of the report's test at the planned size",
    "calibration_audit.py": "gold audit: correct gold accused, precision and recall on wrong gold",
    "calibration_subsets.py": "slices and drift: false findings, coverage, power",
    "calibration_classes.py": "per-class recall, precision and F1: coverage, false claims, power",
    "calibration_watch.py": "watching a pilot daily and replacing a vendor: false claims, power, TOST level",
    "calibration_graded.py": "graded written work: false claims with unbalanced reviewers, coverage of the comparisons",
    "coverage_agreement.py": "the agreement family's 95% intervals (Gwet's variances, Light's jackknife, per label, "
    "per annotator, differences of two vendors): coverage",
}
DEFAULT_BASE = "calibration-baseline"


def base_tree(revision: str, folder: Path) -> Path | None:
    """The ``labeleval`` package at ``revision`` unpacked into ``folder``; None when git does not know it."""
    archive = folder / "base.tar"
    with archive.open("wb") as out:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision, "labeleval"], stdout=out, stderr=subprocess.PIPE, check=False
        )
    if done.returncode != 0:
        print(f"no base code: git cannot find {revision!r} ({done.stderr.decode().strip()})", file=sys.stderr)
        return None
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "base", filter="data")
    return folder / "base"


def run_script(script: str, mode: list[str], pythonpath: Path, extra: list[str]) -> tuple[int, str, float]:
    """Run one calibration script with ``labeleval`` imported from ``pythonpath``; its output and wall time."""
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(HERE / script), *mode, *extra], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="about 100 projects per design")
    size.add_argument("--full", action="store_true", help="1000 projects per design")
    parser.add_argument("--reps", type=int, help="projects per design (overrides --quick/--full)")
    parser.add_argument("--only", help="run only the scripts whose name contains this text")
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"the git revision to compare with ({DEFAULT_BASE})")
    parser.add_argument("--no-base", action="store_true", help="run this checkout's code only")
    args = parser.parse_args(argv)
    mode = ["--quick"] if args.quick else ["--full"] if args.full else []
    mode += ["--reps", str(args.reps)] if args.reps else []
    scripts = [s for s in SCRIPTS if not args.only or args.only in s]
    OUT.mkdir(parents=True, exist_ok=True)
    failed = []
    with tempfile.TemporaryDirectory() as scratch:
        base = None if args.no_base else base_tree(args.base, Path(scratch))
        for script in scripts:
            stem = script.removesuffix(".py")
            print(f"\n=== {script}: {SCRIPTS[script]}", flush=True)
            before: list[str] = []
            if base is not None:
                code, text, seconds = run_script(script, mode, base, ["--json", str(OUT / f"{stem}.base.json")])
                print(f"(the code at {args.base}: {seconds:.0f} s{'' if code == 0 else f', exit {code}'})")
                if code == 0:
                    before = ["--before", str(OUT / f"{stem}.base.json")]
                else:
                    print(text[-2000:])
            code, text, seconds = run_script(script, mode, ROOT, ["--json", str(OUT / f"{stem}.json"), *before])
            (OUT / f"{stem}.txt").write_text(text, encoding="utf-8")
            print(text)
            print(f"({script}: {seconds:.0f} s{'' if code == 0 else f', exit {code}'})", flush=True)
            if code != 0:
                failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
