"""``labeleval replace`` and ``labeleval watch`` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from labeleval.cli.main import main
from tests.helpers.replacement_projects import write_replacement_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(write_replacement_project(tmp_path_factory.mktemp("cli"), n_items=90).parent)


def test_replace_table(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replace", project, "--candidate", "Model", "--incumbent", "Panel", "--epsilon", "0.15"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Can Model replace Panel's annotators?")
    assert "winning rate" in text and "Benjamini-Yekutieli" in text and "epsilon = 0.150 (given)" in text


def test_replace_json_and_csv(project: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replace", project, "--candidate", "Model", "--incumbent", "Panel", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["decision"][0]["annotators_tested"] == 4 and len(payload["annotators"]) == 4
    out = tmp_path / "annotators.csv"
    args = ["replace", project, "--candidate", "Model", "--incumbent", "Panel", "--by", "region"]
    assert main([*args, "--format", "csv", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert len(frame) == 8 and set(frame["slice"]) == {"north", "south"}


def test_replace_errors(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replace", project, "--candidate", "Nobody", "--incumbent", "Panel"]) == 1
    assert "no vendor named 'Nobody'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["replace", project, "--candidate", "Model", "--incumbent", "Panel", "--epsilon", "2"])
    assert exit_info.value.code == 2


def test_watch_table_json_csv(project: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", project, "--delta", "0.1"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Watching the pilot: 10 looks (one per day); equivalent within ±10.0 points")
    assert "Panel vs Model" in text and "anytime-valid" in text
    assert "Cost per usable label (on gold) now: Panel $" in text and "Model cheaper" in text
    assert main(["watch", project, "--format", "json", "--cost-margin", "0.2"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["decisions"]) == len(payload["cost_decisions"]) == 1 and len(payload["sequences"]) == 60
    assert payload["settings"]["cost_margin"] == 0.2
    out = tmp_path / "looks.csv"
    assert main(["watch", project, "--over", "week", "--format", "csv", "--out", str(out)]) == 0
    assert set(pd.read_csv(out)["what"]) == {"accuracy", "difference", "cost", "cost ratio"}


def test_watch_errors(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", project, "--over", "batch"]) == 1
    assert "batch_id" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["watch", project, "--confidence", "1.5"])
