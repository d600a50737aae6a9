"""A vendor ``path`` that names a folder or glob of Parquet files (a partitioned dataset)."""

from __future__ import annotations

import glob
from pathlib import Path

PARQUET_SUFFIXES = (".parquet", ".pq")


def is_multi_path(path: Path | str) -> bool:
    """Whether ``path`` names a folder or a glob (``*``, ``?``, ``[``) rather than one file."""
    text = str(path)
    return any(ch in text for ch in "*?[") or Path(text).is_dir()


def parquet_files(path: Path | str) -> list[Path]:
    """The Parquet files a folder (searched recursively, as a Hive-partitioned dataset) or glob names, sorted."""
    text = str(path)
    if Path(text).is_dir():
        found = [p for p in Path(text).rglob("*") if p.suffix.lower() in PARQUET_SUFFIXES and p.is_file()]
    else:
        found = [Path(p) for p in glob.glob(text, recursive=True)]
        found = [p for p in found if p.is_file() and p.suffix.lower() in PARQUET_SUFFIXES]
    return sorted(found, key=str)
