"""A graded Report as one self-contained HTML page: the verdict, the tables of the Markdown report and their
charts drawn inline (no scripts, nothing loaded from elsewhere), every piece of user text escaped."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from labeleval import fmt
from labeleval.present import graded_charts
from labeleval.present.graded_text import (
    BALANCE_TITLE,
    balance_note,
    graded_verdict,
    method_line,
    sections,
)
from labeleval.present.render import STYLE, _figure, _html, html_table


def graded_subtitle(frames: Mapping[str, pd.DataFrame], settings: Mapping[str, Any]) -> str:
    """The line under the title: kind, criteria, vendors, deliverables, prompts, reviewers, intervals."""
    summary = frames["summary"]
    deliverables = int(summary["deliverables"].sum()) if len(summary) else 0
    return (
        f"graded task · {len(frames['reliability'])} criteria · {len(summary)} vendors · "
        f"{fmt.count(deliverables)} deliverables · {fmt.count(settings.get('prompts', 0))} prompts · "
        f"{fmt.count(settings.get('reviewers', 0))} reviewers · "
        f"{fmt.confidence_level(float(settings.get('confidence', 0.95)))} intervals"
    )


def _figures(frames: Mapping[str, pd.DataFrame], settings: Mapping[str, Any]) -> dict[str, Callable[[], str]]:
    """Section title -> the figure drawn under its table (built only when the section is written)."""
    vendors = frames["summary"]["vendor"].astype(str).tolist()
    out: dict[str, Callable[[], str]] = {
        "Comparisons on shared prompts (one max-T family)": lambda: _figure(
            lambda: graded_charts.graded_forest(frames["comparisons"]),
            "Each vendor pair's severity-adjusted difference (A minus B) per criterion and on the weighted score, "
            "with its simultaneous interval; filled red where the family's test finds a difference.",
        ),
        "Rubric reliability (reviewers' agreement)": lambda: _figure(
            lambda: graded_charts.reliability_chart(frames["reliability"], float(settings.get("min_alpha", 0))),
            "Krippendorff's alpha among the reviewers per criterion with its interval; the dashed line is the "
            "reliability a criterion needs to enter the verdict.",
        ),
        "Criteria": lambda: _figure(
            lambda: graded_charts.criteria_chart(frames["criteria"], vendors),
            "Each vendor's mean score per criterion, adjusted for reviewer severity (dark) and raw (grey), with "
            "intervals.",
        ),
        "Reviewer severity (points; + lenient, - severe)": lambda: _figure(
            lambda: graded_charts.severity_heatmap(frames["severity"]),
            "Each reviewer's severity per criterion in points: blue lenient, red severe.",
        ),
        "Writers": lambda: _figure(
            lambda: graded_charts.writers_chart(frames["annotators"], vendors),
            "Each writer's share of deliverables accepted, by vendor, sized by deliverables.",
        ),
    }
    return out


def graded_html(frames: Mapping[str, pd.DataFrame], settings: Mapping[str, Any], *, charts: bool = True) -> str:
    """The HTML report of a graded task: one self-contained page, no scripts, nothing loaded from elsewhere.
    ``charts=False``: the tables alone (a notebook's view, drawn at once)."""
    task = str(settings.get("task", ""))
    title = f"Vendor comparison: {task}" if task else "Vendor comparison"
    figures = _figures(frames, settings)
    parts = [
        "<!doctype html>",
        f"<html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
        f"<title>{_html(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_html(title)}</h1>",
        f"<p class='sub'>{_html(graded_subtitle(frames, settings))}</p>",
        "<h2>Verdict</h2>",
        "<ul class='verdict'>" + "".join(f"<li>{_html(s)}</li>" for s in graded_verdict(frames, settings)) + "</ul>",
        f"<p class='note'>{_html(method_line(settings))}</p>",
    ]
    for heading, frame in sections(frames, settings):
        parts += [f"<h2>{_html(heading)}</h2>", html_table(frame)]
        if heading == BALANCE_TITLE:
            parts.append(f"<p class='note'>{_html(balance_note(settings))}</p>")
        if charts and heading in figures:
            parts.append(figures[heading]())
    parts.append("</body></html>")
    return "\n".join(parts)
