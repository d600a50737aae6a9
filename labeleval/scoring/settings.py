"""The options of one evaluation, declared once: each :class:`Settings` field carries its help, its bounds or
choices, where the manifest holds the project's own value, and the widget the app draws for it
(:class:`Spec`). ``evaluate()``'s keywords and docstring, the CLI's arguments and the app's sidebar are made from
these declarations (:func:`settings_specs`), and :func:`resolve_settings` checks every value once.
"""

from __future__ import annotations

import difflib
import inspect
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np

from labeleval.errors import LabelevalError
from labeleval.executor import resolve_n_jobs
from labeleval.limits import current as current_limits
from labeleval.options import (
    ConsensusMethod,
    Engine,
    Option,
    TiePolicy,
    Uncertainty,
    UsabilityRule,
    Window,
    parse_option,
)
from labeleval.project.manifest import Project, load_project
from labeleval.project.schema import FlagRules

AGREEMENT_CI = "percentile, item-clustered Poisson bootstrap (items only)"
MULTIPLICITY = "single-step bootstrap max-T over the family (adjusted p and simultaneous intervals agree)"


def agreement_ci_method(uncertainty: Uncertainty) -> str:
    """How the agreement intervals are made, in words: alpha's counts the annotators under items and annotators."""
    if uncertainty != Uncertainty.ITEMS_AND_ANNOTATORS:
        return AGREEMENT_CI
    return (
        "percentile, item-clustered Poisson bootstrap; Krippendorff's alpha's widened by its annotators' part "
        "(delta-method variance components, Satterthwaite t); the other agreement figures items only"
    )


def ci_method(uncertainty: Uncertainty) -> str:
    """How the intervals of the accuracy-type figures are made, in words (the Report says it)."""
    units = (
        "items and annotators (item + annotator - judgment bootstrap variance components, Satterthwaite t)"
        if uncertainty == Uncertainty.ITEMS_AND_ANNOTATORS
        else "items (item-clustered Poisson bootstrap)"
    )
    return f"Wilson score on the design-effect sample size; resampling {units}"


#: How a value is checked: a whole number >= 0, a share in (0, 1], a share in (0, 1), one of an option's values,
#: scikit-learn's n_jobs, a column name, or a flag.
Check = Literal["whole", "resamples", "share", "open_share", "choice", "n_jobs", "text", "flag"]


@dataclass(frozen=True)
class Widget:
    """The sidebar's widget for a setting: a slider (``low``, ``high``, ``step``), a select slider over
    ``values``, a number input, or a select box over the option's values."""

    kind: Literal["slider", "select_slider", "number", "select"]
    low: float = 0.0
    high: float = 1.0
    step: float = 1.0
    values: tuple[object, ...] = ()


@dataclass(frozen=True)
class Spec:
    """What one setting is, for every surface that shows it."""

    help: str
    label: str
    check: Check
    choices: type[Option] | None = None
    #: the manifest's value of the project (a dotted attribute of :class:`Project`); None: not in the manifest
    manifest: str | None = None
    widget: Widget | None = None
    #: a keyword of ``evaluate()`` and an argument of ``labeleval score`` (False: read from the manifest only)
    argument: bool = True

    def value_of(self, project: Project) -> Any:
        """The project's own value of this setting (its manifest's)."""
        value: Any = project
        for part in str(self.manifest).split("."):
            value = getattr(value, part)
        return value


