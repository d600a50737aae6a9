"""Rebuild labeleval/schemas/report.schema.json from the bundled samples (``make schema``).

The samples are scored with slices and time windows, so that every frame of a Report has rows and every column
is seen; run it when a frame gains or loses a column (tests/scoring/test_report_schema.py says so).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import labeleval as le
from labeleval.samples.content_safety import generate_content_safety
from labeleval.samples.kinds import generate_helpfulness_likert, generate_preference_pairs
from labeleval.samples.pilot import generate_ticket_pilot
from labeleval.scoring.report_schema import build_schema

OUT = Path(__file__).resolve().parents[1] / "labeleval" / "schemas" / "report.schema.json"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        reports = [
            le.evaluate(generate_content_safety(root / "cs").parent, n_boot=50),
            le.evaluate(generate_preference_pairs(root / "pp").parent, n_boot=50),
            le.evaluate(generate_helpfulness_likert(root / "hl").parent, n_boot=50),
            le.evaluate(generate_ticket_pilot(root / "tp").parent, n_boot=50, by="language", over="week"),
        ]
        OUT.write_text(json.dumps(build_schema(reports), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
