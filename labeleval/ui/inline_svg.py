"""The Overview's cost-against-quality chart as inline SVG, drawn on the server by vl-convert.

Streamlit's own Vega-Lite component loads its script bundle (and Vega) lazily, after the page's text: on a
first visit that made the Overview's chart appear 0.4-0.6 s after its headline (docs/performance.md).
The same Vega-Lite spec turned into SVG on the server (as ``render.chart_svg`` does for the HTML report)
travels in the page's own delta and is drawn with its text: no script, no iframe, no request of its own.

What the static picture gives back of the interactive chart:

- each point's hover text, as an SVG ``<title>`` child of the point (the browser's own tooltip; screen
  readers read it as the point's name): the vendor, then the same lines as the interactive tooltip;
- its download (the page offers the same SVG as a file);
- it fits its column: the SVG scales with the page's width (``viewBox``), between :data:`MIN_SCALE` and
  :data:`MAX_SCALE` times the width it was drawn for (a narrower column scrolls it sideways).

Safety: vendor names are user input. vl-convert escapes every text it writes (labels, legend, ARIA text), the
spec is stripped of control characters first (``safety.without_controls``), and the SVG is parsed before it
is sent: an element outside :data:`ALLOWED_TAGS` (a script, an image, a link, foreign HTML) or an event
handler or link attribute makes :func:`inline_svg` refuse it (:class:`UnsafeSvg`), and the page falls back to
Streamlit's interactive chart. The SVG is serialised again by ElementTree, which escapes every text and
attribute it writes.

One SVG per chart: :func:`cost_quality_svg` is cached on the spec's JSON text (what the picture is a function
of), so a Report's chart is drawn once per process; ``python -m labeleval.ui.serve`` draws it before serving
(``overview.rehearse``), which also pays vl-convert's start-up (about 0.4-0.7 s on its first call, then about
0.1 s a chart). A server started otherwise (``streamlit run app.py``) pays that start-up on its first chart:
started on a thread beside the first session's loading of its Report instead (vl-convert releases the GIL),
it held up the headline by about 0.5 s on a 2-core machine for 0.2 s earlier on the chart
(docs/performance.md), so it is not.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from labeleval.present.render import chart_svg
from labeleval.safety import without_controls

SVG_NS: Final = "http://www.w3.org/2000/svg"
XLINK_NS: Final = "http://www.w3.org/1999/xlink"

#: What Vega's SVG renderer writes for our charts, and the ``<title>`` added here. No script, style, image,
#: link, ``use``, animation or foreign content.
ALLOWED_TAGS: Final = frozenset(
    {
        "svg", "g", "path", "rect", "line", "text", "tspan", "title", "desc", "defs", "clipPath", "circle",
        "ellipse", "polygon", "polyline", "linearGradient", "radialGradient", "stop",
    }
)  # fmt: skip

#: The name Vega gives the points' group (``<name>_marks``); set on the spec's point layer.
POINTS_NAME: Final = "points"

#: The SVG grows with its column up to this many times the width it was drawn for, and shrinks down to
#: this many times it (a narrower column scrolls sideways): its text stays between about 9 and 15 pixels.
MAX_SCALE: Final = 1.25
MIN_SCALE: Final = 0.72

#: Charts kept per process (each a few tens of kB).
CACHE_SIZE: Final = 32

#: Streamlit's own chart theme (light), as its Vega-Lite component applies it (read from Streamlit 1.67's
#: frontend and the drawn chart): the SVG looks like the app's other charts, in the page's font.
APP_THEME: Final[dict[str, Any]] = {
    "font": '"Source Sans", sans-serif',
    "axis": {
        "labelFontSize": 12, "labelFontWeight": "normal", "labelColor": "#808495", "titleFontSize": 14,
        "titleFontWeight": "normal", "titleColor": "#808495", "ticks": False, "gridColor": "#e6eaf1",
        "domain": False, "labelFlush": True, "labelFlushOffset": 1, "labelBound": False, "labelLimit": 100,
        "titlePadding": 16, "labelPadding": 16, "labelSeparation": 2, "labelOverlap": True,
    },
    "legend": {
        "labelFontSize": 14, "labelFontWeight": "normal", "labelColor": "#808495", "titleFontSize": 14,
        "titleFontWeight": "normal", "titleColor": "#808495", "titlePadding": 8, "labelPadding": 16,
        "columnPadding": 8, "rowPadding": 2, "padding": 8, "symbolStrokeWidth": 2,
    },
    "view": {"strokeWidth": 0, "stroke": "transparent"},
}  # fmt: skip

#: CSS class of the wrapper the page writes (tests and the benchmark wait for ``div.<class> svg``).
WRAPPER_CLASS: Final = "labeleval-chart"


class UnsafeSvg(ValueError):
    """The SVG holds something a chart should not (an element outside the allowlist, a handler, a link)."""


def cost_quality_svg(spec: Mapping[str, Any], label: str) -> str:
    """The cost-against-quality ``spec`` (``cost_chart.cost_quality`` with a fixed ``width``) as one SVG
    document with hover text on its points; ``label`` is the picture's accessible name. Cached per spec.

    Raises what vl-convert raises, or :class:`UnsafeSvg`; the caller falls back to the interactive chart."""
    return _cost_quality_svg(json.dumps(spec, sort_keys=True), label)


@lru_cache(maxsize=CACHE_SIZE)
def _cost_quality_svg(spec_json: str, label: str) -> str:
    spec = without_controls(json.loads(spec_json))  # hover texts are read from the same cleaned values
    assert isinstance(spec, dict)
    hover = _with_hover_names(spec)
    spec["config"] = {**APP_THEME, **spec.get("config", {})}
    return inline_svg(chart_svg(spec), hover, label)


def _with_hover_names(spec: dict[str, Any]) -> dict[str, str]:
    """Name the point layer (so its group can be found in the SVG) and give each point its vendor as ARIA text
    (its key in the SVG); returns vendor -> hover text, the interactive tooltip's lines."""
    points = next(
        (
            layer
            for layer in spec.get("layer", [])
            if isinstance(layer.get("mark"), dict) and layer["mark"].get("type") == "point"
        ),
        None,
    )
    if points is None:
        return {}
    points["name"] = POINTS_NAME
    points["mark"] = {**points["mark"], "aria": True}  # the report's SVG turns ARIA off for every other mark
    encoding = points.setdefault("encoding", {})
    encoding["description"] = {"field": "vendor", "type": "nominal"}
    tooltip = [t for t in encoding.get("tooltip", []) if isinstance(t, dict) and t.get("field") != "vendor"]
    hover: dict[str, str] = {}
    for row in points.get("data", {}).get("values", []):
        vendor = str(row.get("vendor", ""))
        lines = [vendor] + [
            f"{t.get('title', t['field'])}: {row[t['field']]}" for t in tooltip if row.get(t["field"]) is not None
        ]
        hover[vendor] = "\n".join(lines)
    return hover


