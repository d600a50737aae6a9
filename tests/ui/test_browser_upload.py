"""Uploads in a real browser: Debian's chromium, driven by Playwright, against `streamlit run app.py`.

One test uploads three vendors' files (a Label Studio JSON export, a Toloka assignments TSV and a plain
CSV whose labels need a label map) with a gold file through the Data page's mapping form, presses "Score
these files" and reaches a scored Overview with no error box. The other uploads a project whose only
vendor file holds nothing but rejected work, and sees the error and then the ledger on the Data page.
Screenshots go to a temporary folder (LABELEVAL_SCREENSHOTS=docs: docs/screenshots/).
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.helpers.browser import CHROMIUM, FLAGS, LEADERBOARD, WAIT_MS, shots_dir, streamlit_server
from tests.helpers.hostile_files import far_cell_xlsx
from tests.helpers.paths import ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]
LABELS = ("pos", "neg")


def pilot_files(folder: Path, n_items: int = 60) -> dict[str, Path]:
    """A small pilot in the vendors' own formats: 60 items, 3 judgments each, gold on every item."""
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 2, n_items)
    items = [f"item-{k:03d}" for k in range(n_items)]

    def answers(accuracy: float) -> np.ndarray:
        right = rng.random((n_items, 3)) < accuracy
        return np.where(right, truth[:, None], 1 - truth[:, None])

    ls = answers(0.9)
    tasks = [
        {
            "id": 500 + k,
            "data": {"item_id": items[k], "text": f"Review number {k}", "lang": "en" if k % 2 else "de"},
            "annotations": [
                {
                    "id": 3 * k + j,
                    "completed_by": {"id": j, "email": f"ls{j}@team.example"},
                    "result": [
                        {
                            "from_name": "sentiment",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": [LABELS[ls[k, j]]]},
                        }
                    ],
                    "was_cancelled": k == 5 and j == 0,
                    "ground_truth": False,
                    "lead_time": 6.5,
                    "created_at": "2026-10-01T10:00:00Z",
                }
                for j in range(3)
            ],
            "predictions": [],
        }
        for k in range(n_items)
    ]
    files = {"ls": folder / "team_export.json"}
    files["ls"].write_text(json.dumps(tasks))
    tl = answers(0.8)
    header = (
        "INPUT:id\tOUTPUT:sentiment\tASSIGNMENT:assignment_id\tASSIGNMENT:worker_id\tASSIGNMENT:status\t"
        "ASSIGNMENT:started\tASSIGNMENT:submitted\tASSIGNMENT:reward"
    )
    lines = [header]
    for k in range(n_items):
        for j in range(3):
            status = "REJECTED" if (k, j) == (2, 1) else "APPROVED"
            lines.append(
                f"{items[k]}\t{LABELS[tl[k, j]]}\tA{k}-{j}\ttoloker{(k + j) % 9}\t{status}\t"
                f"2026-10-02T10:00:00\t2026-10-02T10:00:20\t0.03"
            )
    files["toloka"] = folder / "toloka_assignments.tsv"
    files["toloka"].write_text("\n".join(lines) + "\n")
    cs = answers(0.85)
    rows = ["Task,Labeler,Answer,Seconds"]
    rows += [f"{items[k]},w{j},{LABELS[cs[k, j]].upper()},{4 + j}" for k in range(n_items) for j in range(3)]
    files["csv"] = folder / "crowd.csv"
    files["csv"].write_text("\n".join(rows) + "\n")
    files["gold"] = folder / "gold.csv"
    files["gold"].write_text("item,gold\n" + "".join(f"{items[k]},{LABELS[truth[k]]}\n" for k in range(n_items)))
    return files


def _no_error(page: Any) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0


def _uploader(page: Any, label: str) -> Any:
    """The file input of the uploader whose label contains ``label``."""
    return page.locator("[data-testid='stFileUploader']").filter(has_text=label).locator("input[type='file']")


def _fill_prices(page: Any, price: str = "0.05") -> None:
    """Type a price into every blank price field of the mapping form (the form fills in none itself)."""
    rates = page.get_by_label("Rate (USD)")
    rates.first.wait_for(timeout=240_000)
    for k in range(rates.count()):
        field = rates.nth(k)
        if field.input_value() == "":
            field.fill(price)
            field.press("Enter")
            page.wait_for_timeout(1500)