def setting(default: Any, spec: Spec) -> Any:
    """A :class:`Settings` field: its default and its :class:`Spec`."""
    if isinstance(default, FlagRules):
        return field(default_factory=FlagRules, metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


#: Every setting's declaration, by name (the :class:`Settings` field of the same name carries it).
SPECS: dict[str, Spec] = {
    "n_boot": Spec(
        "bootstrap resamples for the confidence intervals (0 skips them)",
        "Bootstrap resamples",
        "resamples",
        widget=Widget("select_slider", values=(0, 200, 500, 1000, 2000)),
    ),
    "seed": Spec(
        "seed of the resampling and of random tie-breaking: the same seed gives the same Report",
        "Seed",
        "whole",
        widget=Widget("number"),
    ),
    "confidence": Spec(
        "confidence level of the intervals",
        "Confidence level",
        "open_share",
        widget=Widget("slider", 0.80, 0.99, 0.01),
    ),
    "usability": Spec(
        "what makes a judgment usable: equal to gold, to a confident cross-vendor consensus, or gold else consensus",
        "Usable label means",
        "choice",
        UsabilityRule,
        manifest="usability.rule",
        widget=Widget("select"),
    ),
    "min_confidence": Spec(
        "share of a vendor's judgments that must agree for its consensus to count as confident (consensus rules)",
        "Consensus confidence threshold",
        "share",
        manifest="usability.min_confidence",
        widget=Widget("slider", 0.5, 1.0, 0.05),
    ),
    "tie": Spec(
        "how a majority-vote tie is scored",
        "Majority-vote ties",
        "choice",
        TiePolicy,
        manifest="tie",
        widget=Widget("select"),
    ),
    "consensus": Spec(
        "the consensus behind consensus accuracy, the cost per correct item and the consensus usability rules "
        "(both methods' consensus accuracies are always in the summary)",
        "Consensus method",
        "choice",
        ConsensusMethod,
        manifest="consensus",
        widget=Widget("select"),
    ),
    "target_accuracy": Spec(
        "the consensus accuracy the redundancy analysis looks for (cheapest vendor and labels per item)",
        "Target consensus accuracy",
        "share",
        manifest="quality.target_accuracy",
        widget=Widget("slider", 0.8, 1.0, 0.01),
    ),
    "rules": Spec(
        "the low-performer flags' thresholds", "Flag rules", "text", manifest="quality.rules", argument=False
    ),
    "uncertainty": Spec(
        "what the intervals of accuracy, consensus accuracy, usable rate, costs and Krippendorff's alpha cover; "
        "the other agreement figures' intervals (percent agreement, kappa, AC1) cover items only",
        "Intervals cover",
        "choice",
        Uncertainty,
        manifest="uncertainty",
        widget=Widget("select"),
    ),
    "min_shared_gold": Spec(
        "gold items two vendors must share to be compared on accuracy-type metrics",
        "Shared gold items to compare",
        "whole",
        manifest="min_shared_gold",
    ),
    "by": Spec(
        "an item metadata column to slice by, e.g. language ([items] or [gold] metadata; see docs/usage.md): "
        "fills slices, slice_comparisons and slice_ranking",
        "Slice by",
        "text",
    ),
    "over": Spec(
        "time windows or batches to follow the metrics over: fills drift and annotator_drift",
        "Windows",
        "choice",
        Window,
    ),
    "exclude_suspect_gold": Spec(
        "leave the gold items the gold audit marks as suspect out of every accuracy figure",
        "Exclude suspect gold",
        "flag",
    ),
    "engine": Spec(
        "where the row work runs: memory, stream (chunk by chunk, memory bounded by one chunk plus the codes), "
        "dask (chunks as tasks on a Dask cluster), or auto (stream above 1 GB or 2**25 Parquet rows of vendor "
        "files, or for a folder or glob of Parquet files); every engine gives the same Report",
        "Engine",
        "choice",
        Engine,
    ),
    "n_jobs": Spec(
        "tasks the in-memory engine runs at a time (None: every CPU this process may use; 1: one at a time; "
        "-1: all CPUs); the Report is the same whatever it is",
        "Parallel tasks",
        "n_jobs",
    ),
}


@dataclass(frozen=True)
class Settings:
    """Options of one evaluation (the Report records those that change a number, see :meth:`as_dict`).

    Each field is declared once, with its :class:`Spec`; ``None`` given to :func:`resolve_settings` takes the
    manifest's value where the manifest has one, else the default here.
    """

    n_boot: int = setting(1000, SPECS["n_boot"])
    seed: int = setting(0, SPECS["seed"])
    confidence: float = setting(0.95, SPECS["confidence"])
    usability: UsabilityRule = setting(UsabilityRule.GOLD, SPECS["usability"])
    min_confidence: float = setting(0.9, SPECS["min_confidence"])
    tie: TiePolicy = setting(TiePolicy.FRACTIONAL, SPECS["tie"])
    consensus: ConsensusMethod = setting(ConsensusMethod.MAJORITY_VOTE, SPECS["consensus"])
    target_accuracy: float = setting(0.95, SPECS["target_accuracy"])
    rules: FlagRules = setting(FlagRules(), SPECS["rules"])
    uncertainty: Uncertainty = setting(Uncertainty.ITEMS_AND_ANNOTATORS, SPECS["uncertainty"])
    min_shared_gold: int = setting(20, SPECS["min_shared_gold"])
    by: str | None = setting(None, SPECS["by"])
    over: Window | None = setting(None, SPECS["over"])
    exclude_suspect_gold: bool = setting(False, SPECS["exclude_suspect_gold"])
    engine: Engine = setting(Engine.AUTO, SPECS["engine"])
    n_jobs: int | None = setting(None, SPECS["n_jobs"])

    @property
    def dawid_skene(self) -> bool:
        return self.consensus == ConsensusMethod.DAWID_SKENE

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain values, for the Report."""
        return {
            "n_boot": self.n_boot,
            "seed": self.seed,
            "confidence": self.confidence,
            "ci_method": ci_method(self.uncertainty),
            "uncertainty": str(self.uncertainty),
            "agreement_ci_method": agreement_ci_method(self.uncertainty),
            "multiplicity": MULTIPLICITY,
            "min_shared_gold": self.min_shared_gold,
            "usability": str(self.usability),
            "min_confidence": self.min_confidence,
            "tie": str(self.tie),
            "consensus_method": str(self.consensus),
            "target_accuracy": self.target_accuracy,
            "flag_rules": asdict(self.rules),
        }


def as_project(project_or_path: object) -> Project:
    """A :class:`Project`, read from a folder or manifest path when given one."""
    if isinstance(project_or_path, Project):
        return project_or_path
    if isinstance(project_or_path, str | Path):
        return load_project(project_or_path)
    raise LabelevalError(
        f"expected a Project, a project folder, a labeleval.toml path, a DataFrame or a mapping of vendor name "
        f"to DataFrame; got {type(project_or_path).__name__}"
    )


def settings_specs(*, arguments_only: bool = True) -> Iterator[tuple[str, Any, Spec]]:
    """(name, default, spec) of every setting, in declaration order (``arguments_only``: those that are keywords
    of ``evaluate()`` and arguments of ``labeleval score``)."""
    for f in fields(Settings):
        spec: Spec = f.metadata["spec"]
        if spec.argument or not arguments_only:
            yield f.name, f.default_factory() if callable(f.default_factory) else f.default, spec


def project_defaults(project: Project) -> dict[str, Any]:
    """Each setting's value for ``project`` when nothing is given: the manifest's where it has one."""
    return {name: spec.value_of(project) if spec.manifest else default for name, default, spec in settings_specs()}


def signature_parameters() -> list[inspect.Parameter]:
    """``evaluate()``'s keyword-only parameters for the settings: a manifest-backed one defaults to None (the
    manifest's value)."""
    parameters = []
    for name, default, spec in settings_specs():
        shown = None if spec.manifest else default
        if isinstance(shown, Option):
            shown = str(shown)
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=shown))
    return parameters


