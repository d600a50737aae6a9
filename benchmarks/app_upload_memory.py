"""The app server's memory when one session uploads three large files into one uploader, and after it leaves.

    python benchmarks/app_upload_memory.py [--files 3] [--file-mb 150] [--ttl 10]

Starts the app as ``labeleval app`` does (``python -m labeleval.ui.serve``) on 127.0.0.1 with Streamlit's
``server.disconnectedSessionTTL`` set to ``--ttl`` seconds, and drives headless Chromium: one session opens the
Data page and puts ``--files`` CSV files of ``--file-mb`` MB each into the mapping tab's "Vendor files" uploader
at once. The server process's resident memory (VmRSS) is printed before, once the uploader has settled (the
first file is stored, the others refused by the session's budget, LABELEVAL_MAX_UPLOAD_MB, 200 MB by default),
and after the browser has left and the TTL has passed, with the number of sessions still holding an upload
folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def upload_folders() -> int:
    return sum(1 for p in Path(tempfile.gettempdir()).glob("labeleval_upload_*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file-mb", type=int, default=150)
    parser.add_argument("--ttl", type=int, default=10)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        files = []
        line = "i1,w1,pos,3," + "x" * 80 + "\n"
        for k in range(args.files):
            path = Path(tmp) / f"big{k}.csv"
            with path.open("w") as out:
                out.write("item,worker,answer,seconds,note\n")
                out.write(line * (args.file_mb * 1024**2 // len(line)))
            files.append(str(path))
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "labeleval.ui.serve",
                str(ROOT / "app.py"),
                "--server.port",
                str(args.port),
                "--server.disconnectedSessionTTL",
                str(args.ttl),
            ],
            cwd=ROOT,
            env={**os.environ, "LABELEVAL_CACHE_DIR": str(Path(tmp) / "cache")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{args.port}"
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            folders = upload_folders()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
                page = browser.new_page()
                page.goto(f"{url}/data")
                page.get_by_text("Use your own data").click()
                page.get_by_role("tab", name="Upload vendor files and map columns").click()
                time.sleep(2)
                print(f"before the upload: {rss_mb(server.pid):,.0f} MB")
                uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="Vendor files")
                start = time.perf_counter()
                uploader.locator("input[type='file']").set_input_files(files)
                page.get_by_text("Vendor name").first.wait_for(timeout=600_000)  # the first file is read
                time.sleep(5)
                print(
                    f"uploader settled after {time.perf_counter() - start:.0f} s: {rss_mb(server.pid):,.0f} MB; "
                    f"uploader says: {' | '.join(uploader.inner_text().split(chr(10)))}"
                )
                browser.close()
            for waited in range(0, 4 * args.ttl + 31, 5):
                time.sleep(5)
                held = upload_folders() - folders
                if waited > args.ttl and held == 0:
                    break
            print(f"{waited + 5} s after the browser left: {rss_mb(server.pid):,.0f} MB, upload folders held: {held}")
        finally:
            server.terminate()
            server.wait(20)


if __name__ == "__main__":
    main()
