"""The app under Streamlit's AppTest: every page renders without an exception, shows evaluate()'s
numbers, and its widgets (found by key) change the result."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import labeleval as le
from labeleval import fmt
from labeleval.safety import markdown_text
from labeleval.ui import app
from labeleval.ui.screens._common import display_safe
from labeleval.ui.screens.overview import leaderboard
from tests.helpers.apptest import leaderboard_of, page_test
from tests.helpers.graded_projects import GRADED_SAMPLE, HOSTILE_CRITERION, HOSTILE_TEXT, hostile_graded_project
from tests.helpers.hostile_files import FORMULA_VENDOR, MARKDOWN_VENDOR, hostile_project
from tests.helpers.paths import ROOT

PAGES = (
    "overview",
    "comparisons",
    "agreement",
    "accuracy",
    "cost",
    "annotators",
    "items",
    "questions",
    "decisions",
    "data",
)


@pytest.mark.slow
def test_app_py_opens_on_the_sample_project() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert "Which vendor" in at.title[0].value
    assert any("most accurate" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    "project",  # every page of the main sample in the fast lane, of the other samples with the slow tests
    [
        "content_safety",
        *(pytest.param(p, marks=pytest.mark.slow) for p in ("preference_pairs", "helpfulness_likert", "ticket_pilot")),
    ],
)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_human_words(page: str, project: str) -> None:
    """No exception, no snake_case header, no None/nan cell on any page of any sample."""
    at = page_test(page, str(ROOT / "sample_data" / project)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    boards = [leaderboard_of(at)] if page == "overview" else []
    for frame in [d.value for d in at.dataframe] + [t.value for t in at.table] + boards:
        headers = [str(c) for c in frame.columns] + ([str(frame.index.name)] if frame.index.name else [])
        assert not [h for h in headers if re.search(r"[a-z]_[a-z]", h)], headers
        cells = set(map(str, frame.astype(object).to_numpy().ravel()))
        assert not cells & {"None", "nan", "NaN", "<NA>", "NaT"}, headers


@pytest.mark.slow
def test_overview_numbers_equal_evaluate() -> None:
    at = page_test("overview").run()
    shown = leaderboard_of(at)
    report = le.evaluate(
        ROOT / "sample_data" / "content_safety", n_boot=1000, seed=0, confidence=0.95, min_confidence=0.8
    )
    expected = leaderboard(report)
    assert shown.equals(expected.set_index("Vendor"))
    verdict_text = " ".join(m.value for m in at.markdown)
    best = report.summary.sort_values("accuracy", ascending=False).iloc[0]
    assert f"{best['vendor']} is the most accurate" in verdict_text


@pytest.mark.slow
def test_settings_change_the_result() -> None:
    at = page_test("overview").run()
    before = leaderboard_of(at)
    at.slider(key="confidence").set_value(0.8).run()
    narrower = leaderboard_of(at)
    assert not before.equals(narrower)  # a lower confidence level gives narrower intervals
    report = le.evaluate(ROOT / "sample_data" / "content_safety", confidence=0.8, min_confidence=0.8)
    assert narrower.equals(leaderboard(report).set_index("Vendor"))
    at.selectbox(key="usability").set_value("consensus").run()
    assert not at.exception
    assert not narrower.equals(leaderboard_of(at))


@pytest.mark.slow
def test_agreement_metric_selector() -> None:
    at = page_test("agreement").run()
    table = at.dataframe[0].value
    report = le.evaluate(ROOT / "sample_data" / "content_safety", min_confidence=0.8)
    alpha = report.agreement.query("metric == 'krippendorff_alpha'")
    shown = table.set_index("Metric").loc["Krippendorff's alpha"]
    for row in alpha.itertuples():
        assert shown[row.vendor] == fmt.ci(row.value, row.ci_low, row.ci_high)
    light = table.set_index("Metric").loc["Light's kappa (mean pairwise Cohen)"]
    assert "—" in light.tolist()  # Scale: undefined, and the caption says why
    assert any("no two of the vendor's annotators share 10" in c.value for c in at.caption)
    evidence = table.set_index("Metric").loc["Annotators"]
    assert evidence["Scale"] == "150" and evidence["Mercor"] == "12"
    assert any("Landis–Koch bands" in m.value and "with probability" in m.value for m in at.markdown)
    at.selectbox(key="agreement_metric").set_value("gwet_ac1").run()
    assert not at.exception


@pytest.mark.slow
def test_agreement_page_shows_labels_and_annotators_with_intervals() -> None:
    at = page_test("agreement").run()
    assert not at.exception
    report = le.evaluate(ROOT / "sample_data" / "content_safety", min_confidence=0.8)
    subheaders = [s.value for s in at.subheader]
    assert "Agreement per label" in subheaders and "Agreement per annotator" in subheaders
    frames = [d.value.map(lambda v: str(v).replace("\u2212", "-")) for d in at.dataframe]  # formula-safe minus
    labels = next(f for f in frames if "Label" in f.columns).set_index("Label")
    for row in report.category_agreement.itertuples():
        assert labels.loc[row.category, row.vendor] == fmt.ci(row.kappa, row.ci_low, row.ci_high)
    lowest = next(f for f in frames if "Kappa with the others" in f.columns)
    worst = report.annotator_agreement.groupby("vendor").head(1)
    first = lowest.groupby("Vendor").head(1).set_index("Vendor")
    for row in worst.itertuples():
        assert first.loc[row.vendor, "Annotator"] == row.annotator_id
        assert first.loc[row.vendor, "Kappa with the others"] == fmt.ci(row.kappa, row.ci_low, row.ci_high)
    assert len(frames[-1]) == len(report.annotator_agreement)  # every annotator, in the expander


def test_items_filter_and_annotator_download() -> None:
    at = page_test("items").run()
    n_disagree = len(at.dataframe[0].value)
    at.radio(key="items_filter").set_value("all items").run()
    assert len(at.dataframe[0].value) > n_disagree
    at = page_test("annotators").run()
    assert not at.exception
    assert at.dataframe[-1].value.shape[0] == 202  # 150 + 30 + 12 + 10 in-house annotators


def test_broken_project_shows_an_error_not_a_traceback() -> None:
    broken = str(ROOT / "tests" / "data" / "broken" / "vendor_zero_usable_rows")
    at = page_test("overview", broken).run()
    assert not at.exception
    assert "no usable rows" in at.error[0].value
    at = page_test("data", broken).run()
    assert not at.exception
    quarantine = at.dataframe[-1].value
    assert "unknown label" in quarantine["Reason"].tolist()  # the code in words; the exports keep UNKNOWN_LABEL
    assert not any("_" in str(column) for column in quarantine.columns)


@pytest.mark.slow
def test_consensus_method_and_redundancy_on_the_cost_page() -> None:
    at = page_test("cost").run()
    assert not at.exception
    assert any("Labels per item" in m.value and "95%" in m.value for m in at.markdown)
    at.slider(key="target_accuracy").set_value(0.9).run()
    assert any("Labels per item" in m.value and "90%" in m.value for m in at.markdown)
    at = page_test("overview").run()
    assert "Consensus accuracy (majority vote)" in leaderboard_of(at).columns
    before = leaderboard_of(at)["Consensus accuracy (majority vote)"].tolist()
    at.selectbox(key="consensus").set_value("dawid_skene").run()
    assert not at.exception
    # the column says which consensus it is: the method actually used, not a display string
    assert leaderboard_of(at)["Consensus accuracy (Dawid-Skene)"].tolist() != before


@pytest.mark.slow
def test_agreement_page_adapts_to_the_kind() -> None:
    at = page_test("agreement", str(ROOT / "sample_data" / "preference_pairs")).run()
    assert any(s.value == "Preference judgments" for s in at.subheader)
    assert any("Position bias" in m.value for m in at.markdown)
    at = page_test("agreement", str(ROOT / "sample_data" / "helpfulness_likert")).run()
    assert any(s.value == "Rating scale" for s in at.subheader)
    assert any("Leniency" in m.value for m in at.markdown)


def test_items_page_shows_the_item_and_says_why_cells_are_blank() -> None:
    at = page_test("items", str(ROOT / "sample_data" / "ticket_pilot")).run()
    assert not at.exception, [e.value for e in at.exception]
    side = at.dataframe[0].value
    assert "Item text" in side.columns
    assert side["Item text"].str.len().max() <= 90  # one line; the full text is in the item view
    cells = set(side.drop(columns=["Item text"]).astype(str).to_numpy().ravel())
    assert "None" not in cells and "nan" not in cells
    assert "— no gold" in cells
    assert any("customer writes" in t.value for t in at.text)  # the chosen item's full text, verbatim


def test_items_page_explains_only_the_blanks_it_has() -> None:
    """helpfulness_likert: a median never ties, and no gold item looks wrong: the page says no more than that
    (no legend for a '— tied vote' it never shows, no empty audit table to download)."""
    at = page_test("items", str(ROOT / "sample_data" / "helpfulness_likert"))
    at.session_state["n_boot"] = 0
    at.run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "— no gold" in captions and "— tied vote" not in captions
    assert "No gold item looks wrong" in captions
    labels = [str(getattr(b, "label", "")) for b in at.get("download_button")]
    assert not any(label.startswith("Download the suspect gold") for label in labels)


# ------------------------------------------------------------------------------------ hostile names
FORMULA = re.compile(r"[=+\-@\t\r]")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: Markdown a label would act on: an image, bold, a colour directive (each unescaped)
LIVE_MARKDOWN = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\*(?<!\\)\*|:red(?<!\\)\[")
LABELLED = (
    "selectbox", "multiselect", "number_input", "text_input", "checkbox", "toggle", "radio", "slider",
    "select_slider", "button", "metric", "expander", "tabs",
)  # fmt: skip


def _labels(at: AppTest) -> list[str]:
    return [str(element.label) for kind in LABELLED for element in getattr(at, kind)]


def _formulas(frame: pd.DataFrame) -> list[str]:
    texts = [*map(str, frame.columns), *(str(i) for i in frame.index if isinstance(i, str))]
    texts += [v for v in frame.astype(object).to_numpy().ravel() if isinstance(v, str)]
    return [t for t in texts if FORMULA.match(t) and not PLAIN_NUMBER.fullmatch(t)]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_hostile_names_are_plain_text_in_labels_and_no_table_exports_a_formula(page: str, tmp_path: Path) -> None:
    """Vendor names, labels and item ids that are Markdown or formulas: every widget, metric, tab and expander
    label shows them as text (no image fetched), and every table, which Streamlit's "Download as CSV" button
    exports as it is, holds no cell a spreadsheet would run."""
    at = page_test(page, str(hostile_project(tmp_path / "p"))).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    labels = _labels(at)
    assert not [label for label in labels if LIVE_MARKDOWN.search(label)], labels
    if page in ("cost", "questions"):  # the pages whose labels name vendors: the Cost tiles, the pilot plan
        assert any(markdown_text(MARKDOWN_VENDOR) in label for label in labels), labels
    frames = [d.value for d in at.dataframe]
    assert frames or page == "overview"
    for frame in frames:
        assert not _formulas(frame), _formulas(frame)


def test_display_safe_keeps_figures_readable_and_neutralises_text() -> None:
    frame = pd.DataFrame(
        {FORMULA_VENDOR: ["-10.0 points", "-$3.000", "@SUM(1)", "-1.5", 2.0]},
        index=pd.Index(["=1+1", "a", "b", "c", "d"], name="Item"),
    )
    shown = display_safe(frame)
    assert list(shown.iloc[:, 0]) == ["\u221210.0 points", "\u2212$3.000", "'@SUM(1)", "\u22121.5", 2.0]
    assert shown.columns[0] == "'" + FORMULA_VENDOR and shown.index[0] == "'=1+1" and shown.index.name == "Item"
    assert not _formulas(shown)


def test_accuracy_page_shows_per_class_intervals_and_differences() -> None:
    """The per-class table carries each figure's interval; the per-class differences follow, with their family."""
    at = page_test("accuracy").run()
    assert not at.exception
    per_class, differences = at.dataframe[0].value, at.dataframe[1].value
    assert per_class["Recall"].str.fullmatch(r"\d+\.\d% \[\d+\.\d, \d+\.\d\]").all()
    assert {"Metric", "Pair", "Difference", "Beyond chance", "Compared on"} <= set(differences.columns)
    assert differences["Compared on"].str.fullmatch(r"[\d,]+ gold items").all()  # the items each test used
    assert any("family of their own" in c.value for c in at.caption)
    assert "Is the consensus's confidence honest?" in [h.value for h in at.subheader]
    calibration = at.dataframe[2].value
    assert list(calibration.columns) == [
        "Vendor", "Gold items", "Mean vote share", "Consensus right", "Gap", "Calibration error"
    ]  # fmt: skip