def parameters_doc(indent: str = "    ") -> str:
    """The settings' entries of a numpydoc Parameters section."""
    lines = []
    for name, default, spec in settings_specs():
        if spec.manifest:
            where = f"default: the manifest's, else {_shown(default)}"
        else:
            where = f"default {_shown(default)}"
        choices = f" One of {', '.join(map(repr, spec.choices.values()))}." if spec.choices else ""
        text = f"{spec.help[0].upper()}{spec.help[1:]} ({where}).{choices}"
        lines += [f"{indent}{name}", textwrap.fill(text, 112, initial_indent=indent * 2, subsequent_indent=indent * 2)]
    return "\n".join(lines)


def _shown(value: Any) -> str:
    return repr(str(value)) if isinstance(value, Option) else repr(value)


def check_value(name: str, spec: Spec, value: Any) -> Any:
    """``value`` as the setting's type, or a :class:`LabelevalError` naming the setting and what it allows."""
    checks: dict[str, Callable[[str, Any], Any]] = {
        "whole": _whole,
        "resamples": lambda n, v: _resamples(v),
        "share": _share,
        "open_share": lambda n, v: _share(n, v, closed=False),
        "n_jobs": _n_jobs,
        "text": _text,
        "flag": _flag,
    }
    if spec.check == "choice":
        assert spec.choices is not None  # a choice setting names its option
        return None if value is None else parse_option(spec.choices, value, name)
    return checks[spec.check](name, value)


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise LabelevalError(f"{name} must be a whole number >= 0; got {value!r} instead")
    return int(value)


