"""The CLI: output formats, exit codes, no tracebacks (csv-diff style: run main() on files in tmp_path)."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import labeleval as le
from labeleval.cli.main import main
from tests.helpers.browser import free_port
from tests.helpers.hostile_files import FORMULA_VENDOR, hostile_project
from tests.helpers.paths import ROOT


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
    result = subprocess.run([sys.executable, "-m", "labeleval", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("labeleval ")


def test_app_listens_on_this_machine_unless_a_host_is_given(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commands: list[list[str]] = []

    def execv(path: str, command: list[str]) -> None:
        commands.append(command)

    monkeypatch.setattr("labeleval.cli.main.os.execv", execv)
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


@pytest.mark.slow
def test_out_dash_writes_the_data_to_stdout_and_status_goes_to_stderr(
    sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["score", str(sample_project), "--format", "json", "--out", "-", "--n-boot", "0"], capsys)
    assert code == 0 and json.loads(out)["summary"] and err == ""
    target = tmp_path / "r.md"
    code, out, err = run(
        ["score", str(sample_project), "--format", "markdown", "--out", str(target), "--n-boot", "0"], capsys
    )
    assert code == 0 and out == "" and err == f"wrote {target}\n" and target.exists()
    code, out, err = run(
        ["score", str(sample_project), "--format", "csv", "--out", str(tmp_path / "c"), "--n-boot", "0", "-q"], capsys
    )
    assert code == 0 and out == "" and err == "" and (tmp_path / "c" / "summary.csv").exists()
    code, _, err = run(["score", str(sample_project), "--format", "csv", "--out", "-"], capsys)
    assert code == 1 and "writes a folder" in err
    assert not (Path.cwd() / "-").exists()


def test_app_passes_streamlit_options_on(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    commands: list[list[str]] = []
    monkeypatch.setattr("labeleval.cli.main.os.execv", lambda path, command: commands.append(command))
    assert main(["app", "--server.port", "8600", "proj", "--server.baseUrlPath=le", "--theme.base", "dark"]) == 0
    command = commands[-1]
    assert command[command.index("--server.port") + 1] == "8600" and command.count("--server.port") == 1
    assert "--server.baseUrlPath=le" in command and command[command.index("--theme.base") + 1] == "dark"
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[-2:] == ["--", str(Path("proj").resolve())]
    assert main(["app", "--server.address", "0.0.0.0"]) == 0
    assert commands[-1].count("--server.address") == 1 and "no login" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["score", "x", "--server.port", "1"])  # Streamlit's options belong to `app` only


@pytest.mark.slow
def test_sigterm_stops_the_app_and_frees_its_port(tmp_path: Path) -> None:
    pytest.importorskip("streamlit")
    port = free_port()
    log = tmp_path / "app.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "labeleval", "app", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "LABELEVAL_CACHE_DIR": "off", "PYTHONUNBUFFERED": "1"},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while not _listening(port):
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
            proc.send_signal(signal.SIGTERM)  # the launcher became the server (exec): the signal reaches it
            assert proc.wait(timeout=30) is not None
        finally:
            if proc.poll() is None:
                proc.kill()
    with socket.socket() as s:  # nothing holds the port any more
        s.bind(("127.0.0.1", port))
    text = log.read_text()
    assert "No runtime found" not in text and "report cache" in text


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_raw_csv_gives_the_values_as_they_are(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = hostile_project(tmp_path / "p")  # a vendor named like a spreadsheet formula
    args = ["score", str(project), "--format", "csv", "--n-boot", "0", "-q", "--out"]
    assert run([*args, str(tmp_path / "safe")], capsys)[0] == 0
    assert run([*args, str(tmp_path / "raw"), "--raw-csv"], capsys)[0] == 0
    safe = pd.read_csv(tmp_path / "safe" / "summary.csv")["vendor"].tolist()
    raw = pd.read_csv(tmp_path / "raw" / "summary.csv")["vendor"].tolist()
    assert FORMULA_VENDOR in raw and FORMULA_VENDOR not in safe and "'" + FORMULA_VENDOR in safe


#: Run in a child process: the packages of the app and report extras cannot be imported, as in `pip install labeleval`.
WITHOUT_EXTRAS = """
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("streamlit", "vl_convert", "altair", "tomli_w"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, Absent())
import importlib.util
importlib.util.find_spec = lambda name, *a: None if name.split(".")[0] == "streamlit" else _find(name, *a)
from labeleval.cli.entry import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_the_core_scores_and_writes_documents_without_the_app_or_report_extras(
    sample_project: Path, tmp_path: Path
) -> None:
    script = "import importlib.util\n_find = importlib.util.find_spec\n" + WITHOUT_EXTRAS

    def run_bare(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, check=False
        )

    page = tmp_path / "r.html"
    done = run_bare("score", str(sample_project), "--n-boot", "0", "--format", "html", "--out", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text()
    assert "<h2>Verdict</h2>" in html and "pip install 'labeleval[report]'" in html and "<svg" not in html
    app = run_bare("app")
    assert app.returncode == 1 and "pip install 'labeleval[app]'" in app.stderr


def test_read_out_dash_writes_only_the_canonical_rows(capsys: pytest.CaptureFixture[str]) -> None:
    export = ROOT / "sample_data" / "content_safety" / "label_studio_export.json"
    code, out, err = run(["read", str(export), "--item-field", "data.item_id", "--out", "-"], capsys)
    assert code == 0 and err == ""
    rows = pd.read_csv(io.StringIO(out))
    assert list(rows.columns[:4]) == ["line", "item_id", "annotator_id", "label"]
    assert len(rows) > 100 and not (Path.cwd() / "-").exists()


def test_every_command_that_writes_csv_takes_raw_csv() -> None:
    """Each command with a CSV output offers --raw-csv (the spreadsheet-safe form stays the default)."""
    from labeleval.cli.main import _parser

    parser = _parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert isinstance(commands, dict)
    writers = {
        name
        for name, sub in commands.items()
        for action in sub._actions
        if action.dest == "format" and action.choices and "csv" in action.choices
    }
    assert writers >= {"score", "annotators", "gold-audit", "plan", "replace", "watch"}
    for name in [*writers, "read"]:
        assert any("--raw-csv" in a.option_strings for a in commands[name]._actions), name


@pytest.mark.parametrize("command", [["annotators"], ["plan"]])
def test_raw_csv_of_other_commands(command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = hostile_project(tmp_path / "p")  # a vendor named like a spreadsheet formula
    args = [command[0], str(project), *command[1:], "--format", "csv", "--out", "-"]
    code, safe, _ = run(args, capsys)
    assert code == 0
    code, raw, _ = run([*args, "--raw-csv"], capsys)
    assert code == 0
    assert FORMULA_VENDOR not in safe and "'" + FORMULA_VENDOR in safe.replace('""', '"')
    assert FORMULA_VENDOR in raw.replace('""', '"')


def test_read_takes_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`labeleval read -` reads a pipe: a table with --format, a native export sniffed from its content; the
    rows are those of the file itself."""
    export = ROOT / "sample_data" / "content_safety" / "label_studio_export.json"
    expected = run(["read", str(export), "--item-field", "data.item_id", "--out", "-"], capsys)[1]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(export.read_bytes())))
    code, out, err = run(["read", "-", "--item-field", "data.item_id", "--out", "-"], capsys)
    assert code == 0 and err == "" and out == expected
    table = "item,worker,label\n1,a,pos\n2,a,=neg\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(table.encode())))
    code, out, _ = run(["read", "-", "--format", "csv", "--out", "-", "--raw-csv"], capsys)
    assert code == 0 and pd.read_csv(io.StringIO(out))["label"].tolist() == ["pos", "=neg"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(table.encode())))
    code, out, _ = run(["read", "-", "--format", "csv"], capsys)
    assert code == 0 and out.startswith("stdin.csv: csv table")


@pytest.mark.slow
def test_score_a_graded_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`labeleval score` on graded written work: its own table, verdict and reliability; the sample regenerates to
    the same bytes; JSON carries the graded frames."""
    code, out, err = run(["score", str(ROOT / "sample_data" / "graded_writing"), "--n-boot", "100"], capsys)
    assert code == 0, err
    for words in ("Accepted, adjusted [95% CI]", "Cost/accepted", "Rubric reliability", "Criterion 'style'"):
        assert words in out
    sample = str(ROOT / "sample_data" / "graded_writing")
    code, out, err = run(["score", sample, "--n-boot", "0", "--format", "json", "--out", "-"], capsys)
    assert code == 0, err
    assert {"reliability", "severity", "judges"} <= set(json.loads(out))
    generated = tmp_path / "samples"
    assert run(["sample", str(generated)], capsys)[0] == 0
    for name in ("labeleval.toml", "reviews.csv", "scale_deliverables.csv", "surge_deliverables.jsonl", "README.md"):
        assert (generated / "graded_writing" / name).read_bytes() == (Path(sample) / name).read_bytes(), name


@pytest.mark.slow
def test_score_a_graded_project_shows_the_same_figures_in_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    """The terminal table, Markdown, HTML and JSON of a graded project carry the same criteria figures (the
    severity-adjusted mean of one vendor on one criterion, with its interval) and the reviewer balance warning."""
    sample = str(ROOT / "sample_data" / "graded_writing")
    code, out, err = run(["score", sample, "--n-boot", "100", "--format", "json", "--out", "-"], capsys)
    assert code == 0, err
    row = next(r for r in json.loads(out)["criteria"] if r["vendor"] == "Scale" and r["criterion"] == "accuracy")
    figure = f"{row['adjusted_score']:.3f} [{row['adjusted_score_ci_low']:.3f}, {row['adjusted_score_ci_high']:.3f}]"
    documents = {}
    for fmt in ("table", "markdown", "html"):
        code, out, err = run(["score", sample, "--n-boot", "100", "--format", fmt], capsys)
        assert code == 0, err
        documents[fmt] = out.replace("\\[", "[").replace("\\]", "]")
    for fmt, text in documents.items():
        assert figure in text, fmt
        assert "Reviewers are unbalanced across vendors" in text, fmt
    assert "Writers" in documents["markdown"] and "Reviewer balance" in documents["html"]
    assert documents["html"].count("<svg") == 5
    code, out, err = run(["annotators", sample], capsys)
    assert code == 0 and "Acceptance [CI]" in out and "60 writers" in out


@pytest.mark.slow
def test_validate_and_the_label_only_commands_on_a_graded_project(capsys: pytest.CaptureFixture[str]) -> None:
    sample = str(ROOT / "sample_data" / "graded_writing")
    code, out, err = run(["validate", sample], capsys)
    assert code == 0, err
    assert "reviews.csv" in out and "ok: every row is accounted for" in out
    for command in (["watch", sample], ["gold-audit", sample]):
        code, out, err = run(command, capsys)
        assert code == 1 and "works on labelling tasks" in err and "Traceback" not in err


def test_score_says_how_many_items_each_usable_rate_rests_on(
    sample_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under a consensus usability rule a usable rate is measured on the confident items only: the table and a
    sentence give each vendor's count, the count the Report holds."""
    summary = le.evaluate(sample_project, n_boot=0, usability="consensus").summary
    assert main(["score", str(sample_project), "--n-boot", "0", "--usability", "consensus"]) == 0
    out = capsys.readouterr().out
    assert "Usable rate (confident items)" in out
    for r in summary.itertuples(index=False):
        count = f"{int(r.usable_items):,}"
        assert f"{100 * r.usable_rate:.1f}% ({count})" in out
        assert f"{r.vendor} {count}" in out  # the sentence beside the table
    assert "Usable rates rest on the items with a confident cross-vendor consensus" in out
    assert main(["score", str(sample_project), "--n-boot", "0"]) == 0  # the gold rule: the leaderboard's gold items
    assert "Usable rate (" not in capsys.readouterr().out
