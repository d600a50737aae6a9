"""Every terminal output of the commands on the bundled samples speaks in display names and formats: no Report
column name, no e-notation, no bare currency code."""

from __future__ import annotations

import re

import pytest

import labeleval as le
from labeleval.cli.main import main
from labeleval.project.schema import CANONICAL_COLUMNS
from tests.helpers.paths import ROOT

SAMPLES = ("content_safety", "ticket_pilot", "preference_pairs", "helpfulness_likert", "llm_judge")
COMMANDS = (["score", "--n-boot", "200"], ["annotators"], ["validate"], ["gold-audit"], ["watch"])
E_NOTATION = re.compile(r"\b\d(?:\.\d+)?e[-+]?\d+\b", re.IGNORECASE)
CURRENCY_CODE = re.compile(r"\b(?:USD|EUR|GBP|JPY)\b")


def raw_names(report: le.Report) -> set[str]:
    """The column names of the Report's frames that a reader would take for code (those with an underscore),
    except the data model's own columns: the manifest's ``columns = {annotator_id = ...}`` keys, which the
    ledger names as the field a row was quarantined on."""
    frames = (report.summary, report.comparisons, report.annotators, report.agreement, report.per_class, report.cost)
    names = {str(c) for frame in frames for c in frame.columns if "_" in str(c)}
    return names - set(CANONICAL_COLUMNS)


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
def test_command_outputs_use_display_names_and_formats(sample: str, capsys: pytest.CaptureFixture[str]) -> None:
    project = str(ROOT / "sample_data" / sample)
    names = raw_names(le.evaluate(project, n_boot=0))
    assert {"consensus_accuracy", "cost_per_usable_label"} <= names  # the scan looks for the real column names
    raw = re.compile(r"(?<![\w./-])(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")(?![\w-])")
    for command in COMMANDS:
        code = main([command[0], project, *command[1:]])
        out = capsys.readouterr().out
        if code != 0:  # a command the sample cannot answer (watch without submission times) says why
            continue
        assert not raw.findall(out), (command, sorted(set(raw.findall(out))))
        assert not E_NOTATION.findall(out), (command, E_NOTATION.findall(out))
        assert not CURRENCY_CODE.findall(out), (command, CURRENCY_CODE.findall(out))