#: What a ``url(...)`` in an attribute points at (quotes and spaces left out).
_URL: Final = re.compile(r"""url\(\s*['"]?\s*([^)'"\s]*)""", re.IGNORECASE)


def _local(name: str) -> str:
    """A tag or attribute name without its ``{namespace}``."""
    return name.rsplit("}", 1)[-1]


def check(root: ET.Element) -> None:
    """Raise :class:`UnsafeSvg` if the tree holds an element outside :data:`ALLOWED_TAGS`, an event handler
    (``on…``), a link (``href``) or a style that loads something (``url(`` other than a local ``#id``)."""
    for element in root.iter():
        tag = _local(str(element.tag))
        if tag not in ALLOWED_TAGS:
            raise UnsafeSvg(f"element <{tag}> in a chart")
        for name, value in element.attrib.items():
            attribute = _local(name).lower()
            if attribute.startswith("on") or "href" in attribute:
                raise UnsafeSvg(f"attribute {attribute} in a chart")
            if any(not target.startswith("#") for target in _URL.findall(value)):
                raise UnsafeSvg(f"attribute {attribute} loads {value!r}")


def inline_svg(svg: str, hover: Mapping[str, str], label: str) -> str:
    """Vega's SVG made ready for the page: checked (:func:`check`), each point given its hover text as a
    ``<title>`` (from ``hover``, keyed by the point's ARIA text, the vendor), scaling with its column, with
    ``label`` as its accessible name. One line of text (a Markdown HTML block ends at a blank line)."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)
    if _local(str(root.tag)) != "svg":
        raise UnsafeSvg("not an SVG document")
    check(root)
    for group in root.iter(f"{{{SVG_NS}}}g"):
        if f"{POINTS_NAME}_marks" not in group.get("class", "").split():
            continue
        for point in list(group):
            key = point.attrib.pop("aria-label", None)
            if key is None:
                continue
            title = ET.Element(f"{{{SVG_NS}}}title")
            title.text = hover.get(key, key)
            point.insert(0, title)
    width = float(root.get("width", "0") or 0)
    if not root.get("viewBox") and width:
        root.set("viewBox", f"0 0 {root.get('width')} {root.get('height')}")
    style = "display:block;width:100%;height:auto"
    if width:  # no wider than MAX_SCALE times, no narrower than MIN_SCALE times (the column scrolls instead)
        style += f";max-width:{round(width * MAX_SCALE)}px;min-width:{round(width * MIN_SCALE)}px"
    root.set("style", style)
    root.set("aria-label", label)  # no role="img": that would hide the points' titles from screen readers
    # newlines only in the hover texts: as character references, the document stays one line
    return ET.tostring(root, encoding="unicode").replace("\r", "").replace("\n", "&#10;")


def html_block(svg: str) -> str:
    """The SVG inside a ``<div>``: an HTML block for ``st.markdown(..., unsafe_allow_html=True)`` (Markdown
    passes a block that starts with ``<div`` through as it is, up to the first blank line; there is none)."""
    return f'<div class="{WRAPPER_CLASS}" style="overflow-x:auto">{svg}</div>'