class _Stop(Exception):
    pass


def test_the_tab_icon_is_drawn_by_the_page_not_fetched_from_a_font_server(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def page_config(**options: object) -> None:
        seen.update(options)
        raise _Stop  # the rest of main() needs a running app

    monkeypatch.setattr(app.st, "set_page_config", page_config)
    with pytest.raises(_Stop):
        app.main()
    icon = str(seen["page_icon"])
    # Streamlit's page fetches a :material/...: tab icon from fonts.gstatic.com; an emoji it draws as inline SVG
    assert not icon.startswith(":") and "://" not in icon and "/" not in icon


# ------------------------------------------------------------------------------------ graded written work
#: each page's title on a graded project, and the graded table it must show (the column that names it, its rows);
#: the Slices & time and Replace & watch pages are for labelling tasks and say where the graded figures are
GRADED_PAGES = {
    "overview": ("Which vendor's written work is accepted most, for the money?", "Acceptance [CI]", 60),
    "comparisons": ("Which differences are real?", "Difference (adj.)", 12),
    "agreement": ("Do the reviewers agree on the rubric?", "Why out", 4),
    "accuracy": ("Scores per criterion", "Mean (adjusted)", 12),
    "cost": ("What an accepted deliverable costs", "Cost per accepted [CI]", 3),
    "annotators": ("Writers and reviewers", "Acceptance [CI]", 60),
    "items": ("Deliverables and their reviews", "Accepted, raw", 600),
    "data": ("Data: uploads, ledger and downloads", "Rows read", 4),
}
#: the sample's criteria: user data, shown as the manifest names them (column headers of the severity tables)
GRADED_CRITERIA = {"accuracy", "instruction_following", "style", "safety"}


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_of_a_graded_project_renders(page: str) -> None:
    """Every page draws the graded Report where a labelling task shows labels: criteria, reviewers, accepted work;
    no exception, no machine name as a header, no None/nan cell; the two label-only pages say where to look."""
    at = page_test(page, str(GRADED_SAMPLE)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    if page not in GRADED_PAGES:
        assert any("graded written work" in i.value and "Items pages" in i.value for i in at.info)
        return
    title, column, rows = GRADED_PAGES[page]
    assert at.title[0].value == title
    assert "graded task · 4 criteria · 3 vendors · 600 deliverables" in at.caption[0].value or page == "data"
    frames = [d.value for d in at.dataframe]
    assert any(column in frame.columns and len(frame) == rows for frame in frames), [f.columns for f in frames]
    for frame in frames:
        headers = [str(c) for c in frame.columns if str(c) not in GRADED_CRITERIA]
        assert not [h for h in headers if re.search(r"[a-z]_[a-z]", h)], headers
        cells = set(map(str, frame.astype(object).to_numpy().ravel()))
        assert not cells & {"None", "nan", "NaN", "<NA>", "NaT"}, frame.columns


@pytest.mark.slow
def test_graded_pages_say_what_is_kept_out_and_show_evaluates_figures() -> None:
    """The unreliable criterion is named with its reason, the reviewer imbalance warned of, and the cost per
    accepted deliverable is evaluate()'s."""
    report = le.evaluate(GRADED_SAMPLE, n_boot=100, seed=0)
    agreement = page_test("agreement", str(GRADED_SAMPLE)).run()
    assert any(
        w.value.startswith("'style' is kept out of the verdict: the reviewers agree too little")
        for w in agreement.warning
    )
    comparisons = page_test("comparisons", str(GRADED_SAMPLE)).run()
    assert any("Not tested (the reviewers do not agree on them): style." in m.value for m in comparisons.markdown)
    accuracy = page_test("accuracy", str(GRADED_SAMPLE)).run()
    assert any("Reviewers are unbalanced across vendors" in w.value for w in accuracy.warning)
    cost = page_test("cost", str(GRADED_SAMPLE)).run()
    tiles = {m.label: m.value for m in cost.metric}
    expected = {r.vendor: fmt.money(r.cost_per_accepted, "USD") for r in report.summary.itertuples(index=False)}
    assert tiles == expected


@pytest.mark.slow
def test_graded_items_page_shows_a_deliverable_with_its_reviews() -> None:
    """The deliverables filter by vendor and outcome; one deliverable shows its text and each reviewer's scores."""
    reviews = pd.read_csv(GRADED_SAMPLE / "reviews.csv")
    at = page_test("items", str(GRADED_SAMPLE)).run()
    at.multiselect(key="graded_items_vendors").set_value(["Surge"]).run()
    at.radio(key="graded_items_outcome").set_value("not accepted").run()
    table = at.dataframe[0].value
    assert set(table["Vendor"]) == {"Surge"} and set(table["Accepted"]) == {"no"}
    picked = str(table["Deliverable"].iloc[0])
    at.selectbox(key="graded_item").set_value(picked).run()
    assert not at.exception
    assert any(t.value.startswith("answer to ") for t in at.text)
    grid = at.dataframe[1].value
    mine = reviews[reviews["deliverable_id"] == picked]
    assert set(grid["Reviewer"]) == set(mine["reviewer_id"])
    assert {"panel", "gold", "judge"} >= set(grid["Role"]) and "panel" in set(grid["Role"])


@pytest.mark.slow
@pytest.mark.parametrize("page", list(GRADED_PAGES))
def test_graded_pages_show_hostile_names_and_text_as_text(page: str, tmp_path: Path) -> None:
    """Vendor and criterion names that are markup and a deliverable's text with markup: labels stay text, no
    table holds a formula, and the deliverable's text is shown verbatim, never as Markdown."""
    at = page_test(page, str(hostile_graded_project(tmp_path / "p"))).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    labels = _labels(at)
    assert not [label for label in labels if LIVE_MARKDOWN.search(label)], labels
    texts = [m.value for m in (*at.markdown, *at.warning, *at.caption)]
    assert not [t for t in texts if HOSTILE_CRITERION in t or "<img" in t], texts
    for frame in [d.value for d in at.dataframe]:
        assert not _formulas(frame), _formulas(frame)
    if page == "items":
        assert [t.value for t in at.text] == [HOSTILE_TEXT]


@pytest.mark.slow
def test_comparisons_and_cost_pages_show_the_counts_their_sentences_use() -> None:
    """The Comparisons table gives each test's items (gold items for accuracy, confident items for the usable
    rate under the consensus rule); the Cost page gives each usable rate's confident items, in its table and in
    the sentence above it, the same counts."""
    at = page_test("comparisons").run()
    at.selectbox(key="usability").set_value("consensus").run()
    assert not at.exception, [e.value for e in at.exception]
    tests = at.dataframe[0].value
    on = dict(zip(tests["Metric"].astype(str), tests["Items compared"].astype(str), strict=False))
    assert on["Accuracy on gold"] == "gold items" and on["Usable rate"] == "confident items"
    assert (tests["Compared on"].astype(str) != "").all()
    at = page_test("cost").run()
    at.selectbox(key="usability").set_value("consensus").run()
    assert not at.exception, [e.value for e in at.exception]
    cost = next(d.value for d in at.dataframe if "Usable rate's items" in d.value.columns)
    basis = next(c.value for c in at.caption if "Usable rates rest on" in c.value)
    vendors = cost.index if cost.index.name == "Vendor" else cost["Vendor"]
    for vendor, count in zip(vendors, cost["Usable rate's items"], strict=True):
        assert f"{markdown_text(str(vendor))} {count}" in basis
