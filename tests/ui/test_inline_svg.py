"""The Overview's cost-against-quality chart as inline SVG (ui/inline_svg.py): vendor names stay
text, the SVG holds nothing but drawing, each point has its hover text, one SVG is drawn per chart, and the
launcher's rehearsal draws the one the first session shows."""

from __future__ import annotations

import pickle
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from labeleval.present.cost_chart import cost_quality
from labeleval.report import Report
from labeleval.ui import inline_svg
from labeleval.ui.screens import overview
from tests.helpers.paths import ROOT
from tests.helpers.pilot_projects import pilot_summary

NS = {"svg": inline_svg.SVG_NS}
HOSTILE = "<script>alert(1)</script> & Co"


@pytest.fixture
def vl_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every layered chart (ours) vl-convert draws from here on, with an empty SVG cache before and after."""
    import vl_convert

    calls: list[object] = []
    real = vl_convert.vegalite_to_svg

    def counted(spec: Any, *args: Any, **kwargs: Any) -> str:
        if "layer" in spec:
            calls.append(spec)
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", counted)
    inline_svg._cost_quality_svg.cache_clear()
    yield calls
    inline_svg._cost_quality_svg.cache_clear()


def svg_of(summary: pd.DataFrame, settings: dict[str, object] | None = None) -> str:
    spec = cost_quality(summary, settings or {}, width=overview.SVG_WIDTH)
    return inline_svg.cost_quality_svg(spec, overview.SVG_LABEL)


def texts(root: ET.Element, tag: str) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{{{inline_svg.SVG_NS}}}{tag}")]


def test_vendor_names_are_text_in_labels_legend_and_hover(vl_calls: list[object]) -> None:
    summary = pilot_summary(3, 0.05, 0.09)
    summary.loc[0, "vendor"] = HOSTILE
    summary.loc[1, "vendor"] = 'Quote"s $5 & $6 :red[x]\n# heading'
    svg = svg_of(summary)
    assert "<script" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in svg
    assert "\n" not in svg  # one line: a Markdown HTML block ends at a blank line
    root = ET.fromstring(svg)
    inline_svg.check(root)
    drawn = texts(root, "text")
    assert drawn.count(HOSTILE) >= 2  # the point's label and its white halo, as literal text
    assert sum(t.startswith("<script>alert(1)") for t in drawn) == 3  # and the legend's (perhaps shortened: …)
    assert 'Quote"s $5 & $6 :red[x] # heading' in drawn  # the line break removed, nothing else changed
    hover = texts(root, "title")
    assert len(hover) == 3
    first = next(h for h in hover if h.startswith(HOSTILE))
    assert first.splitlines()[0] == HOSTILE and any(line.startswith("Accuracy") for line in first.splitlines())
    assert any("Cost per usable label: €" in line for line in first.splitlines())
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert "width:100%" in (root.get("style") or "") and root.get("aria-label") == overview.SVG_LABEL


@pytest.mark.parametrize("n", [2, 5, 12])
def test_every_point_has_its_hover_text(n: int, vl_calls: list[object]) -> None:
    summary = pilot_summary(n, 0.03, 2.5)
    root = ET.fromstring(svg_of(summary))
    hover = texts(root, "title")
    assert sorted(h.splitlines()[0] for h in hover) == sorted(summary["vendor"])
    assert all(len(h.splitlines()) == 5 for h in hover)  # vendor, accuracy, cost, judgments, frontier
    span = summary["cost_per_usable_label_ci_high"].max() / summary["cost_per_usable_label_ci_low"].min()
    assert ("(log scale)" in " ".join(texts(root, "text"))) == (span > 10)  # the spec's axis, drawn


@pytest.mark.parametrize(
    "bad",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><g onload="alert(1)"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        '<a x:href="javascript:1"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><image href="http://example.com/x.png"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div xmlns="http://www.w3.org/1999/xhtml"/>'
        "</foreignObject></svg>",
        '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://example.com/x)"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(#a) url( \'//example.com/x\')"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://example.com/x.css)</style></svg>',
        '<html xmlns="http://www.w3.org/1999/xhtml"/>',
    ],
)
def test_anything_but_drawing_is_refused(bad: str) -> None:
    with pytest.raises(inline_svg.UnsafeSvg):
        inline_svg.inline_svg(bad, {}, "chart")


def test_one_svg_per_report(sample_report: Report, vl_calls: list[object]) -> None:
    """The page's Report is a fresh copy on every run (st.cache_data unpickles it): the SVG is drawn once."""
    first = overview.chart_svg(sample_report)
    again = overview.chart_svg(pickle.loads(pickle.dumps(sample_report)))
    assert again == first and len(vl_calls) == 1
    other = pilot_summary(4, 0.05, 0.09)
    svg_of(other)
    svg_of(other)
    assert len(vl_calls) == 2  # another chart, drawn once too


