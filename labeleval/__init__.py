"""labeleval: compare data-labelling vendors on agreement, accuracy against gold and cost per usable label.

The public API (DESIGN §5): metric functions take a long frame with ``item_id``, ``annotator_id`` and
``label``; ``evaluate()`` scores a whole project and returns a :class:`Report` of tidy frames.

Every name is imported on first use (PEP 562): ``import labeleval.fmt`` or the app's first page does not pay
for the scoring engine, SciPy or scikit-learn until something asks for them (issue 14.6).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from labeleval._version import __version__

if TYPE_CHECKING:
    from labeleval.consensus import Consensus, dawid_skene, majority_vote
    from labeleval.dataset import Dataset, load_data
    from labeleval.errors import (
        AdapterError,
        InsufficientDataError,
        LabelevalError,
        LimitError,
        ManifestError,
        SchemaError,
        UndefinedMetricWarning,
    )
    from labeleval.evaluate import evaluate
    from labeleval.io.inspect import FileReading, read_file
    from labeleval.limits import Limits
    from labeleval.metrics.accuracy import accuracy, confusion_matrix, macro_f1, per_class
    from labeleval.metrics.agreement import (
        cohen_kappa,
        fleiss_kappa,
        gwet_ac1,
        krippendorff_alpha,
        light_kappa,
        percent_agreement,
    )
    from labeleval.metrics.ordinal import gwet_ac2, icc, within_one_agreement
    from labeleval.metrics.sets import jaccard_distance, masi_distance
    from labeleval.plan import pair_plan, pilot_plan
    from labeleval.project import Project, load_project
    from labeleval.report import Report

#: Where each public name lives.
_WHERE: dict[str, str] = {
    "Consensus": "labeleval.consensus",
    "dawid_skene": "labeleval.consensus",
    "majority_vote": "labeleval.consensus",
    "Dataset": "labeleval.dataset",
    "load_data": "labeleval.dataset",
    "AdapterError": "labeleval.errors",
    "InsufficientDataError": "labeleval.errors",
    "LabelevalError": "labeleval.errors",
    "LimitError": "labeleval.errors",
    "ManifestError": "labeleval.errors",
    "SchemaError": "labeleval.errors",
    "UndefinedMetricWarning": "labeleval.errors",
    "evaluate": "labeleval.evaluate",
    "FileReading": "labeleval.io.inspect",
    "read_file": "labeleval.io.inspect",
    "Limits": "labeleval.limits",
    "accuracy": "labeleval.metrics.accuracy",
    "confusion_matrix": "labeleval.metrics.accuracy",
    "macro_f1": "labeleval.metrics.accuracy",
    "per_class": "labeleval.metrics.accuracy",
    "cohen_kappa": "labeleval.metrics.agreement",
    "fleiss_kappa": "labeleval.metrics.agreement",
    "gwet_ac1": "labeleval.metrics.agreement",
    "krippendorff_alpha": "labeleval.metrics.agreement",
    "light_kappa": "labeleval.metrics.agreement",
    "percent_agreement": "labeleval.metrics.agreement",
    "gwet_ac2": "labeleval.metrics.ordinal",
    "icc": "labeleval.metrics.ordinal",
    "within_one_agreement": "labeleval.metrics.ordinal",
    "jaccard_distance": "labeleval.metrics.sets",
    "masi_distance": "labeleval.metrics.sets",
    "pair_plan": "labeleval.plan",
    "pilot_plan": "labeleval.plan",
    "Project": "labeleval.project",
    "load_project": "labeleval.project",
    "Report": "labeleval.report",
}

__all__ = [
    "AdapterError",
    "Consensus",
    "Dataset",
    "FileReading",
    "InsufficientDataError",
    "LabelevalError",
    "LimitError",
    "Limits",
    "ManifestError",
    "Project",
    "Report",
    "SchemaError",
    "UndefinedMetricWarning",
    "__version__",
    "accuracy",
    "cohen_kappa",
    "confusion_matrix",
    "dawid_skene",
    "evaluate",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "icc",
    "jaccard_distance",
    "krippendorff_alpha",
    "light_kappa",
    "load_data",
    "load_project",
    "macro_f1",
    "majority_vote",
    "masi_distance",
    "pair_plan",
    "per_class",
    "percent_agreement",
    "pilot_plan",
    "read_file",
    "within_one_agreement",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'labeleval' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


class _Package(types.ModuleType):
    """``labeleval`` itself. Importing the submodule ``labeleval.evaluate`` would bind the package's
    ``evaluate`` to that module; the public name stays the function, as it was when everything was imported
    eagerly (where the ``from labeleval.evaluate import evaluate`` line rebound it)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _WHERE and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
