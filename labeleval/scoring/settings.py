"""The options of one evaluation: checked once, from ``evaluate()``'s arguments over the manifest's."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from labeleval.errors import LabelevalError
from labeleval.executor import resolve_n_jobs
from labeleval.limits import current as current_limits
from labeleval.options import ConsensusMethod, TiePolicy, Uncertainty, UsabilityRule, parse_option
from labeleval.project.manifest import Project, load_project
from labeleval.project.schema import FlagRules

AGREEMENT_CI = "percentile, item-clustered Poisson bootstrap (items only)"
MULTIPLICITY = "single-step bootstrap max-T over the family (adjusted p and simultaneous intervals agree)"


def ci_method(uncertainty: Uncertainty) -> str:
    """How the intervals of the accuracy-type figures are made, in words (the Report says it)."""
    units = (
        "items and annotators (item + annotator - judgment bootstrap variance components, Satterthwaite t)"
        if uncertainty == Uncertainty.ITEMS_AND_ANNOTATORS
        else "items (item-clustered Poisson bootstrap)"
    )
    return f"Wilson score on the design-effect sample size; resampling {units}"


@dataclass(frozen=True)
class Settings:
    """Options of one evaluation (recorded in the Report, but for ``n_jobs``).

    ``n_jobs``: tasks the in-memory engine runs at a time (:mod:`labeleval.executor`), as a resolved count (1: one
    at a time, the default here; ``evaluate()`` takes scikit-learn's idiom and, with ``None``, every CPU this
    process may use). It changes no number, so the Report does not record it.
    """

    n_boot: int = 1000
    seed: int = 0
    confidence: float = 0.95
    usability: UsabilityRule = UsabilityRule.GOLD
    min_confidence: float = 0.9
    tie: TiePolicy = TiePolicy.FRACTIONAL
    consensus: ConsensusMethod = ConsensusMethod.MAJORITY_VOTE
    target_accuracy: float = 0.95
    rules: FlagRules = field(default_factory=FlagRules)
    uncertainty: Uncertainty = Uncertainty.ITEMS_AND_ANNOTATORS
    min_shared_gold: int = 20
    n_jobs: int = 1

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
            "agreement_ci_method": AGREEMENT_CI,
            "multiplicity": MULTIPLICITY,
            "min_shared_gold": self.min_shared_gold,
            "usability": str(self.usability),
            "min_confidence": self.min_confidence,
            "tie": str(self.tie),
            "consensus_method": str(self.consensus),
            "target_accuracy": self.target_accuracy,
            "flag_rules": asdict(self.rules),
        }


def as_project(project_or_path: Project | str | Path) -> Project:
    """A :class:`Project`, read from a folder or manifest path when given one."""
    if isinstance(project_or_path, Project):
        return project_or_path
    if isinstance(project_or_path, str | Path):
        return load_project(project_or_path)
    raise LabelevalError(
        f"expected a Project, a project folder or a labeleval.toml path; got {type(project_or_path).__name__}"
    )


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


def resolve_settings(
    project: Project,
    *,
    n_boot: int,
    seed: int,
    confidence: float,
    usability: str | None,
    min_confidence: float | None,
    tie: str | None,
    consensus: str | None,
    target_accuracy: float | None,
    uncertainty: str | None = None,
    min_shared_gold: int | None = None,
    n_jobs: int | None = None,
) -> Settings:
    """Check every option once; ``None`` takes the manifest's value (``n_jobs=None``: the CPUs this process
    may use, :func:`labeleval.executor.resolve_n_jobs`)."""
    rule = parse_option(UsabilityRule, project.usability.rule if usability is None else usability, "usability")
    if rule != UsabilityRule.CONSENSUS and project.gold is None:
        raise LabelevalError(f"usability rule {str(rule)!r} needs a gold file in the manifest")
    method = parse_option(ConsensusMethod, project.consensus if consensus is None else consensus, "consensus")
    if method == ConsensusMethod.DAWID_SKENE and project.task.kind in ("interval", "ratio", "multilabel"):
        raise LabelevalError(
            f"consensus='dawid_skene' needs categories; a {project.task.kind} task's consensus is the "
            f"{'per-label majority' if project.task.kind == 'multilabel' else 'mean'}"
        )
    return Settings(
        n_boot=_resamples(n_boot),
        seed=_whole("seed", seed),
        confidence=_share("confidence", confidence, closed=False),
        usability=rule,
        min_confidence=_share(
            "min_confidence", project.usability.min_confidence if min_confidence is None else min_confidence
        ),
        tie=parse_option(TiePolicy, project.tie if tie is None else tie, "tie"),
        consensus=method,
        target_accuracy=_share(
            "target_accuracy", project.quality.target_accuracy if target_accuracy is None else target_accuracy
        ),
        rules=project.quality.rules,
        uncertainty=parse_option(
            Uncertainty, project.uncertainty if uncertainty is None else uncertainty, "uncertainty"
        ),
        min_shared_gold=_whole(
            "min_shared_gold", project.min_shared_gold if min_shared_gold is None else min_shared_gold
        ),
        n_jobs=resolve_n_jobs(n_jobs),
    )
