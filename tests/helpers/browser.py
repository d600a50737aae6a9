"""Driving the app in a real browser: ``streamlit run`` on a free port, Debian's chromium and its flags, and
the readiness checks and timings the browser tests and benchmarks/bench_cold_render.py share."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.paths import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

#: The Overview's leaderboard: a Markdown table (drawn with the page's text, no table script)
LEADERBOARD = "[data-testid='stMarkdownContainer'] table"

#: The Overview's cost-against-quality chart: inline SVG in a Markdown block (labeleval/ui/inline_svg.py), drawn
#: with the page's text, no chart script
CHART_SVG = "[data-testid='stMarkdownContainer'] div.labeleval-chart > svg"

#: How long to wait for an element: generous, because CI shares two cores with the whole suite.
WAIT_MS = int(os.environ.get("LABELEVAL_BROWSER_WAIT_MS", "180000"))

#: The bare apps the Overview's first render is timed against (here and in benchmarks/bench_cold_render.py): the
#: one-liner, and the same plus one table and one Vega-Lite chart, which is what Streamlit itself costs to show what
#: the Overview shows (pandas and pyarrow on the server, the table and Vega-Lite bundles in the browser).
BARE_APP = 'import streamlit as st\n\nst.write("labeleval bare")\n'
BARE_TABLE_CHART_APP = (
    "import streamlit as st\n\n"
    'st.table({"vendor": ["A", "B"], "accuracy": [0.8, 0.9]})\n'
    'st.vega_lite_chart({"data": {"values": [{"x": 1, "y": 2}]}, "mark": "point", "encoding": '
    '{"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}}}, '
    'width="stretch")\n'
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def streamlit_server(script: Path, env: dict[str, str] | None = None, *, launcher: bool = False) -> Iterator[str]:
    """``streamlit run script`` on a free localhost port; yields its URL once healthy, stops it afterwards.

    ``launcher``: started as ``make app`` and ``labeleval app`` start it (``python -m labeleval.ui.serve``)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            *(["labeleval.ui.serve"] if launcher else ["streamlit", "run"]),
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"streamlit did not start {script.name} within 120 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("LABELEVAL_SCREENSHOTS")
    if target:  # "docs" refreshes docs/screenshots/; any other value is a folder to keep them in
        folder = ROOT / "docs" / "screenshots" if target == "docs" else Path(target)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


def time_to(browser: Any, url: str, ready: Callable[[Any], None]) -> float:
    """Seconds from navigation to ``ready(page)`` returning, in a fresh page of ``browser``."""
    page = browser.new_page(viewport={"width": 1440, "height": 1100})
    start = time.perf_counter()
    page.goto(url)
    ready(page)
    elapsed = time.perf_counter() - start
    page.close()
    return elapsed


def table_and_chart_ready(page: Any) -> None:
    page.locator("[data-testid='stTable']").first.wait_for(timeout=WAIT_MS)
    vega_lite_chart_ready(page)


def vega_lite_chart_ready(page: Any) -> None:
    """Streamlit's Vega-Lite chart is drawn (its canvas or SVG is on screen)."""
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for(
        timeout=WAIT_MS
    )


def headline_ready(page: Any) -> None:
    """The Overview's headline is readable: the verdict's first sentence and the leaderboard table (both drawn
    by Streamlit's main bundle, as is the chart's inline SVG below them)."""
    page.get_by_text("is the most accurate on gold").first.wait_for(timeout=WAIT_MS)
    page.locator(LEADERBOARD).first.wait_for(timeout=WAIT_MS)


def time_overview(browser: Any, url: str, ready: Callable[[Any], None] | None = None) -> tuple[float, float]:
    """Seconds from navigation until the Overview's headline is readable, and until its chart is drawn too
    (``ready``, by default :func:`overview_ready`: the chart's inline SVG)."""
    page = browser.new_page(viewport={"width": 1440, "height": 1100})
    start = time.perf_counter()
    page.goto(url)
    headline_ready(page)
    headline = time.perf_counter() - start
    (ready or overview_ready)(page)
    drawn = time.perf_counter() - start
    page.close()
    return headline, drawn


def overview_ready(page: Any) -> None:
    """The Overview is drawn: its headline and its chart (the inline SVG with its points)."""
    page.get_by_role("heading", name="Leaderboard").wait_for(timeout=WAIT_MS)
    page.locator(LEADERBOARD).first.wait_for(timeout=WAIT_MS)
    page.locator(f"{CHART_SVG} .points_marks path").first.wait_for(timeout=WAIT_MS)
