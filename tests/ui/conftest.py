"""Fixtures of the browser tests: one ``streamlit run app.py`` per test module that asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.browser import streamlit_server
from tests.helpers.paths import ROOT


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with streamlit_server(ROOT / "app.py") as url:
        yield url
