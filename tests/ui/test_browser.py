"""A real browser against `streamlit run app.py`: Debian's chromium driven by Playwright.

Loads the Overview, waits for the leaderboard, moves to another page, asserts no error box, saves
screenshots, and records timings (first render, page switch). Skipped when chromium or playwright is
missing (`.ci/run` installs chromium). Set LABELEVAL_SCREENSHOTS=docs to refresh docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from labeleval.ui import entry_script, report_cache
from labeleval.ui.screens import PAGES
from tests.helpers.browser import (
    BARE_APP,
    BARE_TABLE_CHART_APP,
    CHART_SVG,
    CHROMIUM,
    FLAGS,
    LEADERBOARD,
    WAIT_MS,
    overview_ready,
    shots_dir,
    streamlit_server,
    table_and_chart_ready,
    time_overview,
    time_to,
)
from tests.helpers.paths import ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]


def test_overview_then_another_page(server: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    out = shots_dir(tmp_path_factory)
    timings: dict[str, float] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        start = time.perf_counter()
        page.goto(server)  # the default page (Overview) is served at /
        page.get_by_role("heading", name="Leaderboard").wait_for(timeout=WAIT_MS)
        page.locator(LEADERBOARD).first.wait_for(timeout=WAIT_MS)
        page.locator(CHART_SVG).first.wait_for(timeout=WAIT_MS)
        timings["first_render_s"] = time.perf_counter() - start
        page.wait_for_timeout(800)  # let the sidebar settle before the screenshot
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator("[data-testid='stAlertContentError']").count() == 0
        assert page.get_by_text("is the most accurate on gold").count() >= 1
        # the watch panel, below the chart: the sample has submission times, so each pair's status is there
        page.get_by_role("heading", name="Watching the pilot").wait_for(timeout=WAIT_MS)
        watch = page.locator(LEADERBOARD).filter(has=page.get_by_role("columnheader", name="Pair")).first
        watch.wait_for(timeout=WAIT_MS)
        assert watch.locator("tbody tr").count() == 6  # four vendors: six pairs
        assert "since" in watch.inner_text() and "(day " in watch.inner_text()
        # Streamlit scrolls inside its own container: a taller window shows the whole Overview
        page.set_viewport_size({"width": 1440, "height": 2300})
        page.wait_for_timeout(800)
        page.screenshot(path=str(out / "overview.png"), full_page=True)
        watch.screenshot(path=str(out / "overview_watch.png"))
        page.set_viewport_size({"width": 1440, "height": 1100})

        chart, grid = "[data-testid='stVegaLiteChart']", "[data-testid='stDataFrame']"
        for name, title, content in (
            ("Comparisons", "Which differences are real?", chart),  # the forest plot of the verdict's tests
            ("Agreement", "Agreement per label", chart),  # each label's kappa with its interval
            ("Accuracy", "Accuracy against gold", chart),
            ("Cost", "What a usable label costs", chart),
            ("Annotators", "Annotators", chart),
            ("Items", "Items where vendors disagree", grid),  # the item's text beside the votes
        ):
            start = time.perf_counter()
            page.locator("[data-testid='stSidebarNav']").get_by_text(name, exact=True).click()
            page.get_by_role("heading", name=title).wait_for(timeout=WAIT_MS)
            page.locator(content).first.wait_for(timeout=WAIT_MS)
            timings[f"switch_to_{name.lower()}_s"] = time.perf_counter() - start
            page.wait_for_timeout(800)
            assert page.locator("[data-testid='stException']").count() == 0
            assert page.locator("[data-testid='stAlertContentError']").count() == 0
            page.screenshot(path=str(out / f"{name.lower()}.png"), full_page=True)
        browser.close()
    (out / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    print("browser timings:", json.dumps(timings))
    assert timings["first_render_s"] < 20  # generous bound for a loaded CI machine; the note reports the real figure


def test_cold_first_render_close_to_bare_streamlit(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A fresh server's first Overview against fresh servers of a one-line Streamlit app and of the same app
    with one table and one chart, in the same browser (the figures go to cold_render.json).

    The Overview is timed four ways: truly cold (``streamlit run app.py`` with an empty report cache: the first
    session imports the engine, reads the vendor files and scores them), a second session of that server (its
    in-memory cache), the first session of a new ``streamlit run`` server once the disk cache holds the Report,
    and the first session of a server started as ``make app`` starts it (``labeleval.ui.serve`` from an empty
    cache: it imports the pages' modules and stores the Report before serving)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    out = shots_dir(tmp_path_factory)
    bare = tmp_path_factory.mktemp("bare") / "bare_app.py"
    bare.write_text(BARE_APP, encoding="utf-8")
    shaped = bare.with_name("bare_table_chart.py")
    shaped.write_text(BARE_TABLE_CHART_APP, encoding="utf-8")
    cache = {"LABELEVAL_CACHE_DIR": str(tmp_path_factory.mktemp("report_cache"))}
    timings: dict[str, float] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        warm = browser.new_page()
        warm.goto("about:blank")  # the browser's own start-up is not part of either figure
        with streamlit_server(bare) as url:
            timings["bare_streamlit_s"] = time_to(
                browser, url, lambda page: page.get_by_text("labeleval bare").wait_for(timeout=WAIT_MS)
            )
        with streamlit_server(shaped) as url:
            timings["bare_table_and_chart_s"] = time_to(browser, url, table_and_chart_ready)
        # each Overview figure twice: "_headline_s" the verdict and the leaderboard readable, "_s" the chart drawn
        with streamlit_server(ROOT / "app.py", cache) as url:  # the cache folder is empty: truly cold
            timings["overview_cold_headline_s"], timings["overview_cold_s"] = time_overview(browser, url)
            timings["overview_second_session_headline_s"], timings["overview_second_session_s"] = time_overview(
                browser, url
            )
        stored = list(Path(cache["LABELEVAL_CACHE_DIR"]).glob(f"*{report_cache.SUFFIX}"))
        assert len(stored) == 1  # the cold session stored its Report
        with streamlit_server(ROOT / "app.py", cache) as url:  # a new server: the Report is read from disk
            timings["overview_cold_disk_cache_headline_s"], timings["overview_cold_disk_cache_s"] = time_overview(
                browser, url
            )
        stored[0].unlink()  # `make app` from an empty cache: the launcher scores the sample before serving
        with streamlit_server(ROOT / "app.py", cache, launcher=True) as url:
            assert len(list(Path(cache["LABELEVAL_CACHE_DIR"]).glob(f"*{report_cache.SUFFIX}"))) == 1
            timings["overview_first_after_make_app_headline_s"], timings["overview_first_after_make_app_s"] = (
                time_overview(browser, url)
            )
        browser.close()
    timings["gap_cold_s"] = timings["overview_cold_s"] - timings["bare_streamlit_s"]
    timings["gap_cold_disk_cache_s"] = timings["overview_cold_disk_cache_s"] - timings["bare_streamlit_s"]
    timings["gap_after_make_app_s"] = timings["overview_first_after_make_app_s"] - timings["bare_streamlit_s"]
    timings["headline_gap_cold_s"] = timings["overview_cold_headline_s"] - timings["bare_streamlit_s"]
    timings["headline_gap_after_make_app_s"] = (
        timings["overview_first_after_make_app_headline_s"] - timings["bare_streamlit_s"]
    )
    timings["gap_to_table_and_chart_s"] = timings["overview_cold_s"] - timings["bare_table_and_chart_s"]
    timings["gap_after_make_app_to_table_and_chart_s"] = (
        timings["overview_first_after_make_app_s"] - timings["bare_table_and_chart_s"]
    )
    print("cold render:", json.dumps({k: round(v, 3) for k, v in timings.items()}))
    (out / "cold_render.json").write_text(json.dumps(timings, indent=2) + "\n")
    # The target is a gap of 0.5 s. The bound only catches a regression on a loaded machine; the
    # figures are printed and kept in cold_render.json (docs/performance.md reports them).
    assert timings["gap_cold_s"] < float(os.environ.get("LABELEVAL_COLD_RENDER_GAP_S", "8.0"))
    assert timings["overview_first_after_make_app_s"] < timings["overview_cold_s"] + 1.0


@pytest.mark.parametrize(("n_vendors", "currency"), [(2, "USD"), (5, "GBP"), (12, "EUR")])
def test_overview_holds_for_2_5_and_12_vendors(
    n_vendors: int, currency: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Generated pilots (prices from 0.03 to 2.50, a log axis) render the Overview without collisions."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.helpers.pilot_projects import NAMES, write_pilot

    out = shots_dir(tmp_path_factory)
    manifest = write_pilot(tmp_path_factory.mktemp(f"pilot{n_vendors}"), n_vendors, currency=currency)
    with (
        streamlit_server(ROOT / "app.py", {"LABELEVAL_PROJECT": str(manifest)}) as url,
        sync_api.sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.goto(url)
        overview_ready(page)
        page.wait_for_timeout(800)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator("[data-testid='stAlertContentError']").count() == 0
        rows = page.locator(f"{LEADERBOARD} tbody tr")
        assert rows.count() == n_vendors
        symbol = {"USD": "$", "GBP": "£", "EUR": "€"}[currency]
        assert page.locator(LEADERBOARD).first.inner_text().count(symbol) >= n_vendors
        # the chart: inline SVG (no Vega-Lite script on the Overview), as wide as its column, every point with its
        # hover text, every vendor named in it, and its download
        assert page.locator("[data-testid='stVegaLiteChart']").count() == 0
        chart = page.locator(CHART_SVG).first
        box, column = chart.bounding_box(), page.locator(LEADERBOARD).first.bounding_box()
        assert box is not None and column is not None and box["width"] > 700 and box["height"] > 300
        assert box["x"] >= column["x"] - 1 and box["x"] + box["width"] <= 1440
        hover = page.locator(f"{CHART_SVG} .points_marks path > title").all_text_contents()
        assert sorted(h.splitlines()[0] for h in hover) == sorted(NAMES[:n_vendors])
        assert all(symbol in h for h in hover)
        with page.expect_download() as download:
            page.get_by_text("Download chart (SVG)").click()
        saved = Path(download.value.path()).read_text(encoding="utf-8")
        assert saved.startswith("<svg") and saved.count("<title>") == n_vendors
        page.set_viewport_size({"width": 1440, "height": 1500 + 75 * n_vendors})
        page.wait_for_timeout(800)
        page.screenshot(path=str(out / f"overview_{n_vendors}_vendors.png"), full_page=True)
        page.set_viewport_size({"width": 1440, "height": 1100})
        page.locator("[data-testid='stSidebarNav']").get_by_text("Cost", exact=True).click()
        page.get_by_role("heading", name="What a usable label costs").wait_for(timeout=WAIT_MS)
        page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(800)
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(out / f"cost_{n_vendors}_vendors.png"), full_page=True)
        browser.close()


@contextmanager
def offline_report(tmp_path_factory: pytest.TempPathFactory, sample: str) -> Iterator[Any]:
    """A bundled sample's HTML report written to disk and opened in Chromium with the network and scripts off."""
    sync_api = pytest.importorskip("playwright.sync_api")
    import labeleval as le

    report = le.evaluate(ROOT / "sample_data" / sample, n_boot=200, seed=0)
    page_file = tmp_path_factory.mktemp(f"{sample}_report") / "report.html"
    page_file.write_text(report.to_html(), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(offline=True, java_script_enabled=False, viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.goto(page_file.as_uri())
        try:
            yield page
        finally:
            browser.close()


def test_html_report_is_a_document_offline(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The HTML report opened from disk in Chromium, with the network off: the charts are drawn, no script."""
    out = shots_dir(tmp_path_factory)
    with offline_report(tmp_path_factory, "content_safety") as page:
        assert page.get_by_role("heading", name="Verdict").count() == 1
        # cost against quality, the forest plot, what redundancy buys, the confusion matrices, calibration
        charts = page.locator("figure svg").all()
        assert len(charts) >= 5
        for chart in charts:
            box = chart.bounding_box()
            assert box is not None and box["width"] > 400 and box["height"] > 250
        assert page.locator("table").count() >= 5
        page.screenshot(path=str(out / "html_report.png"), full_page=True)


def test_a_link_opens_its_page_project_and_settings(server: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A link to the Comparisons page of the ticket pilot with 500 resamples lands there, says so under the
    title and in the sidebar; another page keeps the project and settings in the address, so it can be shared."""
    sync_api = pytest.importorskip("playwright.sync_api")
    out = shots_dir(tmp_path_factory)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.goto(f"{server.rstrip('/')}/comparisons?project=ticket_pilot&n_boot=500")
        page.get_by_role("heading", name="Which differences are real?").wait_for(timeout=WAIT_MS)
        caption = page.get_by_text("Support ticket triage pilot").first
        caption.wait_for(timeout=WAIT_MS)
        assert "500 bootstrap resamples" in caption.inner_text()
        chooser = page.locator("[data-testid='stSidebar']").get_by_role("combobox", name="Project")
        chooser.wait_for(timeout=WAIT_MS)
        assert chooser.input_value() == "ticket_pilot"  # the sidebar's project chooser shows the linked project
        assert page.locator("[data-testid='stException']").count() == 0
        page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(out / "link_comparisons.png"), full_page=True)
        page.locator("[data-testid='stSidebarNav']").get_by_text("Cost", exact=True).click()
        page.get_by_role("heading", name="What a usable label costs").wait_for(timeout=WAIT_MS)
        page.wait_for_url(re.compile(r"/cost\?(?=.*project=ticket_pilot)(?=.*n_boot=500)"), timeout=WAIT_MS)
        browser.close()


def test_a_fresh_server_opens_a_link_with_the_apps_pages_only(tmp_path_factory: pytest.TempPathFactory) -> None:
    """``labeleval app``'s script on a fresh server, first visited through a link to the Annotators page: the page
    draws, and the sidebar lists the app's pages and nothing else (no module of the package beside the script)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    out = shots_dir(tmp_path_factory)
    with streamlit_server(entry_script(), launcher=True) as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.goto(f"{url.rstrip('/')}/annotators")
        page.get_by_role("heading", name="Annotators").first.wait_for(timeout=WAIT_MS)
        nav = page.locator("[data-testid='stSidebarNav']")
        nav.wait_for(timeout=WAIT_MS)
        links = [text.strip() for text in nav.get_by_role("link").all_inner_texts()]
        page.screenshot(path=str(out / "fresh_link_annotators.png"))
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
    titles = [title for _, title, _, _ in PAGES]
    assert [next((t for t in titles if t in link), link) for link in links] == titles, links


def test_overview_typed_by_hand_opens_the_overview(server: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """``/overview`` typed into the address bar (the Overview is served at ``/``) opens the Overview, with no
    "Page not found" dialog, its link's project and settings kept; ``/`` still opens it."""
    sync_api = pytest.importorskip("playwright.sync_api")
    out = shots_dir(tmp_path_factory)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        for path in ("/overview?project=ticket_pilot", "/overview/", "/"):
            page.goto(f"{server.rstrip('/')}{path}")
            overview_ready(page)
            page.get_by_role("heading", name="Which vendor gives the most usable labels for the money?").wait_for(
                timeout=WAIT_MS
            )
            page.wait_for_timeout(1500)  # a not-found dialog arrives with the page's first run, if at all
            assert page.get_by_text("Page not found").count() == 0, path
            assert page.locator("[data-testid='stException']").count() == 0, path
            if "project=" in path:
                page.screenshot(path=str(out / "typed_overview.png"))
                assert page.get_by_text("Support ticket triage pilot").count() > 0
        browser.close()


def test_every_report_download_works_on_the_first_click(server: str) -> None:
    """The Data page's four downloads, each clicked once on a fresh page: each file arrives, whole."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.goto(server)
        overview_ready(page)
        page.locator("[data-testid='stSidebarNav']").get_by_text("Data", exact=True).click()
        page.get_by_role("heading", name="Download the report").wait_for(timeout=WAIT_MS)
        page.get_by_role("button", name="HTML", exact=True).wait_for(timeout=WAIT_MS)
        saved: dict[str, bytes] = {}
        for name in ("JSON", "CSV (zip)", "Markdown", "HTML"):
            with page.expect_download(timeout=WAIT_MS) as download:
                page.get_by_role("button", name=name, exact=True).click()
            assert download.value.failure() is None, (name, download.value.failure())
            saved[name] = Path(download.value.path()).read_bytes()
            assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
    assert json.loads(saved["JSON"])["settings"]
    assert saved["CSV (zip)"].startswith(b"PK")
    assert saved["Markdown"].decode("utf-8").startswith("# labeleval report")
    assert saved["HTML"].lstrip().lower().startswith(b"<!doctype html") and b"Verdict" in saved["HTML"]


#: each page of a graded project: (page, title, what it draws once its graded content is there)
GRADED_BROWSER_PAGES = (
    ("overview", "Which vendor's written work is accepted most, for the money?", "[data-testid='stDataFrame']"),
    ("comparisons", "Which differences are real?", "[data-testid='stVegaLiteChart']"),  # the family's forest plot
    ("agreement", "Do the reviewers agree on the rubric?", "[data-testid='stVegaLiteChart']"),  # alpha per criterion
    ("accuracy", "Scores per criterion", "[data-testid='stVegaLiteChart']"),  # adjusted and raw means
    ("cost", "What an accepted deliverable costs", "[data-testid='stVegaLiteChart']"),
    ("annotators", "Writers and reviewers", "[data-testid='stVegaLiteChart']"),  # writers, reviewers' severity
    ("items", "Deliverables and their reviews", "[data-testid='stDataFrame']"),
)


def test_a_graded_project_on_every_page(server: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The graded sample through a link to each page: its title, its chart or table, no error; a screenshot of
    each (the Accuracy page's is the one docs/usage.md shows)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    out, pages = shots_dir(tmp_path_factory), tmp_path_factory.mktemp("graded_pages")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        for name, title, content in GRADED_BROWSER_PAGES:
            path = "" if name == "overview" else f"/{name}"  # the Overview is the app's page at /
            page.goto(f"{server.rstrip('/')}{path}?project=graded_writing")
            page.get_by_role("heading", name=title).wait_for(timeout=WAIT_MS)
            page.locator(content).first.wait_for(timeout=WAIT_MS)
            page.get_by_text("graded task · 4 criteria").first.wait_for(timeout=WAIT_MS)
            page.wait_for_timeout(800)
            assert page.locator("[data-testid='stException']").count() == 0, name
            assert page.locator("[data-testid='stAlertContentError']").count() == 0, name
            assert page.get_by_text("Page not found").count() == 0, name
            page.set_viewport_size({"width": 1440, "height": 2300})
            page.wait_for_timeout(800)
            page.screenshot(path=str((out if name == "accuracy" else pages) / f"graded_{name}.png"), full_page=True)
            page.set_viewport_size({"width": 1440, "height": 1100})
        browser.close()


def test_the_graded_html_report_is_a_document_offline(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A graded project's HTML report from disk, network and scripts off: its charts drawn, at a readable size."""
    with offline_report(tmp_path_factory, "graded_writing") as page:
        assert page.get_by_role("heading", name="Verdict").count() == 1
        charts = page.locator("figure svg").all()  # forest, reliability, criteria, severity, writers
        assert len(charts) == 5
        for chart in charts:
            box = chart.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 150
        assert page.locator("table").count() >= 8
        page.screenshot(path=str(tmp_path_factory.mktemp("graded_shot") / "graded_html_report.png"), full_page=True)
