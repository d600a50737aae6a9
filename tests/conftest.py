"""Shared fixtures: the bundled sample project and its Report; the app's disk cache in a folder of this run.

Paths and other shared helpers are in :mod:`tests.helpers`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.helpers.paths import SAMPLE

# the app's disk cache of Reports (ui/report_cache.py): a folder of this test run, not the user's ~/.cache
os.environ.setdefault("LABELEVAL_CACHE_DIR", tempfile.mkdtemp(prefix="labeleval-test-cache-"))


@pytest.fixture(scope="session")
def sample_project() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_report():
    import labeleval as le

    return le.evaluate(SAMPLE, n_boot=300, seed=1)
