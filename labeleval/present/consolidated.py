"""Vendors that deliver one consolidated answer per item: which they are, and why their blanks are blank.

Such a vendor (``Dataset.consolidated``, noted as ``CONSOLIDATED_ONLY``) is compared as a consensus: on consensus
accuracy and cost, never on per-judgment accuracy, and agreement within it cannot be measured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from labeleval.project.schema import CONSOLIDATED_ONLY
from labeleval.scoring.encode import CONSOLIDATED_NOTE

if TYPE_CHECKING:
    from labeleval.scoring.report_data import ReportData

#: the figures a consolidated-only vendor leaves blank, and why
BLANK_COLUMNS: Final = ("alpha", "accuracy")
REASON: Final = CONSOLIDATED_NOTE


def consolidated_vendors(report: ReportData) -> list[str]:
    """The vendors whose rows are one consolidated answer per item, in the Report's order."""
    notes = report.notes
    if notes is None or not len(notes) or "code" not in notes.columns:
        return []
    return [str(v) for v in notes.loc[notes["code"] == CONSOLIDATED_ONLY, "vendor"]]
