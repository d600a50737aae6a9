"""The Overview's first render in a real browser against bare Streamlit, repeated, medians.

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
cost-against-quality chart is drawn as well (the Overview's inline SVG with its points on screen).

With ``--ladder`` each round also times apps that draw the Overview's own elements with nothing computed (its
text, leaderboard, chart spec and chart SVG made once from the sample's Report and written into the script):
what Streamlit takes to draw them, step by step:

- ``ladder_text``: the headline's elements (title, caption, verdict, leaderboard, footnote) on one page;
- ``ladder_chart``: the same plus the cost-against-quality chart as Streamlit's Vega-Lite chart (the Overview's
  own spec; what the Overview drew before), for comparison;
- ``ladder_svg``: the headline plus the chart as the Overview draws it now: inline SVG in a Markdown block and
  its download button;
- ``ladder_nav``: the SVG step inside ``st.navigation`` with the app's 8 pages and their icons;
- ``ladder_sidebar``: the same plus the sidebar's project chooser and Settings expander (the whole Overview).

Gaps are printed twice: between medians, and as the median (min, max) of each round's own difference (every
round times the one-liner beside the rest, so a round on a busier machine is compared with itself).

Usage: ``python benchmarks/bench_cold_render.py [--rounds 5] [--ladder]`` (needs Debian's chromium and playwright; a few
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

from tests.helpers.browser import (  # noqa: E402  (the browser tests' servers, bare apps and readiness checks)
    BARE_APP,
    BARE_TABLE_CHART_APP,
    CHROMIUM,
    FLAGS,
    WAIT_MS,
    headline_ready,
    streamlit_server,
    table_and_chart_ready,
    time_overview,
    time_to,
    vega_lite_chart_ready,
)

#: The Overview's elements with nothing computed; ``LADDER`` is the step, ``CONTENT`` a JSON file.
LADDER_APP = """import json

import streamlit as st

LADDER = {ladder!r}
D = json.loads(open({content!r}, encoding="utf-8").read())


def overview():
    st.title("Which vendor gives the most usable labels for the money?")
    st.caption(D["caption"])
    st.markdown(D["verdict"])
    st.subheader("Leaderboard")
    st.markdown(D["leaderboard"])
    st.caption(D["footnotes"])
    if LADDER != "text":
        st.subheader("Cost against quality")
        st.caption("Each vendor's accuracy against its cost per usable label.")
    if LADDER == "chart":
        st.vega_lite_chart(D["chart"], width="stretch", key="cost_quality_chart")
    elif LADDER != "text":
        st.markdown(D["svg"], unsafe_allow_html=True)
        st.download_button("Download chart (SVG)", D["svg"], file_name="chart.svg", mime="image/svg+xml",
                           on_click="ignore", type="tertiary", icon=":material/download:")


def sidebar():
    with st.sidebar:
        st.caption("Project")
        st.selectbox("Project", D["projects"], key="project_choice", label_visibility="collapsed")
        with st.expander("Settings", expanded=False):
            st.slider("Confidence level", 0.80, 0.99, 0.95, step=0.01, key="confidence")
            st.select_slider("Bootstrap resamples", [0, 200, 500, 1000, 2000], 1000, key="n_boot")
            st.number_input("Seed", min_value=0, step=1, key="seed")
            st.selectbox("Usable label means", ["gold or consensus", "gold", "consensus"], key="usability")
            st.slider("Consensus confidence threshold", 0.5, 1.0, 0.6, step=0.05, key="min_confidence")
            st.selectbox("Majority-vote ties", ["unresolved", "random"], key="tie")
            st.selectbox("Consensus method", ["majority vote", "Dawid-Skene"], key="consensus")
            st.slider("Target consensus accuracy", 0.8, 1.0, 0.95, step=0.01, key="target_accuracy")
            st.selectbox("Intervals cover", ["items", "items and annotators"], key="uncertainty", help="Intervals.")


def other():
    st.write("another page")


if LADDER in ("text", "chart", "svg"):
    overview()
else:
    st.set_page_config(page_title="labeleval: vendor comparison", page_icon=":material/balance:", layout="wide")
    pages = [
        st.Page(overview if url == "overview" else other, title=title, icon=icon, url_path=url,
                default=(url == "overview"))
        for _, title, icon, url in D["pages"]
    ]
    navigation = st.navigation(pages)
    if LADDER == "sidebar":
        sidebar()
    navigation.run()
