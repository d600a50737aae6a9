"""The public :class:`Report`: the frames of an evaluation (:class:`~labeleval.scoring.report_data.ReportData`,
with their JSON and CSV exports) plus what people read of them: the Markdown and HTML reports and the plan of
how many more gold items would separate the vendors."""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from labeleval.analyses.plan import report_plan
from labeleval.present.notebook import report_html, report_repr
from labeleval.present.render import to_html, to_markdown
from labeleval.scoring.report_data import LARGE_FRAMES, ReportData

__all__ = ["LARGE_FRAMES", "Report", "as_report"]


@dataclass(frozen=True)
class Report(ReportData):
    """Everything ``evaluate()`` found, as tidy frames (see :class:`~labeleval.scoring.report_data.ReportData`
    for each frame), with the exports people read."""

    def plan(self, *, power: float = 0.8, alpha: float | None = None, difference: float | None = None) -> pd.DataFrame:
        """For every vendor pair, on accuracy (the verdict's comparison) and consensus accuracy, the shared gold
        items at which this report's own test (the bootstrap max-T over its decision family, with its
        uncertainty) separates them with ``power``, sized by simulation; see
        :func:`labeleval.analyses.plan.report_plan`. ``alpha`` defaults to ``1 - confidence``; ``difference``
        adds a plan for a difference you name (e.g. 0.03)."""
        return report_plan(self, power=power, alpha=alpha, difference=difference)

    def __repr__(self) -> str:
        """A few lines: what was scored and the vendors' headline figures (``to_html()`` has everything)."""
        return report_repr(self)

    def _repr_html_(self) -> str:
        """A notebook's view: the leaderboard with intervals and the verdict (every text escaped)."""
        return report_html(self)

    def to_markdown(self) -> str:
        """A readable report: the verdict, the leaderboard, comparisons, agreement, cost, the ledger and the
        method notes, with human column names (:func:`labeleval.present.render.to_markdown`)."""
        return to_markdown(self)

    def to_html(self) -> str:
        """A self-contained HTML document a data lead can forward: the Markdown report's content plus the
        cost-against-quality chart as inline SVG; no scripts, nothing loaded
        (:func:`labeleval.present.render.to_html`)."""
        return to_html(self)


def as_report(data: ReportData) -> Report:
    """``data`` as the public :class:`Report` (the same frames, not copied)."""
    if isinstance(data, Report):
        return data
    return Report(**{f.name: getattr(data, f.name) for f in fields(data)})
