"""The Overview's first render in a real browser against bare Streamlit (issue 14.6), repeated, medians.

Each round starts fresh servers one after another and times, in one headless Chromium, the navigation to a
page until it shows what it must show:

- ``bare``: a one-line Streamlit app (``st.write``);
- ``bare_table_chart``: the same plus one table and one Vega-Lite chart (what Streamlit itself costs to draw
  what the Overview draws);
- ``cold``: ``streamlit run app.py`` with an empty report cache: the first session imports the engine, reads
  the vendor files and scores them;
- ``second_session``: a second session of that server (in-memory cache);
- ``disk_cache``: a new ``streamlit run app.py`` server whose disk cache holds the Report;
- ``make_app``: a server started as ``make app`` / ``labeleval app`` start it (``python -m labeleval.ui.serve``)
  from an empty cache: it imports the pages' modules and scores the sample before it serves.

Each Overview case is timed to two marks in the same navigation: ``<case>_headline`` when the verdict's first
sentence and the leaderboard table are on screen (what the one-liner's text is to it), ``<case>`` when the
cost-against-quality chart is drawn as well (it waits for Streamlit's Vega-Lite bundle).

Usage: ``python benchmarks/bench_cold_render.py [--rounds 5]`` (needs Debian's chromium and playwright; a few
minutes; take the heavy-run lock: the figures are meaningless beside another job).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_browser import (  # noqa: E402  (the test's own servers, bare apps and readiness checks)
    BARE_APP,
    BARE_TABLE_CHART_APP,
    CHROMIUM,
    FLAGS,
    WAIT_MS,
    _table_and_chart_ready,
    _time_overview,
    _time_to,
    streamlit_server,
)


def one_round(browser: object, folder: Path) -> dict[str, float]:
    bare = folder / "bare_app.py"
    bare.write_text(BARE_APP, encoding="utf-8")
    shaped = folder / "bare_table_chart.py"
    shaped.write_text(BARE_TABLE_CHART_APP, encoding="utf-8")
    cache_dir = folder / "report_cache"
    cache_dir.mkdir()
    cache = {"LABELEVAL_CACHE_DIR": str(cache_dir)}
    out: dict[str, float] = {}
    with streamlit_server(bare) as url:
        out["bare"] = _time_to(browser, url, lambda p: p.get_by_text("labeleval bare").wait_for(timeout=WAIT_MS))
    with streamlit_server(shaped) as url:
        out["bare_table_chart"] = _time_to(browser, url, _table_and_chart_ready)
    # each Overview twice: "<case>_headline" the verdict and leaderboard readable, "<case>" the chart drawn too
    with streamlit_server(ROOT / "app.py", cache) as url:
        out["cold_headline"], out["cold"] = _time_overview(browser, url)
        out["second_session_headline"], out["second_session"] = _time_overview(browser, url)
    with streamlit_server(ROOT / "app.py", cache) as url:
        out["disk_cache_headline"], out["disk_cache"] = _time_overview(browser, url)
    for entry in cache_dir.glob("*.pickle"):
        entry.unlink()
    with streamlit_server(ROOT / "app.py", cache, launcher=True) as url:
        out["make_app_headline"], out["make_app"] = _time_overview(browser, url)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "cold_render.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rounds = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto("about:blank")  # the browser's own start-up is not part of any figure
        for i in range(args.rounds):
            with tempfile.TemporaryDirectory() as folder:
                rounds.append(one_round(browser, Path(folder)))
            print(f"round {i + 1}:", json.dumps({k: round(v, 2) for k, v in rounds[-1].items()}), flush=True)
        browser.close()
    medians = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    cases = ("cold", "disk_cache", "make_app", "second_session")
    gaps = {f"{k}{part} - bare": medians[k + part] - medians["bare"] for k in cases for part in ("_headline", "")}
    gaps |= {f"{k} - bare_table_chart": medians[k] - medians["bare_table_chart"] for k in ("cold", "make_app")}
    load = os.getloadavg()
    print("medians (s):", json.dumps({k: round(v, 2) for k, v in medians.items()}))
    print("gaps (s):", json.dumps({k: round(v, 2) for k, v in gaps.items()}))
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rounds": rounds, "medians": medians, "gaps": gaps, "load": load}, indent=2))


if __name__ == "__main__":
    main()
