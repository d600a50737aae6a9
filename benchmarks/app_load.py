"""Many sessions at once against the app: ``streamlit run`` on 127.0.0.1 only, driven by headless
Chromium (Playwright, Debian's ``chromium``), bounded in count and time.

Phase 1 opens ``--sessions`` concurrent sessions on the bundled sample project and waits for each Overview
(leaderboard and verdict). Phase 2 opens as many sessions that each upload a synthetic ``--judgments``-judgment
project (manifest + Parquet files, made by ``bench_evaluate.make_project``) through the Data page, open it and
wait for its Overview. Every session must end without an exception or error box. The server's resident memory
is sampled every 0.25 s. The stated bound: the app caches at most 16 evaluated reports
(``st.cache_data(max_entries=16)`` in ``labeleval/ui/state.py``) and runs at most ``LABELEVAL_MAX_EVALUATIONS``
(2) evaluations at once (``labeleval.limits.evaluation_slot``; the other sessions wait), so memory is bounded by
16 reports plus two running evaluations, whatever the number of sessions. After the browser closes, the script
waits for Streamlit to drop the sessions
(``--server.disconnectedSessionTTL``) and counts the session upload folders left behind.

    python benchmarks/app_load.py --sessions 3 --judgments 10000     # a quick check
    python benchmarks/app_load.py                                    # 20 sessions, 1e6 judgments

Prints a JSON summary (median and 90th-percentile page times, errors, peak server RSS, upload folders left).
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
MAX_SESSIONS = 40  # a hard bound, whatever is asked


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Sampler(threading.Thread):
    """The server's peak resident memory, and the machine's 1-minute load average (its mean and maximum), every
    0.25 s: timings under other work are not evidence without it."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()
        self.loads: list[float] = []

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self.loads.append(os.getloadavg()[0])
            time.sleep(0.25)


async def sample_session(browser: object, url: str, timeout_ms: int) -> dict[str, object]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)  # every wait, not only the explicit ones: Playwright's 30 s is too short
    start = time.perf_counter()
    try:
        await page.goto(url, timeout=timeout_ms)  # the default 30 s is too short with 20 pages loading
        await page.get_by_role("heading", name="Leaderboard").wait_for(timeout=timeout_ms)
        await page.get_by_text("is the most accurate on gold").first.wait_for(timeout=timeout_ms)
        seconds = time.perf_counter() - start
        errors = await page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count()
        return {"seconds": seconds, "errors": errors}
    except Exception as exc:  # a timeout or a crash of the page is a failed session, reported as such
        return {"seconds": None, "errors": 1, "why": f"{type(exc).__name__}: {str(exc)[:200]}"}
    finally:
        await context.close()


async def upload_session(browser: object, url: str, files: list[str], timeout_ms: int) -> dict[str, object]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)  # every wait, not only the explicit ones: Playwright's 30 s is too short
    try:
        await page.goto(url, timeout=timeout_ms)  # the default 30 s is too short with 20 pages loading
        await page.get_by_role("heading", name="Leaderboard").wait_for(timeout=timeout_ms)
        await page.locator("[data-testid='stSidebarNav']").get_by_text("Data", exact=True).click()
        await page.get_by_text("Use your own data").click()
        start = time.perf_counter()
        await page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(files)
        await page.get_by_role("button", name="Open this project").click(timeout=timeout_ms)
        await page.get_by_text("benchmark").first.wait_for(timeout=timeout_ms)  # the uploaded task's name
        await page.locator("[data-testid='stSidebarNav']").get_by_text("Overview", exact=True).click()
        await page.get_by_role("heading", name="Leaderboard").wait_for(timeout=timeout_ms)
        await page.get_by_text("benchmark").first.wait_for(timeout=timeout_ms)
        seconds = time.perf_counter() - start
        errors = await page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count()
        return {"seconds": seconds, "errors": errors}
    except Exception as exc:
        return {"seconds": None, "errors": 1, "why": f"{type(exc).__name__}: {str(exc)[:200]}"}
    finally:
        await context.close()


async def phase(make: object, n: int) -> list[dict[str, object]]:
    return list(await asyncio.gather(*(make() for _ in range(n))))  # type: ignore[operator]


