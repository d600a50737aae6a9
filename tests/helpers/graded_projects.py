"""Graded projects for the documents' and the app's tests: the bundled sample, and a copy of it whose vendor
names, a criterion's name and a deliverable's text are markup and addresses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from tests.helpers.paths import ROOT

GRADED_SAMPLE = ROOT / "sample_data" / "graded_writing"
#: vendor names a page must show as text (an element, an event handler, a remote stylesheet)
HOSTILE_VENDORS = {
    "Scale": "<img src=x onerror=alert(1)>",
    "Surge": "</svg><script>alert(1)</script> url(https://evil.example/a.png)",
}
#: a criterion named as Markdown that would load an image
HOSTILE_CRITERION = "![x](https://evil.example/c.png)"
#: a deliverable's text with markup in it
HOSTILE_TEXT = "<b>bold</b> [link](https://evil.example/t) <script>alert(2)</script>"


def hostile_graded_project(folder: Path) -> Path:
    """The graded sample with :data:`HOSTILE_VENDORS`, the ``style`` criterion named :data:`HOSTILE_CRITERION` and
    the first Scale deliverable's text :data:`HOSTILE_TEXT`; returns the project's folder."""
    shutil.copytree(GRADED_SAMPLE, folder, dirs_exist_ok=True)
    manifest = (folder / "labeleval.toml").read_text(encoding="utf-8")
    for plain, hostile in HOSTILE_VENDORS.items():
        manifest = manifest.replace(f'name = "{plain}"', f"name = '{hostile}'")
    manifest = manifest.replace('name = "style"', f'name = "{HOSTILE_CRITERION}"')
    (folder / "labeleval.toml").write_text(manifest, encoding="utf-8")
    reviews = pd.read_csv(folder / "reviews.csv", dtype={"criterion": str})
    reviews["criterion"] = reviews["criterion"].replace("style", HOSTILE_CRITERION)
    reviews.to_csv(folder / "reviews.csv", index=False)
    scale = pd.read_csv(folder / "scale_deliverables.csv", dtype=str)
    scale.loc[0, "text"] = HOSTILE_TEXT
    scale.to_csv(folder / "scale_deliverables.csv", index=False)
    return folder
