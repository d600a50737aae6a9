"""labeleval: compare data-labelling vendors on agreement, accuracy against gold and cost per usable label.

The public API: metric functions take a long frame with ``item_id``, ``annotator_id`` and ``label``;
``evaluate()`` scores a whole project and returns a :class:`Report` of tidy frames.

Every public name is imported on first use (PEP 562), from the one table below: ``import labeleval`` or the
app's first page does not pay for the scoring, SciPy or scikit-learn until something asks for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from labeleval.project.version import __version__

if TYPE_CHECKING:  # the same names for type checkers (tests/test_api.py keeps the two equal)
    from labeleval.analyses.plan import pair_plan, pilot_plan
    from labeleval.api import evaluate
    from labeleval.errors import (
        AdapterError,
        InsufficientDataError,
        LabelevalError,
        LimitError,
        ManifestError,
        SchemaError,
        UndefinedMetricWarning,
    )
    from labeleval.inference.consensus import Consensus, dawid_skene, majority_vote
    from labeleval.io.dataset import Dataset
    from labeleval.io.inspect import FileReading, read_file
    from labeleval.io.pipeline import load_data
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
    from labeleval.metrics.agreement_difference import kappa_difference
    from labeleval.metrics.agreement_parts import annotator_agreement, category_agreement
    from labeleval.metrics.agreement_table import agreement_table
    from labeleval.metrics.bands import agreement_bands
    from labeleval.metrics.family import (
        bennett_s,
        brennan_prediger,
        conger_kappa,
        hubert_kappa,
        randolph_kappa,
        scott_pi,
    )
    from labeleval.metrics.ordinal import gwet_ac2, icc, within_one_agreement
    from labeleval.metrics.sets import jaccard_distance, masi_distance
    from labeleval.project.manifest import Project, load_project
    from labeleval.report import GradedReport, Report

#: The public names and the module each lives in: the one table ``__all__``, ``__getattr__`` and ``dir()`` read.
PUBLIC: dict[str, str] = {
    "Consensus": "labeleval.inference.consensus",
    "dawid_skene": "labeleval.inference.consensus",
    "majority_vote": "labeleval.inference.consensus",
    "Dataset": "labeleval.io.dataset",
    "load_data": "labeleval.io.pipeline",
    "AdapterError": "labeleval.errors",
    "InsufficientDataError": "labeleval.errors",
    "LabelevalError": "labeleval.errors",
    "LimitError": "labeleval.errors",
    "ManifestError": "labeleval.errors",
    "SchemaError": "labeleval.errors",
    "UndefinedMetricWarning": "labeleval.errors",
    "evaluate": "labeleval.api",
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
    "agreement_table": "labeleval.metrics.agreement_table",
    "kappa_difference": "labeleval.metrics.agreement_difference",
    "annotator_agreement": "labeleval.metrics.agreement_parts",
    "category_agreement": "labeleval.metrics.agreement_parts",
    "agreement_bands": "labeleval.metrics.bands",
    "bennett_s": "labeleval.metrics.family",
    "brennan_prediger": "labeleval.metrics.family",
    "conger_kappa": "labeleval.metrics.family",
    "hubert_kappa": "labeleval.metrics.family",
    "randolph_kappa": "labeleval.metrics.family",
    "scott_pi": "labeleval.metrics.family",
    "gwet_ac2": "labeleval.metrics.ordinal",
    "icc": "labeleval.metrics.ordinal",
    "within_one_agreement": "labeleval.metrics.ordinal",
    "jaccard_distance": "labeleval.metrics.sets",
    "masi_distance": "labeleval.metrics.sets",
    "pair_plan": "labeleval.analyses.plan",
    "pilot_plan": "labeleval.analyses.plan",
    "Project": "labeleval.project.manifest",
    "load_project": "labeleval.project.manifest",
    "GradedReport": "labeleval.report",
    "Report": "labeleval.report",
}

__all__ = ["__version__", *sorted(PUBLIC)]


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    module = PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'labeleval' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *PUBLIC})
