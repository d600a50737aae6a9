"""The CLI: output formats, exit codes, no tracebacks (csv-diff style: run main() on files in tmp_path)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from labeleval.cli.main import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_score_table(sample_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["score", str(sample_project), "--n-boot", "100"], capsys)
    assert code == 0, err
    for word in ("Scale", "Surge", "Mercor", "Alpha [95% CI]", "Cost/usable label", "quarantined"):
        assert word in out
    assert "Per class, beyond chance (" in out and "tests, a family of their own)" in out


def test_score_json_is_parseable_and_complete(sample_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["score", str(sample_project), "--format", "json", "--n-boot", "50", "--seed", "3"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [r["vendor"] for r in data["summary"]] == ["Scale", "Surge", "Mercor", "In-house"]
    assert data["settings"]["seed"] == 3 and "items" not in data
    assert len(data["quarantine"]) == sum(r["quarantined"] for r in data["ledger"])


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "marker"), [("markdown", "## Leaderboard"), ("html", "<!doctype html>")])
def test_score_writes_files(
    fmt: str, marker: str, sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / f"report.{fmt}"
    code, _, _ = run(["score", str(sample_project), "--format", fmt, "--out", str(out_path), "--n-boot", "20"], capsys)
    assert code == 0 and marker in out_path.read_text()


def test_score_csv_folder(sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, _ = run(
        [
            "score",
            str(sample_project),
            "--format",
            "csv",
            "--out",
            str(tmp_path / "r"),
            "--n-boot",
            "20",
            "--with-items",
        ],
        capsys,
    )
    assert code == 0 and (tmp_path / "r" / "items.csv").exists()
    per_class = (tmp_path / "r" / "class_comparisons.csv").read_text().splitlines()
    assert per_class[0].startswith("vendor_a,vendor_b,metric,label,family") and len(per_class) > 1
    assert "recall_ci_low" in (tmp_path / "r" / "per_class.csv").read_text().splitlines()[0]


def test_validate_sample(sample_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", str(sample_project)], capsys)
    assert code == 0
    assert "26,706 rows read = 26,689 kept + 17 quarantined" in out
    assert "CANCELLED" in out and "REVIEW_ANNOTATION" in out  # set aside by the native readers
    assert "ok: every row is accounted for" in out


@pytest.mark.parametrize(
    "args",
    [[], ["score"], ["score", "x", "--n-boot", "-3"], ["score", "x", "--format", "pdf"], ["frobnicate"]],
)
def test_bad_usage_exits_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_missing_project_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["score", str(tmp_path / "nothing")], capsys)
    assert code == 1 and err.startswith("error: no manifest")


@pytest.mark.slow
def test_sample_regenerates_identical_bytes(
    sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(["sample", str(tmp_path)], capsys)
    assert code == 0
    for name in (
        "labeleval.toml",
        "gold.csv",
        "scale_tasks.jsonl",
        "surge_export.json",
        "mercor_timesheet.xlsx",
        "label_studio_export.json",
        "items.csv",
        "README.md",
        "_truth/annotators.csv",
    ):
        assert (tmp_path / "content_safety" / name).read_bytes() == (sample_project / name).read_bytes(), name


@pytest.mark.slow
def test_console_script_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "labeleval.cli.main", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("labeleval ")


def test_app_listens_on_this_machine_unless_a_host_is_given(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commands: list[list[str]] = []

    def call(command: list[str]) -> int:
        commands.append(command)
        return 0

    monkeypatch.setattr("labeleval.cli.main.subprocess.call", call)
    assert main(["app"]) == 0
    command = commands[-1]
    assert command[1:3] == ["-m", "labeleval.ui.serve"]
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert "no login" not in capsys.readouterr().err
    assert main(["app", "--host", "0.0.0.0", "--port", "9000"]) == 0
    command = commands[-1]
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    assert command[command.index("--server.port") + 1] == "9000"
    assert "no login" in capsys.readouterr().err  # opened to the network deliberately, and told what that means