def _resamples(value: object) -> int:
    """``n_boot``: a whole number within the resamples limit (``LABELEVAL_MAX_RESAMPLES``, labeleval.limits)."""
    n_boot = _whole("n_boot", value)
    current_limits().check("resamples", n_boot, "n_boot")
    return n_boot


def _share(name: str, value: object, *, closed: bool = True) -> float:
    """A number in (0, 1] (``closed``) or (0, 1)."""
    interval = "(0, 1]" if closed else "(0, 1), e.g. 0.95"
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise LabelevalError(f"{name} must be a number in {interval}; got {value!r} instead")
    number = float(value)
    if not (0 < number <= 1 if closed else 0 < number < 1):
        raise LabelevalError(f"{name} must be a number in {interval}; got {value!r} instead")
    return number


def _n_jobs(name: str, value: object) -> int | None:
    """``n_jobs`` as given (None: every CPU), once :func:`~labeleval.executor.resolve_n_jobs` has accepted it."""
    if value is None:
        return None
    resolve_n_jobs(value)  # type: ignore[arg-type]  # raises for anything but a whole number other than 0
    return int(value)  # type: ignore[call-overload]


def _text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise LabelevalError(f"{name} must be a column name; got {value!r} instead")
    return value


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise LabelevalError(f"{name} must be True or False; got {value!r} instead")
    return bool(value)


def resolve_settings(project: Project, **given: Any) -> Settings:
    """Check every option once. A keyword left out or None takes the manifest's value where the manifest has one,
    else the default (:class:`Settings`); an unknown keyword is a TypeError, as for any Python call."""
    known = {name for name, _, _ in settings_specs()}
    for name in given:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"evaluate() got an unexpected keyword argument {name!r}{hint}")
    defaults = project_defaults(project)
    values: dict[str, Any] = {"rules": project.quality.rules}
    for name, _, spec in settings_specs():
        value = given.get(name)
        chosen = defaults[name] if value is None else value
        values[name] = check_value(name, spec, chosen)
    settings = Settings(**values)
    _check_with_project(settings, project)
    return settings


def _check_with_project(settings: Settings, project: Project) -> None:
    """What a setting's value needs of the project."""
    if settings.usability != UsabilityRule.CONSENSUS and project.gold is None:
        raise LabelevalError(f"usability rule {str(settings.usability)!r} needs a gold file in the manifest")
    if settings.dawid_skene and project.task.kind in ("interval", "ratio", "multilabel"):
        raise LabelevalError(
            f"consensus='dawid_skene' needs categories; a {project.task.kind} task's consensus is the "
            f"{'per-label majority' if project.task.kind == 'multilabel' else 'mean'}"
        )


def options_of(settings: Settings) -> Mapping[str, Any]:
    """``settings`` as ``evaluate()`` keywords (the inverse of :func:`resolve_settings`)."""
    return {name: getattr(settings, name) for name, _, _ in settings_specs()}
