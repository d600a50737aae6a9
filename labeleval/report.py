"""The public :class:`Report`: the frames of an evaluation (:class:`~labeleval.scoring.report_data.ReportData`,
with their JSON and CSV exports) plus what people read of them: the Markdown and HTML reports and the plan of
how many more gold items would separate the vendors."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, fields

import pandas as pd

from labeleval.analyses.graded import GradedFrames
from labeleval.analyses.plan import report_plan
from labeleval.analyses.replacement import Replacement, replacement
from labeleval.analyses.sequential import Sequential, sequential
from labeleval.errors import LabelevalError
from labeleval.io.dataset import Dataset
from labeleval.present.graded_render import graded_html
from labeleval.present.graded_text import graded_markdown, graded_verdict, leaderboard_table
from labeleval.present.notebook import report_html, report_repr
from labeleval.present.render import to_html, to_markdown
from labeleval.scoring.report_data import LARGE_FRAMES, ReportData
from labeleval.tuning import WATCH_CONFIDENCE, WATCH_COST_MARGIN, WATCH_DELTA

__all__ = ["LARGE_FRAMES", "GradedReport", "Report", "as_report", "graded_report", "with_data"]


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

    def replacement(
        self, *, candidate: str, incumbent: str, epsilon: float | None = None, by: str | None = None
    ) -> Replacement:
        """Can ``candidate`` (a model, a cheaper vendor) stand in for ``incumbent``'s annotators? The alternative
        annotator test on the items both labelled, with ``epsilon`` from the two vendors' cost per usable label
        unless given, per slice of the item metadata column ``by``, and the TOST of gold accuracy beside it
        (:func:`labeleval.analyses.replacement.replacement`). Needs the judgments: a Report from ``evaluate()``."""
        return replacement(
            self._judgments(),
            candidate=candidate,
            incumbent=incumbent,
            epsilon=epsilon,
            by=by,
            costs=dict(zip(self.summary["vendor"], self.summary["cost_per_usable_label"], strict=True)),
            level=round(1.0 - float(self.settings.get("confidence", 0.95)), 10),
            seed=int(self.settings.get("seed", 0)),
        )

    def sequential(
        self,
        *,
        delta: float = WATCH_DELTA,
        confidence: float = WATCH_CONFIDENCE,
        over: str = "day",
        cost_margin: float = WATCH_COST_MARGIN,
    ) -> Sequential:
        """Can the pilot stop today? The gold items replayed in submission order, one look per ``over`` (day,
        week or batch), with anytime-valid confidence sequences for each vendor's gold accuracy and cost per
        usable label and each pair's paired difference and ratio of costs, and each pair's decisions (better,
        equivalent within ``delta``; cheaper, equivalent within ``cost_margin``; continue, inconclusive) with the
        first look they were reached (:func:`labeleval.analyses.sequential.sequential`)."""
        return sequential(self._judgments(), delta=delta, confidence=confidence, over=over, cost_margin=cost_margin)

    def _judgments(self) -> Dataset:
        data = _JUDGMENTS.get(id(self))
        if data is None:
            raise LabelevalError(
                "this Report does not carry its judgments (it was read back from a cache or an export, or copied): "
                "score the project again with labeleval.evaluate()"
            )
        return data

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
        """A self-contained HTML document a data lead can forward: the Markdown report's content plus its charts
        as inline SVG (cost against quality, the comparisons' forest plot, the confusion matrices, what
        redundancy buys, the consensus's calibration, and the slices and drift when present); no scripts, nothing
        loaded (:func:`labeleval.present.render.to_html`)."""
        return to_html(self)


#: The judgments each live Report from ``evaluate()`` was scored from, by the Report's id, dropped when the Report
#: is: held beside the Report rather than in it, so that its fields, exports, copies and pickles never see them.
_JUDGMENTS: dict[int, Dataset] = {}


def with_data(report: Report, data: Dataset) -> Report:
    """``report`` with the judgments it was scored from, for the questions that replay them
    (:meth:`Report.replacement`, :meth:`Report.sequential`); they are not exported, compared, copied or pickled."""
    key = id(report)
    _JUDGMENTS[key] = data
    weakref.finalize(report, _JUDGMENTS.pop, key, None)
    return report


def as_report(data: ReportData) -> Report:
    """``data`` as the public :class:`Report` (the same frames, not copied)."""
    if isinstance(data, Report):
        return data
    return Report(**{f.name: getattr(data, f.name) for f in fields(data)})


@dataclass(frozen=True)
class GradedReport(Report):
    """The Report of a graded task (``kind = "graded"``): written work scored by reviewers against a rubric.

    It is a :class:`Report`, so everything that takes one takes it; the frames that mean the same keep their
    names and the label frames (agreement, accuracy, per_class, confusion ...) are empty:

    summary
        One row per vendor: deliverables, acceptance rate adjusted for reviewer severity and raw, each with its
        interval (the adjusted one counts the severities' estimation, ``acceptance_rate_severity_se``), the
        weighted score on the reliable criteria (0-1, adjusted and raw), ``severity_exposure`` (raw less adjusted:
        what the reviewers it drew did to its score), total cost, cost per deliverable and per accepted deliverable
        with its interval.
    comparisons
        Every vendor pair on each reliable criterion and on the weighted score, on the prompts both answered,
        severity-adjusted: difference, raw difference, simultaneous interval and adjusted p-value (one max-T family).
    annotators
        The writers' report cards: deliverables, scored, accepted with a Wilson interval, mean weighted score.
    items
        One row per deliverable: vendor, prompt, writer, scores, accepted (adjusted and raw), weighted score.
    cost
        Per vendor: pricing model, deliverables, labour, total, per deliverable.
    criteria
        Per vendor and criterion: scores, raw mean, severity-adjusted mean and the reviews' pass rate, with
        intervals, and whether the criterion is in the verdict.
    reliability
        Per criterion: Krippendorff's alpha among the reviewers with its interval, and why a criterion is out.
    severity
        Each reviewer's severity per criterion, in points (positive: lenient).
    reviewer_balance
        Reviewer x vendor: scores given and their share of the vendor's scores.
    judges
        Each judge's and gold reviewer's agreement with the panel per criterion: offset from the panel's mean, its
        distance from the panel's reviewers less theirs from each other (with an interval); for a judge, the
        alternative annotator test (epsilon, reviewers tested and won against, winning rate, the judge's mean
        advantage probability, ``replacement``: can replace / cannot replace / cannot tell yet) and
        ``stands_in`` (it can replace them on a criterion the reviewers agree on).
    judge_reviewers
        The replacement test per judge, criterion and held-out reviewer: deliverables, the judge's and the
        reviewer's advantage probabilities, their difference, the p-value and its Benjamini-Yekutieli adjustment,
        whether the reviewer was tested and whether the judge wins against them.
    """

    criteria: pd.DataFrame = field(default_factory=pd.DataFrame)
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    severity: pd.DataFrame = field(default_factory=pd.DataFrame)
    reviewer_balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    judges: pd.DataFrame = field(default_factory=pd.DataFrame)
    judge_reviewers: pd.DataFrame = field(default_factory=pd.DataFrame)

    def plan(self, *, power: float = 0.8, alpha: float | None = None, difference: float | None = None) -> pd.DataFrame:
        """Not available for graded work: the sample-size plan is built on gold accuracy."""
        raise LabelevalError("plan() sizes gold items for labels; a graded task has no gold labels")

    def verdict(self) -> list[str]:
        """The findings in sentences, each from a test or a rubric check."""
        return graded_verdict(self.frames(), self.settings)

    def __repr__(self) -> str:
        table = leaderboard_table(self.frames(), self.settings)
        return f"GradedReport: {self.settings.get('task')}\n" + table.to_string(index=False)

    def _repr_html_(self) -> str:
        """A notebook's view: the document's verdict and tables, without its charts (``to_html()`` has them)."""
        return graded_html(self.frames(), self.settings, charts=False)

    def to_markdown(self) -> str:
        """The verdict, vendors, comparisons, rubric reliability, criteria and reviewer severity in Markdown."""
        return graded_markdown(self.frames(), self.settings)

    def to_html(self) -> str:
        """The Markdown report's content as a self-contained HTML document (no scripts, nothing loaded)."""
        return graded_html(self.frames(), self.settings)


def graded_report(found: GradedFrames, ledger: pd.DataFrame, quarantine: pd.DataFrame, notes: pd.DataFrame,
                  settings: dict[str, object]) -> GradedReport:  # fmt: skip
    """A graded evaluation's frames as its Report."""
    empty = pd.DataFrame()
    return GradedReport(
        summary=found.summary,
        agreement=empty,
        accuracy=empty,
        per_class=empty,
        confusion=empty,
        annotators=found.writers,
        redundancy=empty,
        task_metrics=empty,
        cost=found.cost,
        comparisons=found.comparisons,
        items=found.deliverables,
        ledger=ledger,
        quarantine=quarantine,
        notes=notes,
        criteria=found.criteria,
        reliability=found.reliability,
        severity=found.severity,
        reviewer_balance=found.reviewer_balance,
        judges=found.judges,
        judge_reviewers=found.judge_reviewers,
        settings={**settings, **found.facts},
    )
