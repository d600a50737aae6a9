"""Documents and charts made from a Report: human names, blanks with reasons, charts that scale."""

from __future__ import annotations

import html
import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labeleval.present import charts, render
from tests.helpers.documents import fetches
from tests.helpers.paths import ROOT
from tests.helpers.pilot_projects import pilot_summary


def test_markdown_has_the_story_in_human_words(sample_report) -> None:
    md = sample_report.to_markdown()
    for heading in ("## Leaderboard", "## Are the differences real?", "## Agreement", "## How these figures were made"):
        assert heading in md
    assert "cost_per_usable_label" not in md and "ci_low" not in md and "e-" not in md
    assert "| Vendor |" in md and "Cost per usable label" in md
    assert "no two of the vendor's annotators share 10 or more items" in md  # why Light's kappa is blank
    assert not re.search(r"\bNone\b|\bnan\b|\bNaN\b", md)  # a blank is "—" with its reason


def test_html_is_a_self_contained_document_with_the_chart(sample_report) -> None:
    page = sample_report.to_html()
    assert page.startswith("<!doctype html>")
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    assert page.count("<svg") >= 1  # cost against quality, drawn inline
    assert "Verdict" in page and "How these figures were made" in page
    assert "cost_per_usable_label" not in page
    leaderboard = render.leaderboard(sample_report)
    for cell in leaderboard["Cost per usable label"]:
        assert cell in page


def test_html_escapes_vendor_text(sample_report) -> None:
    summary = sample_report.summary.copy()
    summary["vendor"] = summary["vendor"].astype(str).replace({"Scale": "<img src=x onerror=alert(1)>"})
    hostile = type(sample_report)(**{**sample_report.__dict__, "summary": summary})
    page = render.to_html(hostile)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_axes_stay_meaningful() -> None:
    narrow = charts.cost_axis([0.05, 0.2], [0.09, 0.3])
    assert not narrow.log and narrow.low >= 0
    wide = charts.cost_axis([0.03], [2.5])  # an in-house crowd against experts: 83x
    assert wide.log and wide.low > 0 and all(wide.low <= t <= wide.high for t in wide.ticks() or [])
    share = charts.share_axis([0.95], [1.0])
    assert share.high <= 1.0 and share.low >= 0
    assert charts.share_axis([0.0], [0.02]).low == 0.0


