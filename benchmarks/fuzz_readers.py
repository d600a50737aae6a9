"""Fuzz the readers for a while: ``tests/test_fuzz.py`` again and again, each round with fresh random examples.

    nice -n 15 python benchmarks/fuzz_readers.py --minutes 60 [--examples 300] [--out fuzz-log]

Each round is one pytest run of the fuzz tests with ``LABELEVAL_FUZZ_EXAMPLES`` (above 40 the examples are
random, not the repeatable default set) and a new Hypothesis seed; a round that fails has its output (the
falsifying example and the seed to replay it with ``--hypothesis-seed``) written to ``--out``. At the end: the
rounds, the examples that ran per test (counted by the tests themselves: read, or refused with a clear error),
the wall time and every failure. A round still running after ``--round-minutes`` is stopped and counted as a hang.
The exit status is 1 if any round failed.
"""

from __future__ import annotations

import argparse
import collections
import json
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
    parser.add_argument("--round-minutes", type=float, default=20.0, help="a round running longer is a hang")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LABELEVAL_FUZZ_EXAMPLES": str(max(args.examples, 41))}
    env.setdefault("PYTHONPATH", str(ROOT))
    start = time.monotonic()
    end = start + 60 * args.minutes
    rounds, failures = 0, []
    tally: collections.Counter[str] = collections.Counter()
    while time.monotonic() < end:
        seed = random.randrange(2**32)
        counts = args.out / "tally.json"
        counts.unlink(missing_ok=True)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fuzz.py"]
        command += ["-x", f"--hypothesis-seed={seed}", *(["-k", args.k] if args.k else [])]
        rounds += 1
        try:
            done = subprocess.run(
                command,
                cwd=ROOT,
                env={**env, "LABELEVAL_FUZZ_TALLY": str(counts)},
                capture_output=True,
                text=True,
                check=False,
                timeout=60 * args.round_minutes,
            )
            output, failed = done.stdout + done.stderr, done.returncode != 0
            last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        except subprocess.TimeoutExpired as exc:
            output, failed = f"HANG: round still running after {args.round_minutes} minutes\n{exc.stdout!r}", True
            last = "HANG"
        if counts.is_file():
            tally.update(json.loads(counts.read_text(encoding="utf-8")))
        print(f"round {rounds} (seed {seed}): {last} [{(time.monotonic() - start) / 60:.1f} min]", flush=True)
        if failed:
            log = args.out / f"round{rounds}_seed{seed}.txt"
            log.write_text(output, encoding="utf-8")
            failures.append(str(log))
    minutes = (time.monotonic() - start) / 60
    print(f"\n{rounds} rounds of up to {max(args.examples, 41)} examples per test in {minutes:.1f} minutes")
    tests = sorted({key.rsplit(" ", 1)[0] for key in tally})
    print("examples that ran per test (read + refused with a clear error):")
    for test in tests:
        read, refused = tally[f"{test} read"], tally[f"{test} refused"]
        print(f"  {test}: {read + refused} ({read} read, {refused} refused)")
    print(f"  total: {sum(tally.values())}")
    print(f"{len(failures)} failing rounds" + "".join(f"\n  {f}" for f in failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