@pytest.mark.slow
def test_the_rehearsal_draws_the_svg_the_first_session_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vl_calls: list[object]
) -> None:
    """``make app``'s launcher (serve.prepare -> overview.rehearse) pays vl-convert's start-up and draws the
    chart; the first session's Overview then shows that SVG without calling vl-convert."""
    from labeleval.ui import state
    from labeleval.ui.serve import prepare

    monkeypatch.setenv("LABELEVAL_CACHE_DIR", str(tmp_path / "reports"))
    state.cached_report.clear()
    prepare(None)
    assert len(vl_calls) == 1
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(vl_calls) == 1  # the first session drew nothing
    blocks = [m.value for m in at.markdown if m.value.startswith(f'<div class="{inline_svg.WRAPPER_CLASS}"')]
    assert len(blocks) == 1 and "<svg" in blocks[0] and blocks[0].count("<title>") == 4
    assert not at.get("vega_lite_chart")  # the SVG, not Streamlit's chart
    buttons = at.get("download_button")
    assert len(buttons) == 1 and "Download chart (SVG)" in str(buttons[0].proto.label)
    state.cached_report.clear()


def test_the_page_falls_back_to_the_interactive_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    """When vl-convert cannot draw the chart (or its SVG fails the check) the page shows Streamlit's chart."""

    def broken(*args: object) -> str:
        raise inline_svg.UnsafeSvg("element <script> in a chart")

    monkeypatch.setattr(inline_svg, "cost_quality_svg", broken)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception and not at.error
    assert len(at.get("vega_lite_chart")) == 1
    assert not [m for m in at.markdown if m.value.startswith(f'<div class="{inline_svg.WRAPPER_CLASS}"')]


def test_vendor_names_are_written_in_colours_readable_on_white() -> None:
    """A light vendor colour (Tableau 20's pale half) is darkened for its name, to WCAG's 3:1 for bold text; the
    point and the legend keep the vendor's colour."""
    from labeleval.present.cost_chart import TABLEAU20, readable_on_white

    def contrast(hex_color: str) -> float:
        rgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 1.05 / (0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2] + 0.05)

    assert all(contrast(readable_on_white(c)) >= 3.0 for c in TABLEAU20)
    assert readable_on_white("#4C78A8") == "#4C78A8"  # dark enough already
    spec = cost_quality(pilot_summary(12, 0.03, 2.5), {}, width=overview.SVG_WIDTH)
    names = [layer for layer in spec["layer"] if layer["mark"].get("type") == "text" and "stroke" not in layer["mark"]]
    inks = [row["ink"] for layer in names for row in layer["data"]["values"]]
    assert inks and all(contrast(ink) >= 3.0 for ink in inks)


def test_a_local_url_is_drawing() -> None:
    """A clip path or gradient of the SVG itself (``url(#id)``) is kept."""
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect clip-path="url( #clip0)"/></svg>'
    assert 'clip-path="url( #clip0)"' in inline_svg.inline_svg(svg, {}, "chart")
