"""The corpus of broken projects (tests/data/broken/, made by build.py): each gives a clear error naming
file and line (exit 1, never a traceback), or is scored with every bad row in the ledger and the counts
reconciling."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import labeleval as le
from labeleval.cli.main import main
from tests.helpers.paths import DATA

BROKEN = DATA / "broken"
CASES = sorted(p for p in BROKEN.iterdir() if p.is_dir())


def expect(case: Path) -> dict:
    return json.loads((case / "expect.json").read_text())


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_never_shows_a_traceback(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["score", str(case), "--n-boot", "20"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "internal error" not in err
    wanted = expect(case)
    if wanted["outcome"] == "error":
        assert code == 1
        assert err.startswith("error: ")
        assert re.search(wanted["match"], err), err
    else:
        assert code == 0, err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_api_raises_the_named_error_or_accounts_for_every_row(case: Path) -> None:
    wanted = expect(case)
    if wanted["outcome"] == "error":
        exc_type = getattr(le, wanted["exception"])
        with pytest.raises(exc_type, match=wanted["match"]):
            le.evaluate(case, n_boot=10)
        return
    report = le.evaluate(case, n_boot=10)
    ledger = report.ledger
    assert (ledger["rows_read"] == ledger["kept"] + ledger["quarantined"]).all()
    assert int(ledger["quarantined"].sum()) == len(report.quarantine)
    if wanted["outcome"] == "ledger":
        counts = report.quarantine["reason"].value_counts().to_dict()
        assert counts == wanted["reasons"]
        assert (report.quarantine["line"] > 0).all()
    else:
        assert wanted["code"] in set(report.notes["code"])


def test_quarantined_rows_name_file_line_and_column() -> None:
    report = le.evaluate(BROKEN / "unknown_labels", n_boot=0)
    q = report.quarantine.sort_values("line")
    assert q[["file", "line", "column", "reason", "value"]].values.tolist() == [
        ["v.csv", 10, "label", "UNKNOWN_LABEL", "Pos"],
        ["v.csv", 11, "label", "UNKNOWN_LABEL", "neg "],
    ]


def test_validate_exits_1_and_still_shows_the_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", str(BROKEN / "vendor_zero_usable_rows")])
    out, err = capsys.readouterr()
    assert code == 1
    assert "UNKNOWN_LABEL" in out
    assert "2 rows read = 0 kept + 2 quarantined" not in out  # gold rows are counted too
    assert re.search(r"5 rows read = 3 kept \+ 2 quarantined", out), out
    assert "no usable rows" in err
