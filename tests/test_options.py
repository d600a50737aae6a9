"""Options are declared once (labeleval/options.py) and every bad value reads the same way."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

import labeleval as le
from labeleval.cli.main import _parser
from labeleval.options import (
    ConsensusMethod,
    Option,
    PricingModel,
    Reason,
    TaskKind,
    TiePolicy,
    UsabilityRule,
    invalid_option,
)

MANIFEST = """[task]
name = "t"
kind = "nominal"
labels = ["yes", "no"]

[usability]
rule = "consensus"

[[vendors]]
name = "First"
path = "v.csv"
label_map = {{ Y = "yes" }}
pricing = {{ model = "per_label", rate = 1 }}

[[vendors]]
name = "Second"
path = "v.csv"
label_map = {{ N = "{second}" }}
pricing = {{ model = "per_label", rate = 1 }}
{extra}"""


def write(tmp_path: Path, *, second: str = "no", extra: str = "") -> Path:
    (tmp_path / "v.csv").write_text("item_id,annotator_id,label\n1,a,yes\n1,b,yes\n2,a,no\n2,b,no\n")
    (tmp_path / "labeleval.toml").write_text(MANIFEST.format(second=second, extra=extra))
    return tmp_path


def test_a_wrong_label_map_names_the_line_of_its_own_vendor(tmp_path: Path) -> None:
    project = write(tmp_path, second="nope")
    lines = (project / "labeleval.toml").read_text().splitlines()
    wrong = next(i for i, line in enumerate(lines, start=1) if "nope" in line)
    with pytest.raises(le.ManifestError, match=rf"line {wrong}: \[\[vendors\]\] 'Second'\.label_map maps 'N'"):
        le.load_project(project)


@pytest.mark.parametrize(
    ("extra", "name", "option"),
    [
        ('\n[data]\ntie = "coin"\n', "[data].tie", TiePolicy),
        ('\n[data]\nconsensus = "vote"\n', "[data].consensus", ConsensusMethod),
    ],
)
def test_manifest_options_use_the_one_message(tmp_path: Path, extra: str, name: str, option: type[Option]) -> None:
    project = write(tmp_path, extra=extra)
    bad = extra.split('"')[1]
    with pytest.raises(le.ManifestError) as caught:
        le.load_project(project)
    assert str(caught.value).endswith(invalid_option(name, option.values(), bad))


@pytest.mark.parametrize(
    ("argument", "value", "option"),
    [("tie", "coin", TiePolicy), ("usability", "vibes", UsabilityRule), ("consensus", "vote", ConsensusMethod)],
)
def test_evaluate_options_use_the_one_message(tmp_path: Path, argument: str, value: str, option: type[Option]) -> None:
    project = write(tmp_path)
    with pytest.raises(le.LabelevalError) as caught:
        options: dict[str, Any] = {argument: value}
        le.evaluate(project, n_boot=0, **options)
    assert str(caught.value) == invalid_option(argument, option.values(), value)


def test_the_cli_offers_exactly_the_enum_values() -> None:
    parser = _parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    score = subparsers.choices["score"]
    choices = {a.dest: tuple(a.choices) for a in score._actions if a.choices is not None}
    assert choices["usability"] == UsabilityRule.values()
    assert choices["tie"] == TiePolicy.values()
    assert choices["consensus"] == ConsensusMethod.values()


def test_members_are_their_strings_and_carry_descriptions() -> None:
    for option in (TaskKind, UsabilityRule, TiePolicy, ConsensusMethod, PricingModel, Reason):
        for member in option:
            assert member == member.value and str(member) == member.value and repr(member) == repr(member.value)
            assert member.description, member
