"""The evaluation's settings are declared once (labeleval/scoring/settings.py); evaluate()'s keywords and
docstring, the CLI's arguments and the app's sidebar are made from the declarations and agree with them."""

from __future__ import annotations

import argparse
import inspect

import pytest

import labeleval as le
from labeleval.cli.main import _parser
from labeleval.cli.settings import NOT_ON_THE_COMMAND_LINE
from labeleval.errors import LabelevalError
from labeleval.options import Option
from labeleval.project.manifest import load_project
from labeleval.scoring.settings import SPECS, Settings, options_of, resolve_settings, settings_specs
from labeleval.ui.state import SIDEBAR
from tests.helpers.paths import SAMPLE


def _score_actions() -> dict[str, argparse.Action]:
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a for a in sub.choices["score"]._actions}


def test_every_field_has_one_declaration() -> None:
    names = [name for name, _, _ in settings_specs(arguments_only=False)]
    assert names == list(SPECS) == list(Settings.__dataclass_fields__)


def test_evaluate_takes_every_setting_as_a_keyword_with_its_default() -> None:
    parameters = inspect.signature(le.evaluate).parameters
    for name, default, spec in settings_specs():
        parameter = parameters[name]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
        expected = None if spec.manifest else (str(default) if isinstance(default, Option) else default)
        assert parameter.default == expected, name
        assert f"\n    {name}\n" in (le.evaluate.__doc__ or ""), name  # documented from the declaration
    assert "rules" not in parameters  # read from the manifest only


def test_the_cli_has_an_argument_per_setting_with_the_same_choices() -> None:
    actions = _score_actions()
    for name, _, spec in settings_specs():
        if name in NOT_ON_THE_COMMAND_LINE:
            assert name not in actions
            continue
        action = actions[name]
        assert action.option_strings == ["--" + name.replace("_", "-")]
        assert action.default is None  # left out: the manifest's value or the default applies
        if spec.choices is not None:
            assert tuple(action.choices or ()) == spec.choices.values(), name
        assert action.help and spec.help in action.help


def test_the_cli_checks_a_value_as_evaluate_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        _parser().parse_args(["score", str(SAMPLE), "--confidence", "1.5"])
    assert stop.value.code == 2
    assert "confidence must be a number in (0, 1)" in capsys.readouterr().err
    with pytest.raises(LabelevalError, match=r"confidence must be a number in \(0, 1\)"):
        le.evaluate(SAMPLE, confidence=1.5)


def test_the_sidebar_shows_the_settings_that_declare_a_widget() -> None:
    assert tuple(name for name, spec in SPECS.items() if spec.widget is not None) == SIDEBAR
    assert {"n_boot", "seed", "confidence", "usability", "consensus", "uncertainty"} <= set(SIDEBAR)


def test_an_unknown_keyword_is_a_type_error_with_a_suggestion() -> None:
    project = load_project(SAMPLE)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'nboot'; did you mean 'n_boot'\?"):
        resolve_settings(project, nboot=10)


def test_left_out_settings_take_the_manifest_s_values() -> None:
    project = load_project(SAMPLE)
    settings = resolve_settings(project)
    assert settings.usability == project.usability.rule
    assert settings.min_confidence == project.usability.min_confidence
    assert settings.rules == project.quality.rules
    assert settings.n_boot == 1000 and settings.engine == "auto"
    again = resolve_settings(project, **options_of(settings))
    assert again == settings