@pytest.mark.parametrize("n", [2, 5, 12])
@pytest.mark.parametrize(("low", "high"), [(0.05, 0.09), (0.03, 2.5)])
def test_cost_quality_labels_never_collide(n: int, low: float, high: float) -> None:
    summary = pilot_summary(n, low, high)
    spec = charts.cost_quality(summary, {"tolerance": 1.0})  # a plain Vega-Lite dict (no Altair on the Overview)
    layers = spec["layer"]
    x_scale = layers[0]["encoding"]["x"]["scale"]
    assert x_scale["domain"][0] >= 0
    span = summary["cost_per_usable_label_ci_high"].max() / summary["cost_per_usable_label_ci_low"].min()
    assert x_scale.get("type") == ("log" if span > 10 else None)
    y = layers[0]["encoding"]["y"]
    assert y["scale"]["domain"][1] <= 1.0 and "within ±1" in y["title"]
    assert any(layer["mark"]["type"] == "rule" for layer in layers if isinstance(layer["mark"], dict))
    assert spec["layer"][0]["encoding"]["x"]["axis"]["labelExpr"].startswith("'€'")
    # the placed labels, re-measured: no two boxes overlap
    x_axis = charts.cost_axis(
        summary["cost_per_usable_label_ci_low"].tolist(), summary["cost_per_usable_label_ci_high"].tolist()
    )
    y_axis = charts.share_axis(summary["accuracy_ci_low"].tolist(), summary["accuracy_ci_high"].tolist())
    points = [
        (str(r.vendor), x_axis.position(r.cost_per_usable_label), y_axis.position(r.accuracy))
        for r in summary.itertuples()
    ]
    placed = charts.place_labels(points)
    assert len(placed) >= min(n, 5)  # a crowded chart may leave a few names to the legend
    boxes = []
    for name, (x, y, align) in placed.items():
        w = charts.LABEL_CHAR_PX * len(name) + 4
        px, py = x * charts.PLOT_WIDTH, y * charts.PLOT_HEIGHT
        left = px if align == "left" else (px - w if align == "right" else px - w / 2)
        boxes.append((left, py - charts.LABEL_HEIGHT_PX / 2, left + w, py + charts.LABEL_HEIGHT_PX / 2))
        assert left >= 0 and left + w <= charts.PLOT_WIDTH
    for a, b in itertools.combinations(boxes, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


@pytest.mark.slow
def test_html_tells_the_pilot_story_with_slices_drift_and_gold_audit() -> None:
    """The three-week ticket pilot: slices, drift and suspect gold appear as sections with their charts."""
    import labeleval as le

    report = le.evaluate(ROOT / "sample_data" / "ticket_pilot", n_boot=100, seed=0, by="language", over="week")
    page = report.to_html()
    for heading in ("Gold items that look wrong", "By slice", "Over time"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count("<svg") >= 3  # cost against quality, slices, drift
    assert "Change point" in page and "the first window has no window before it" in page
    assert "change-point test" in page and "one max-T family over every slice" in page
    assert "posterior_suggested" not in page and "window_start" not in page
    md = report.to_markdown()
    assert "## Over time" in md and "| Window |" in md


def test_kind_metric_notes_explain_only_the_blanks() -> None:
    """The Agreement page's kind table (helpfulness_likert): a '—' line only for a blank or absent figure, with
    its reason; the rows' notes said once per metric, never as a blank."""
    import labeleval as le

    report = le.evaluate(ROOT / "sample_data" / "helpfulness_likert", n_boot=0)
    vendors = report.summary["vendor"].astype(str).tolist()
    table = render.metric_table(report.task_metrics, vendors)
    notes = render.metric_table_notes(report.task_metrics, vendors)
    blank_lines = [line for line in notes if line.startswith("—")]
    blank_cells = {(row["Metric"], v) for _, row in table.iterrows() for v in vendors if row[v] == "—"}
    assert blank_cells  # Scale's weighted kappa, and the two-way ICCs of the one-way designs
    for metric, vendor in blank_cells:
        assert any(metric in line and vendor in line for line in blank_lines), (metric, vendor)
    assert not any("baseline window" in line or "p-value" in line.lower() for line in notes)
    assert any("crossed design" in line and "Scale, Surge" in line for line in blank_lines)
    assert sum(line.startswith("About the figures") for line in notes) == 1


def test_vendor_charts_hold_for_twelve_vendors_and_a_wide_price_range() -> None:
    """Cost per usable label spanning 90x is drawn on a log axis (dots, not bars from zero); beyond eight vendors
    the vendor legend goes below the plot, names every vendor, and the plot keeps its height."""
    vendors = [f"Vendor {i}" for i in range(12)]
    prices = np.geomspace(0.03, 2.7, 12)
    bars = pd.DataFrame({"vendor": vendors, "value": prices, "ci_low": prices * 0.9, "ci_high": prices * 1.1})
    spec = charts.metric_bars(bars, title="Cost per usable label", currency="EUR").to_dict()
    scales = [layer["encoding"]["x"].get("scale", {}) for layer in spec["layer"]]
    assert any(scale.get("type") == "log" for scale in scales)
    assert all(layer["mark"]["type"] != "bar" for layer in spec["layer"])
    linear = charts.metric_bars(bars.assign(value=prices[:1].repeat(12)), title="c", currency="EUR").to_dict()
    assert any(layer["mark"]["type"] == "bar" for layer in linear["layer"])  # one price: bars from zero
    cards = pd.DataFrame(
        {
            "vendor": vendors,
            "annotator_id": [f"a{i}" for i in range(12)],
            "n_judgments": 50,
            "gold_judgments": 20,
            "gold_accuracy": 0.8,
            "gold_accuracy_ci_low": 0.7,
            "gold_accuracy_ci_high": 0.9,
            "low_performer": False,
            "flag_reason": "",
        }
    )
    scatter = charts.annotator_scatter(cards, vendors).to_dict()
    legend = scatter["encoding"]["color"]["legend"]
    assert legend["orient"] == "bottom" and legend["symbolLimit"] == 0
    assert scatter["autosize"]["type"] == "fit-x"


def test_the_markdown_report_shows_user_text_as_text(tmp_path: Path) -> None:
    """Images, links, HTML and bare addresses in a task or vendor name reach a Markdown viewer as text: it fetches
    nothing and links nowhere (as the HTML report, which escapes every value)."""
    import labeleval as le

    image, link = "![x](http://evil.example/i.png)", "[w](https://evil.example/w)"
    rows = "item,worker,label\n" + "".join(f"{i},{w},{'pos' if i % 2 else 'neg'}\n" for i in range(1, 31) for w in "ab")
    (tmp_path / "v.csv").write_text(rows)
    (tmp_path / "w.csv").write_text(rows)
    (tmp_path / "gold.csv").write_text(
        "item,label\n" + "".join(f"{i},{'pos' if i % 2 else 'neg'}\n" for i in range(1, 31))
    )
    vendor = '[[vendors]]\nname = "{}"\npath = "{}"\ncolumns = {{ item_id = "item", annotator_id = "worker" }}\n'
    (tmp_path / "labeleval.toml").write_text(
        f'[task]\nname = "T {image} <img src=http://evil.example/t.png> www.evil.example"\nlabels = ["pos", "neg"]\n'
        '[gold]\npath = "gold.csv"\ncolumns = { item_id = "item" }\n'
        + vendor.format(f"V {image}", "v.csv")
        + 'pricing = { model = "per_label", rate = 0.1 }\n'
        + vendor.format(f"W {link}", "w.csv")
        + 'pricing = { model = "per_label", rate = 0.2 }\n'
    )
    document = le.evaluate(tmp_path, n_boot=20).to_markdown()
    assert "evil.example" in document  # the names are shown ...
    assert not re.search(r"(?<!\\)[\[\]]", document)  # ... but no bracket opens an image or a link
    assert "<" not in document and "://" not in document and "www." not in document


def test_documents_show_per_class_figures_and_their_family(sample_report) -> None:
    """The per-class table with intervals and the per-class comparisons, with the family they were tested in, in
    Markdown and HTML; the JSON export holds both frames."""
    md = sample_report.to_markdown()
    assert "## Per class, against gold" in md and "## Do the vendors differ class by class?" in md
    assert re.search(r"\| Recall: \S+ \|", md)  # a per-class comparison row, its class spelled out
    assert re.search(r"\d+ tests in one family of their own \(bootstrap max-T over every pair x class", md)
    per_class = md.split("## Per class, against gold")[1].split("##")[0]
    assert re.search(r"\d+\.\d% \\?\[\d+\.\d, \d+\.\d\\?\]", per_class)  # a figure with its interval
    page = sample_report.to_html()
    assert "Do the vendors differ class by class?" in page
    data = sample_report.to_dict(["per_class", "class_comparisons"])
    assert "recall_ci_low" in data["per_class"][0] and data["class_comparisons"][0]["family"] == "per_class"


def test_html_draws_the_forest_plot_confusion_matrices_and_redundancy_curve(sample_report) -> None:
    """Beside the tables, the document draws the comparisons' forest plot, each vendor's confusion matrix and what
    redundancy buys, inline, and still fetches nothing."""
    page = sample_report.to_html()
    sections = {
        "Are the differences real?": "simultaneous interval",
        "Per class, against gold": "Confusion matrix of each vendor",
        "What redundancy buys": "labels are kept",
        render.CALIBRATION_TITLE: "Reliability diagram",
    }
    for heading, caption in sections.items():
        body = page.split(f"<h2>{html.escape(heading)}</h2>")[1].split("<h2>")[0]
        assert "<svg" in body and caption in body, heading
    assert html.escape("'What redundancy buys' below") in page
    assert fetches(page) == []
    assert len(page) < 400_000  # four vendors, four labels: a file a mail client takes
    for vendor in sample_report.summary["vendor"]:
        assert f">{vendor}</text>" in page  # the confusion matrices' titles name each vendor


def test_html_charts_escape_hostile_vendor_and_label_names(tmp_path: Path) -> None:
    """Vendor names and labels that are markup or addresses reach every chart as text: no element, no fetch."""
    import labeleval as le

    names = ["<img src=x onerror=alert(1)>", "</svg><script>alert(1)</script> url(https://evil.example/a.png)"]
    rows = "item,worker,label\n" + "".join(
        f"{i},{w},{'a&b' if (i + (w == 'c' and i % 5 == 0)) % 2 else '<i>n</i>'}\n" for i in range(1, 41) for w in "abc"
    )
    (tmp_path / "v.csv").write_text(rows)
    (tmp_path / "gold.csv").write_text(
        "item,label\n" + "".join(f"{i},{'a&b' if i % 2 else '<i>n</i>'}\n" for i in range(1, 41))
    )
    vendors = "".join(
        f'[[vendors]]\nname = "{name}"\npath = "v.csv"\ncolumns = {{ item_id = "item", annotator_id = "worker" }}\n'
        f'pricing = {{ model = "per_label", rate = {0.1 * (n + 1)} }}\n'
        for n, name in enumerate(names)
    )
    (tmp_path / "labeleval.toml").write_text(
        '[task]\nname = "T"\nlabels = ["a&b", "<i>n</i>"]\n[gold]\npath = "gold.csv"\ncolumns = { item_id = "item" }\n'
        + vendors
    )
    page = le.evaluate(tmp_path, n_boot=50, seed=0).to_html()
    assert page.count("<svg") >= 3 and page.count("<svg") == page.count("</svg>")
    assert fetches(page) == []
    assert "<img" not in page and "<i>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;i&gt;n&lt;/i&gt;" in page


def test_documents_show_calibration_where_the_confidence_is_a_probability(sample_report) -> None:
    """The vote share of a nominal majority vote is set against gold, vendor by vendor; a rating scale's median has
    no such confidence, and its documents have no such section."""
    import labeleval as le

    md = sample_report.to_markdown()
    section = md.split(f"## {render.CALIBRATION_TITLE}")[1].split("\n## ")[0]
    assert "| Vendor | Gold items | Mean vote share | Consensus right | Gap | Calibration error |" in section
    assert "A vote share is not a probability" in section
    for vendor in sample_report.summary["vendor"]:
        assert f"| {vendor} | 300 |" in section
    likert = le.evaluate(ROOT / "sample_data" / "helpfulness_likert", n_boot=0)
    assert render.CALIBRATION_TITLE not in likert.to_markdown()


def test_confusion_matrices_too_many_to_draw_are_said_not_drawn(sample_report) -> None:
    """Past 12 labels, or 1,000 cells over all vendors, the document says where the counts are instead of drawing
    a picture too dense to read or too large to mail."""
    labels = list(sample_report.settings["labels"])
    many_labels = render._confusion_figure(sample_report, ["Scale"], [f"l{i}" for i in range(13)])
    assert "<svg" not in many_labels and "13 labels, more than the 12" in many_labels
    many_cells = render._confusion_figure(sample_report, [f"v{i}" for i in range(63)], labels)
    assert "<svg" not in many_cells and "63 vendors x 4 x 4 labels" in many_cells
    assert "confusion table of the CSV/JSON export" in many_cells
    assert "<svg" in render._confusion_figure(sample_report, ["Scale", "Surge"], labels)


def test_documents_show_agreement_per_label_and_the_lowest_annotators(sample_report) -> None:
    """Each label's kappa [interval] per vendor and each vendor's lowest annotators, in Markdown and HTML, with
    the pointer to every annotator in the CSV export."""
    from labeleval.present import agreement_parts

    md, page = sample_report.to_markdown(), sample_report.to_html()
    labels = agreement_parts.category_table(sample_report)
    lowest = agreement_parts.annotator_table(sample_report, lowest=agreement_parts.LOWEST)
    assert not labels.empty and not lowest.empty
    for document in (md, page):
        assert "Agreement per label" in document and "Agreement per annotator: the lowest" in document
    assert "annotator\\_agreement.csv" in md and "annotator_agreement.csv" in page
    for cell in [*labels.drop(columns="Label").to_numpy().ravel(), *lowest["Kappa with the others"]]:
        assert render.markdown_text(cell) in md and html.escape(cell) in page
    per_vendor = lowest.groupby("Vendor").size()
    assert (per_vendor <= agreement_parts.LOWEST).all()
    assert len(lowest) < len(sample_report.annotator_agreement)  # the rest are in the CSV


def test_agreement_per_label_and_annotator_escape_user_text() -> None:
    import labeleval as le

    rng = np.random.default_rng(4)
    names = ["<img src=x onerror=alert(1)>", "[l](https://evil.example)", "c"]
    labels = ["<i>n</i>", "a&b"]
    rows = [(f"i{i}", w, labels[int(rng.random() < 0.3)]) for i in range(40) for w in names]
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]).assign(vendor="V")
    report = le.evaluate(frame, pricing={"model": "per_label", "rate": 0.1}, n_boot=0)
    page, md = report.to_html(), report.to_markdown()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;i&gt;n&lt;/i&gt;" in page
    assert "<img" not in page and "<i>" not in page
    assert "<" not in md and "://" not in md
