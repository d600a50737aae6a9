"""A Report as a notebook shows it: a few lines of text (``repr``) and a small HTML view (``_repr_html_``).

Both say what was scored and how the vendors stand on the headline figures; the whole document is
``Report.to_html()``. Every user-given text (project, task, vendor names) is neutralised: control characters
removed for the terminal, escaped for HTML.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from labeleval import fmt
from labeleval.present.render import html_table, leaderboard
from labeleval.present.verdict import verdict
from labeleval.safety import terminal_text

if TYPE_CHECKING:
    from labeleval.scoring.report_data import ReportData

#: The leaderboard's columns the text view shows (the HTML view shows them all).
HEADLINE = ("Vendor", "Cost per usable label", "Judgments")


def headline(report: ReportData) -> str:
    """One line: the task, its kind, the vendors and the judgments scored, and where they came from."""
    s = report.settings
    summary = report.summary
    return terminal_text(
        f"{s.get('task')} ({s.get('kind')}, {len(s.get('labels', []))} labels) · {len(summary)} vendors · "
        f"{fmt.count(summary['n_judgments'].sum())} judgments · project {s.get('project')}",
        keep_newlines=False,
    )


def report_repr(report: ReportData) -> str:
    """A few lines: what was scored, one aligned row per vendor (accuracy, cost per usable label, judgments), and
    where the rest is."""
    board = leaderboard(report)
    accuracy = [c for c in board.columns if c.startswith("Accuracy")][:1]
    shown = board[[HEADLINE[0], *accuracy, *HEADLINE[1:]]] if len(board) else board
    cells = [[str(c) for c in shown.columns]]
    cells += [[terminal_text(str(v), keep_newlines=False) for v in row] for row in shown.itertuples(index=False)]
    widths = [max(len(r[k]) for r in cells) for k in range(len(cells[0]))] if cells[0] else []
    rows = [
        "  ".join(v.ljust(w) if k == 0 else v.rjust(w) for k, (v, w) in enumerate(zip(r, widths, strict=True)))
        for r in cells
    ]
    return "\n".join(
        [
            f"<labeleval Report: {headline(report)}>",
            *(f"  {r.rstrip()}" for r in rows),
            f"  {len(report.frame_names())} frames (.summary, .comparisons, .ledger, ...: frame_names()); "
            "to_html(), to_markdown(), to_json(), to_parquet(folder)",
        ]
    )


def report_html(report: ReportData) -> str:
    """The notebook's view: the headline, the leaderboard with intervals, and the verdict, every text escaped."""
    sentences = "".join(f"<li>{html.escape(terminal_text(x, keep_newlines=False))}</li>" for x in verdict(report))
    return (
        f"<div class='labeleval-report'><p><strong>labeleval Report</strong> · {html.escape(headline(report))}</p>"
        f"{html_table(leaderboard(report))}<ul>{sentences}</ul></div>"
    )
