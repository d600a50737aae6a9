"""labeleval: compare data-labelling vendors on agreement, accuracy against gold and cost per usable label.

The public API (DESIGN §5): metric functions take a long frame with ``item_id``, ``annotator_id`` and
``label``; ``evaluate()`` scores a whole project and returns a :class:`Report` of tidy frames.
"""

from labeleval._version import __version__
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
