"""The CLI's arguments for the evaluation's settings, made from their one declaration
(:class:`labeleval.scoring.settings.Settings`): flag, type check, choices, default and help."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any

from labeleval.errors import LabelevalError
from labeleval.options import Option
from labeleval.scoring.settings import Spec, check_value, settings_specs

#: Settings that only a Python caller gives (a thread count is the CLI process's own business: all CPUs).
NOT_ON_THE_COMMAND_LINE = frozenset({"n_jobs"})


def add_settings_arguments(parser: argparse.ArgumentParser, names: Iterable[str] | None = None) -> None:
    """One ``--flag`` per setting (``names``: a subset, in declaration order); an argument left out is None, so
    the manifest's value or the default applies (:func:`~labeleval.scoring.settings.resolve_settings`)."""
    wanted = None if names is None else set(names)
    for name, default, spec in settings_specs():
        if name in NOT_ON_THE_COMMAND_LINE or (wanted is not None and name not in wanted):
            continue
        flag = "--" + name.replace("_", "-")
        text = f"{spec.help} ({_default_text(default, spec)})"
        if spec.check == "flag":
            parser.add_argument(flag, action="store_true", default=None, help=spec.help)
        elif spec.choices is not None:
            parser.add_argument(flag, choices=spec.choices.values(), default=None, help=text)
        else:
            parser.add_argument(flag, type=_checked(name, spec), default=None, help=text, metavar=name.upper())


def settings_given(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the command line gave (the others are left to the manifest and the defaults)."""
    return {name: getattr(args, name) for name, _, _ in settings_specs() if getattr(args, name, None) is not None}


def _default_text(default: Any, spec: Spec) -> str:
    shown = str(default) if isinstance(default, Option) else default
    if spec.manifest:
        return f"default: the manifest's, else {shown}"
    return "default: none" if shown is None else f"default: {shown}"


def _checked(name: str, spec: Spec) -> Callable[[str], Any]:
    """An argparse ``type``: the text as a number, checked as ``evaluate()`` checks it, with the same message."""

    def parse(text: str) -> Any:
        value: Any = text
        if spec.check in ("whole", "resamples"):
            try:
                value = int(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        elif spec.check in ("share", "open_share"):
            try:
                value = float(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
        try:
            return check_value(name, spec, value)
        except LabelevalError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse
