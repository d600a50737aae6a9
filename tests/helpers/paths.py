"""The folders tests read: the repository root, the bundled samples and the test data."""

from __future__ import annotations

from pathlib import Path

#: the repository root (``app.py``, ``sample_data/``, ``benchmarks/``, ``docs/``)
ROOT = Path(__file__).resolve().parents[2]
#: ``tests/data``: the bad-input corpus, vendor format fixtures, published datasets and reference cases
DATA = ROOT / "tests" / "data"
#: the bundled sample project most tests score
SAMPLE = ROOT / "sample_data" / "content_safety"
#: the bundled samples whose annotations are labels (every kind but graded written work, which has no judgments
#: to score as labels and is tested on its own)
LABEL_SAMPLES = sorted(
    p
    for p in (ROOT / "sample_data").iterdir()
    if (p / "labeleval.toml").exists() and 'kind = "graded"' not in (p / "labeleval.toml").read_text(encoding="utf-8")
)
