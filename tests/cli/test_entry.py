"""The ``labeleval`` entry point: help and version without the scoring code, the commands' examples."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from labeleval.cli.entry import COMMANDS, light_parser
from labeleval.cli.entry import main as entry_main
from labeleval.cli.main import _parser
from tests.helpers.paths import ROOT


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {action.dest: str(action.help) for action in sub._choices_actions}


def test_the_light_table_lists_the_full_parsers_commands_with_the_same_help() -> None:
    assert _helps(light_parser()) == _helps(_parser()) == {name: text for name, (text, _) in COMMANDS.items()}


def test_every_command_has_examples_and_quiet() -> None:
    for name, parser in _commands(_parser()).items():
        text = parser.format_help()
        assert "examples:\n  labeleval " + name in text, name
        assert "--quiet" in text, name


def test_help_imports_neither_pandas_nor_the_scoring_code() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "labeleval", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "score every vendor of a project" in result.stdout and "examples:" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "labeleval.cli.entry" in imported  # the check sees the imports
    assert not {m for m in imported if m.split(".")[0] in ("pandas", "numpy", "pyarrow")}
    assert "labeleval.cli.main" not in imported and "labeleval.api" not in imported


def test_version_and_usage_errors_exit_as_argparse_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        entry_main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.startswith("labeleval ")
    for args in ([], ["frobnicate"], ["--bogus"]):
        with pytest.raises(SystemExit) as info:
            entry_main(args)
        assert info.value.code == 2 and "error:" in capsys.readouterr().err


def test_a_command_is_run_by_the_full_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        entry_main(["score", "--help"])
    assert info.value.code == 0 and "--n-boot" in capsys.readouterr().out
