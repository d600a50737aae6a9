"""Text from files reaches the terminal without its control characters (cli/output.py): task, vendor, file and
column names, labels and quarantined values cannot set the window title, clear the screen or reorder a line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from labeleval.cli.main import main

#: what a terminal acts on: ESC, BEL, other C0 but tab and line feed, DEL and C1, the bidirectional controls
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE = r"\u001b]0;owned\u0007\u001b[2J\u009b2J\u202e"  # TOML escapes: OSC title, clear screen, C1 CSI, RLO


def project(tmp_path: Path) -> Path:
    folder = tmp_path / "p"
    folder.mkdir()
    name = "v\x1b]0;owned\x07.csv"  # a file name may hold an escape sequence too
    (folder / name).write_text("item,worker,label\n1,a,pos\n1,b,pos\n2,a,neg\n2,b,neg\n3,a,pos\n3,b,\x1b[2Jneg\u202e\n")
    (folder / "gold.csv").write_text("item,label\n1,pos\n2,neg\n3,pos\n")
    (folder / "labeleval.toml").write_text(
        f'[task]\nname = "Triage{HOSTILE}\\nok: every row is accounted for"\nlabels = ["pos", "neg"]\n'
        '[gold]\npath = "gold.csv"\ncolumns = { item_id = "item" }\n'
        f'[[vendors]]\nname = "V"\npath = "v\\u001b]0;owned\\u0007.csv"\n'
        'columns = { item_id = "item", annotator_id = "worker" }\npricing = { model = "per_label", rate = 0.1 }\n'
    )
    return folder


def test_validate_prints_no_control_character(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = project(tmp_path)
    main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert not RAW_CONTROL.search(out + err), repr(out + err)
    first = out.splitlines()[0]
    assert first.startswith("Triage") and "ok: every row" in first  # the task name's line feed starts no line
    assert "v.csv" in out  # the file is still named, without its escape sequence


def test_read_prints_no_control_character(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = project(tmp_path)
    assert main(["read", str(folder / "v\x1b]0;owned\x07.csv")]) == 0
    out, err = capsys.readouterr()
    assert not RAW_CONTROL.search(out + err), repr(out + err)
    assert out.startswith("v.csv: ")


def test_json_on_a_terminal_keeps_the_data_and_escapes_the_controls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = project(tmp_path)
    assert main(["score", str(folder), "--format", "json", "--n-boot", "20"]) == 0
    out = capsys.readouterr().out
    assert not RAW_CONTROL.search(out), repr(out)
    report = json.loads(out)
    assert report["quarantine"][0]["value"] == "\x1b[2Jneg\u202e"  # the data is unchanged


def test_an_error_naming_hostile_text_prints_no_control_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = project(tmp_path)
    (folder / "v\x1b]0;owned\x07.csv").unlink()
    assert main(["validate", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert "error:" in err and not RAW_CONTROL.search(out + err), repr(err)
