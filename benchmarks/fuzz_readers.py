"""Fuzz the readers for a while: ``tests/test_fuzz.py`` again and again, each round with fresh random examples.

    nice -n 15 python benchmarks/fuzz_readers.py --minutes 60 [--examples 300] [--out fuzz-log]

Each round is one pytest run of the fuzz tests with ``LABELEVAL_FUZZ_EXAMPLES`` (above 40 the examples are
random, not the repeatable default set) and a new Hypothesis seed; a round that fails has its output (the
falsifying example and the seed to replay it with ``--hypothesis-seed``) written to ``--out``. At the end: the
rounds, the examples tried per test, the wall time and every failure. The exit status is 1 if any round failed.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="wall time to fuzz for")
    parser.add_argument("--examples", type=int, default=300, help="examples per test per round")
    parser.add_argument("--out", type=Path, default=Path("fuzz-log"), help="folder for failing rounds' output")
    parser.add_argument("-k", default="", help="only the fuzz tests whose names match (pytest -k)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LABELEVAL_FUZZ_EXAMPLES": str(max(args.examples, 41))}
    env.setdefault("PYTHONPATH", str(ROOT))
    start = time.monotonic()
    end = start + 60 * args.minutes
    rounds, failures = 0, []
    while time.monotonic() < end:
        seed = random.randrange(2**32)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fuzz.py"]
        command += ["-x", f"--hypothesis-seed={seed}", *(["-k", args.k] if args.k else [])]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        rounds += 1
        last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        print(f"round {rounds} (seed {seed}): {last} [{(time.monotonic() - start) / 60:.1f} min]", flush=True)
        if done.returncode != 0:
            log = args.out / f"round{rounds}_seed{seed}.txt"
            log.write_text(done.stdout + done.stderr, encoding="utf-8")
            failures.append(str(log))
    minutes = (time.monotonic() - start) / 60
    print(f"\n{rounds} rounds of {max(args.examples, 41)} examples per test in {minutes:.1f} minutes")
    print(f"{len(failures)} failing rounds" + "".join(f"\n  {f}" for f in failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