def summarise(results: list[dict[str, object]]) -> dict[str, object]:
    times = sorted(float(r["seconds"]) for r in results if r["seconds"] is not None)  # type: ignore[arg-type]
    return {
        "sessions": len(results),
        "completed": len(times),
        "errors": sum(int(r["errors"]) for r in results),  # type: ignore[call-overload]
        "median_s": round(statistics.median(times), 2) if times else None,
        "p90_s": round(times[max(0, math.ceil(0.9 * len(times)) - 1)], 2) if times else None,
        "max_s": round(times[-1], 2) if times else None,
        "failures": [r["why"] for r in results if "why" in r][:3],
    }


async def drive(url: str, sessions: int, files: list[str], timeout_ms: int) -> dict[str, object]:
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            sample = await phase(lambda: sample_session(browser, url, timeout_ms), sessions)
            uploads = await phase(lambda: upload_session(browser, url, files, timeout_ms), sessions)
        finally:
            await browser.close()
    return {"sample_project": summarise(sample), "uploaded_project": summarise(uploads)}


async def visit_data_page(url: str, ttl: int) -> None:
    """One more session that opens the Data page twice, ``ttl`` apart (a closed session's upload folder is
    removed by the second sweep that finds it gone for longer than the TTL)."""
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=FLAGS)
        page = await browser.new_page()
        await page.goto(url, timeout=120_000)
        await page.get_by_role("heading", name="Leaderboard").wait_for(timeout=120_000)
        nav = page.locator("[data-testid='stSidebarNav']")
        await nav.get_by_text("Data", exact=True).click()
        await page.get_by_text("Use your own data").wait_for(timeout=60_000)
        await page.wait_for_timeout((ttl + 2) * 1000)
        await nav.get_by_text("Overview", exact=True).click()
        await page.get_by_role("heading", name="Leaderboard").wait_for(timeout=120_000)
        await nav.get_by_text("Data", exact=True).click()
        await page.get_by_text("Use your own data").wait_for(timeout=60_000)
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--judgments", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=900.0, help="per page wait, seconds")
    parser.add_argument("--total-timeout", type=float, default=1800.0, help="whole run, seconds")
    parser.add_argument(
        "--session-ttl",
        type=int,
        default=30,
        help="server.disconnectedSessionTTL; 5 s lost 8 of 20 uploaded sessions under load (see docs/performance.md)",
    )
    args = parser.parse_args()
    sessions = min(args.sessions, MAX_SESSIONS)

    from bench_evaluate import make_project

    work = Path(tempfile.mkdtemp(prefix="labeleval_app_load_"))
    project = make_project(args.judgments, work / "project")
    files = sorted(str(p) for p in project.iterdir() if p.is_file())
    upload_mb = sum(Path(f).stat().st_size for f in files) / 1024**2
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "labeleval_upload_*")))

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",  # localhost only
            "--server.headless",
            "true",
            "--server.disconnectedSessionTTL",
            str(args.session_ttl),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    sampler = Sampler(server.pid)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        idle_mb = rss_mb(server.pid)
        sampler.start()
        start = time.perf_counter()
        result = asyncio.run(
            asyncio.wait_for(drive(url, sessions, files, int(args.timeout * 1000)), timeout=args.total_timeout)
        )
        elapsed = time.perf_counter() - start
        time.sleep(args.session_ttl + 5)  # past disconnectedSessionTTL: the sessions are closed
        asyncio.run(visit_data_page(url, args.session_ttl))
        left = sorted(set(glob.glob(os.path.join(tempfile.gettempdir(), "labeleval_upload_*"))) - before)
        summary = {
            "sessions_per_phase": sessions,
            "uploaded_judgments": args.judgments,
            "upload_mb": round(upload_mb, 1),
            **result,
            "server_rss_idle_mb": round(idle_mb),
            "server_rss_peak_mb": round(sampler.peak),
            "server_rss_after_mb": round(rss_mb(server.pid)),
            "stated_bound": "16 cached reports (st.cache_data max_entries) + 2 running evaluations",
            "upload_folders_left_after_sessions_closed": len(left),
            "wall_s": round(elapsed, 1),
            "load_average_1min": {
                "mean": round(statistics.fmean(sampler.loads), 2) if sampler.loads else None,
                "max": round(max(sampler.loads), 2) if sampler.loads else None,
            },
        }
        print(json.dumps(summary, indent=2))
    finally:
        sampler.stop.set()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