def _wait_for_score_button(page: Any) -> None:
    """The score button appears once the labels and the files are in. On a busy machine a label text typed
    before the page finished its first run can be lost (the form then asks for labels): type it again."""
    labels = page.get_by_label("Labels, comma separated (in order for ordinal tasks)")
    button = page.get_by_role("button", name="Score these files")
    for _ in range(4):
        try:
            button.wait_for(timeout=60_000)
            return
        except Exception:  # playwright's TimeoutError
            if labels.input_value() != "pos, neg":
                labels.fill("pos, neg")
                labels.press("Enter")
    button.wait_for(timeout=60_000)


def test_mapping_upload_scores_and_shows_the_overview(
    server: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    files = pilot_files(tmp_path)
    out = shots_dir(tmp_path_factory)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.goto(f"{server}/data")
        page.get_by_text("Use your own data").click()
        page.get_by_role("tab", name="Upload vendor files and map columns").click()
        page.get_by_label("Labels, comma separated (in order for ordinal tasks)").fill("pos, neg")
        page.get_by_label("Labels, comma separated (in order for ordinal tasks)").press("Enter")
        _uploader(page, "Vendor files").set_input_files([str(files["ls"]), str(files["toloka"]), str(files["csv"])])
        _uploader(page, "Gold file").set_input_files(str(files["gold"]))
        # no price is invented: until every vendor has one, the form asks for it and offers no score button
        page.get_by_text("to build the project.", exact=False).wait_for(timeout=240_000)
        assert "Enter the price of" in page.locator("[data-testid='stMain']").inner_text()
        assert page.get_by_role("button", name="Score these files").count() == 0
        _fill_prices(page)
        _wait_for_score_button(page)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "upload_mapping.png"), full_page=True)
        # the native formats were recognised, and the CSV's upper-case labels got a label map
        text = page.locator("[data-testid='stMain']").inner_text()
        assert "Set aside: CANCELLED 1" in text  # read as Label Studio: the cancelled annotation
        assert "Set aside: REJECTED 1" in text and "seconds per judgment are an estimate" in text  # as Toloka
        assert "2 of this vendor's labels are not task labels" in text  # the CSV's NEG and POS, each mapped
        kept = page.locator("[data-testid='stMultiSelect']").filter(has_text="Item metadata to keep").first
        assert "data.text" in kept.inner_text() and "data.lang" in kept.inner_text()  # offered and kept
        item_field = page.get_by_role("textbox", name="Item id field (dotted path, optional)").first
        item_field.fill("data.item_id")  # Label Studio's task id is not the pilot's item id
        item_field.press("Enter")
        page.wait_for_timeout(2000)
        page.get_by_role("button", name="Score these files").wait_for(timeout=240_000)
        _no_error(page)
        page.get_by_role("button", name="Score these files").click()
        page.get_by_role("heading", name="Leaderboard").wait_for(timeout=150_000)
        page.locator("[data-testid='stMarkdownContainer'] table").first.wait_for(timeout=120_000)  # leaderboard
        page.wait_for_timeout(1500)
        _no_error(page)
        text = page.locator("[data-testid='stMain']").inner_text()
        for vendor in ("team_export", "toloka_assignments", "crowd"):
            assert vendor in text
        page.screenshot(path=str(out / "upload_overview.png"), full_page=True)
        # the Label Studio export's data fields, kept as item metadata by the form's default: the item's text
        # (once the run is over: the sidebar's project chooser names the upload, not the sample it replaced)
        page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=WAIT_MS)
        page.wait_for_timeout(1500)
        page.locator("[data-testid='stSidebarNav']").get_by_text("Items", exact=True).click()
        page.get_by_role("heading", name="Items where vendors disagree").wait_for(timeout=WAIT_MS)
        page.get_by_text("Review number", exact=False).first.wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(out / "upload_items.png"), full_page=True)
        _no_error(page)
        browser.close()