"""

LADDER = ("text", "chart", "svg", "nav", "sidebar")


def ladder_content(path: Path) -> None:
    """The Overview's strings and chart spec for the bundled sample, made once, as the ladder apps read them."""
    import labeleval as le
    from labeleval.present.cost_chart import cost_quality
    from labeleval.present.render import leaderboard, leaderboard_footnotes
    from labeleval.present.verdict import verdict
    from labeleval.safety import markdown_text
    from labeleval.ui.inline_svg import html_block
    from labeleval.ui.screens import PAGES
    from labeleval.ui.screens._common import header_caption
    from labeleval.ui.screens.overview import chart_svg, leaderboard_markdown
    from labeleval.ui.state import sample_projects

    report = le.evaluate(ROOT / "sample_data" / "content_safety")
    content = {
        "caption": header_caption(report),
        "verdict": "\n".join(f"- {markdown_text(sentence)}" for sentence in verdict(report)),
        "leaderboard": leaderboard_markdown(leaderboard(report)),
        "footnotes": markdown_text(" ".join(leaderboard_footnotes(report))),
        "chart": cost_quality(report.summary, report.settings),
        "svg": html_block(chart_svg(report)),
        "projects": list(sample_projects()),
        "pages": [list(page) for page in PAGES],
    }
    path.write_text(json.dumps(content), encoding="utf-8")


def ladder_round(browser: object, folder: Path, content: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    for step in LADDER:
        script = folder / f"ladder_{step}.py"
        script.write_text(LADDER_APP.format(ladder=step, content=str(content)), encoding="utf-8")
        with streamlit_server(script) as url:
            if step == "text":
                out["ladder_text_headline"] = time_to(browser, url, headline_ready)
            else:
                ready = vega_lite_chart_ready if step == "chart" else None  # None: the Overview's SVG
                out[f"ladder_{step}_headline"], out[f"ladder_{step}"] = time_overview(browser, url, ready)
    return out


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
        out["bare"] = time_to(browser, url, lambda p: p.get_by_text("labeleval bare").wait_for(timeout=WAIT_MS))
    with streamlit_server(shaped) as url:
        out["bare_table_chart"] = time_to(browser, url, table_and_chart_ready)
    # each Overview twice: "<case>_headline" the verdict and leaderboard readable, "<case>" the chart drawn too
    with streamlit_server(ROOT / "app.py", cache) as url:
        out["cold_headline"], out["cold"] = time_overview(browser, url)
        out["second_session_headline"], out["second_session"] = time_overview(browser, url)
    with streamlit_server(ROOT / "app.py", cache) as url:
        out["disk_cache_headline"], out["disk_cache"] = time_overview(browser, url)
    for entry in cache_dir.glob("*.report"):  # labeleval.ui.report_cache.SUFFIX
        entry.unlink()
    with streamlit_server(ROOT / "app.py", cache, launcher=True) as url:
        out["make_app_headline"], out["make_app"] = time_overview(browser, url)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ladder", action="store_true", help="also time the Overview's elements step by step")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "cold_render.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rounds = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto("about:blank")  # the browser's own start-up is not part of any figure
        content = Path(tempfile.mkdtemp()) / "overview_content.json"
        if args.ladder:
            ladder_content(content)
        for i in range(args.rounds):
            with tempfile.TemporaryDirectory() as folder:
                rounds.append(one_round(browser, Path(folder)))
                if args.ladder:
                    rounds[-1] |= ladder_round(browser, Path(folder), content)
            print(f"round {i + 1}:", json.dumps({k: round(v, 2) for k, v in rounds[-1].items()}), flush=True)
        browser.close()
    medians = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    cases = ("cold", "disk_cache", "make_app", "second_session")
    gaps = {f"{k}{part} - bare": medians[k + part] - medians["bare"] for k in cases for part in ("_headline", "")}
    gaps |= {f"{k} - bare_table_chart": medians[k] - medians["bare_table_chart"] for k in ("cold", "make_app")}
    gaps |= {f"{k} - bare": medians[k] - medians["bare"] for k in medians if k.startswith("ladder")}
    paired = {
        f"{k} - bare": [r[k] - r["bare"] for r in rounds] for k in rounds[0] if k not in ("bare", "bare_table_chart")
    }
    paired_summary = {k: [statistics.median(v), min(v), max(v)] for k, v in paired.items()}
    spread = {k: [min(r[k] for r in rounds), max(r[k] for r in rounds)] for k in rounds[0]}
    load = os.getloadavg()
    print("medians (s):", json.dumps({k: round(v, 2) for k, v in medians.items()}))
    print("spread, min and max (s):", json.dumps({k: [round(x, 2) for x in v] for k, v in spread.items()}))
    print("gaps between medians (s):", json.dumps({k: round(v, 2) for k, v in gaps.items()}))
    print(
        "gaps per round, median (min, max) (s):",
        json.dumps({k: [round(x, 2) for x in v] for k, v in paired_summary.items()}),
    )
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {"rounds": rounds, "medians": medians, "spread": spread, "gaps": gaps, "paired_gaps": paired_summary}
    args.out.write_text(json.dumps(record | {"load": load}, indent=2))


if __name__ == "__main__":
    main()