def test_broken_upload_shows_the_error_and_the_ledger(
    server: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    out = shots_dir(tmp_path_factory)
    header = "INPUT:id\tOUTPUT:sentiment\tASSIGNMENT:assignment_id\tASSIGNMENT:worker_id\tASSIGNMENT:status"
    rows = [f"item-{k}\tpos\tA{k}\tw{k % 3}\tREJECTED" for k in range(12)]
    (tmp_path / "rejected.tsv").write_text("\n".join([header, *rows]) + "\n")
    (tmp_path / "labeleval.toml").write_text(
        '[task]\nname = "broken"\nlabels = ["pos", "neg"]\n\n[usability]\nrule = "consensus"\n\n'
        '[[vendors]]\nname = "Rejected"\npath = "rejected.tsv"\nformat = "toloka"\n'
        'pricing = { model = "per_label", rate = 0.1 }\n'
    )
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.goto(f"{server}/data")
        page.get_by_text("Use your own data").click()
        _uploader(page, "Project files").set_input_files(
            [str(tmp_path / "labeleval.toml"), str(tmp_path / "rejected.tsv")]
        )
        page.get_by_role("button", name="Open this project").click()
        page.locator("[data-testid='stAlertContentError']").first.wait_for(timeout=120_000)
        assert page.locator("[data-testid='stException']").count() == 0
        assert "no usable rows" in page.locator("[data-testid='stAlertContentError']").first.inner_text()
        page.locator("[data-testid='stSidebarNav']").get_by_text("Data", exact=True).click()
        page.get_by_text("Ledger of what could be read").wait_for(timeout=120_000)
        page.wait_for_timeout(1000)
        assert page.locator("[data-testid='stException']").count() == 0
        frames = page.locator("[data-testid='stDataFrame']")
        assert frames.count() >= 2  # the ledger and the quarantined rows
        page.screenshot(path=str(out / "upload_broken.png"), full_page=True)
        browser.close()


def _small_project(folder: Path, vendor_file: str = "a.csv") -> list[Path]:
    """A scorable two-vendor project (40 items, gold) whose second vendor's file is ``vendor_file``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, 40)
    (folder / "gold.csv").write_text("item_id,label\n" + "".join(f"i{k},{LABELS[t]}\n" for k, t in enumerate(truth)))
    for name, accuracy in (("a.csv", 0.9), ("b.csv", 0.7)):
        right = rng.random((40, 3)) < accuracy
        rows = [
            f"i{k},{name[0]}{j},{LABELS[truth[k] if right[k, j] else 1 - truth[k]]}"
            for k in range(40)
            for j in range(3)
        ]
        (folder / name).write_text("item_id,annotator_id,label\n" + "\n".join(rows) + "\n")
    (folder / "labeleval.toml").write_text(
        '[task]\nname = "small"\nlabels = ["pos", "neg"]\n\n[gold]\npath = "gold.csv"\n\n'
        '[[vendors]]\nname = "Alpha"\npath = "b.csv"\npricing = { model = "per_label", rate = 0.1 }\n\n'
        f'[[vendors]]\nname = "Beta"\npath = "{vendor_file}"\npricing = {{ model = "per_label", rate = 0.1 }}\n'
    )
    return [folder / n for n in ("labeleval.toml", "gold.csv", "b.csv", vendor_file)]


def _open_project(page: Any, url: str, files: list[Path]) -> None:
    page.goto(f"{url}/data")
    page.get_by_text("Use your own data").click()
    _uploader(page, "Project files").set_input_files([str(f) for f in files])
    page.get_by_role("button", name="Open this project").click()


def test_a_reader_that_aborts_takes_down_its_child_not_the_server(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """One session uploads an XLSX whose only cell is XFD1048576 (its reader asked for 512 GiB and aborted; the
    sheet is now bounded from its cell references, in a child process), first to map its columns, then in a
    project; each time that session sees an error naming the file. Another
    session then uploads a normal project and scores it. The server also refuses a session's third file over
    its upload budget (here 1 MB) when the file arrives."""
    sync_api = pytest.importorskip("playwright.sync_api")
    out = shots_dir(tmp_path_factory)
    far_cell_xlsx(tmp_path / "far.xlsx")
    hostile = _small_project(tmp_path / "hostile", vendor_file="far.xlsx")
    (tmp_path / "hostile" / "far.xlsx").write_bytes((tmp_path / "far.xlsx").read_bytes())
    normal = _small_project(tmp_path / "normal")
    big = [tmp_path / f"big{k}.csv" for k in range(3)]
    for path in big:
        path.write_text("item_id,annotator_id,label\n" + "i1,a,pos\n" * 60_000)  # 0.54 MB each
    env = {"LABELEVAL_CACHE_DIR": str(tmp_path / "cache"), "LABELEVAL_MAX_UPLOAD_MB": "1"}
    with streamlit_server(ROOT / "app.py", env, launcher=True) as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        first = browser.new_context().new_page()
        first.set_viewport_size({"width": 1440, "height": 1100})
        first.goto(f"{url}/data")
        first.get_by_text("Use your own data").click()
        first.get_by_role("tab", name="Upload vendor files and map columns").click()
        _uploader(first, "Vendor files").set_input_files(str(tmp_path / "far.xlsx"))
        error = first.locator("[data-testid='stAlertContentError']").first
        error.wait_for(timeout=WAIT_MS)
        assert "far.xlsx (the sheet's cells span A1:XFD1048576)" in error.inner_text()
        first.screenshot(path=str(out / "hostile_xlsx_mapping.png"), full_page=True)

        _open_project(first, url, hostile)
        error = first.locator("[data-testid='stAlertContentError']").first
        error.wait_for(timeout=WAIT_MS)
        assert "far.xlsx (the sheet's cells span A1:XFD1048576)" in error.inner_text()
        assert first.locator("[data-testid='stException']").count() == 0
        first.screenshot(path=str(out / "hostile_xlsx_project.png"), full_page=True)
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as health:
            assert health.status == 200  # the server lives

        first.goto(f"{url}/data")  # the budget: the first 0.54 MB file is taken, the second is refused
        first.get_by_text("Use your own data").click()
        first.get_by_role("tab", name="Upload vendor files and map columns").click()
        _uploader(first, "Vendor files").set_input_files([str(b) for b in big])
        first.get_by_text(re.compile("big0.csv")).first.wait_for(timeout=WAIT_MS)
        first.wait_for_timeout(3000)
        first.screenshot(path=str(out / "upload_budget.png"), full_page=True)
        uploader_text = first.locator("[data-testid='stFileUploader']").filter(has_text="Vendor files").inner_text()

        second = browser.new_context().new_page()
        second.set_viewport_size({"width": 1440, "height": 1100})
        _open_project(second, url, normal)
        second.get_by_role("heading", name="Leaderboard").wait_for(timeout=WAIT_MS)
        second.locator(LEADERBOARD).first.wait_for(timeout=WAIT_MS)
        _no_error(second)
        text = second.locator("[data-testid='stMain']").inner_text()
        assert "Alpha" in text and "Beta" in text
        second.screenshot(path=str(out / "hostile_then_normal.png"), full_page=True)
        browser.close()
    assert uploader_text.count("big") >= 2 and re.search(r"(?i)error|too large|failed", uploader_text), uploader_text


def test_moving_to_another_page_while_an_upload_is_scored_keeps_the_upload(
    server: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A click on another page while the upload's first run is going opens that page on the upload, not on the
    sample the upload replaced (the sidebar's chooser had not yet reached the browser with the upload in it)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    out = shots_dir(tmp_path_factory)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        _open_project(page, server, _small_project(tmp_path / "p"))
        page.locator("[data-testid='stStatusWidget']").wait_for(timeout=WAIT_MS)  # the upload is being scored
        page.locator("[data-testid='stSidebarNav']").get_by_text("Annotators", exact=True).click()
        page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=WAIT_MS)
        page.wait_for_timeout(1500)
        page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=WAIT_MS)
        page.screenshot(path=str(out / "upload_then_move.png"), full_page=True)
        main = page.locator("[data-testid='stMain']").inner_text()
        assert "small · nominal · 2 vendors" in main and "Content safety" not in main, main[:400]
        assert "Alpha" in main and "Beta" in main, main[:400]
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
