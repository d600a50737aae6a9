"""What the command line prints goes through :func:`say`, so text from files (task, vendor, file and column
names, labels, quarantined values, error messages) cannot move the cursor, clear the screen, set the window
title or reorder a line (:func:`labeleval.safety.terminal_text`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from labeleval.safety import json_for_terminal, spreadsheet_frame, terminal_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RAW_CSV_HELP", "add_raw_csv", "csv_text", "emit", "json_for_terminal", "say", "status"]

RAW_CSV_HELP = "csv: raw values for a pipeline (default: text a spreadsheet would run as a formula gets a leading ')"


def add_raw_csv(parser: argparse.ArgumentParser) -> None:
    """The ``--raw-csv`` flag of a command that writes CSV."""
    parser.add_argument("--raw-csv", action="store_true", help=RAW_CSV_HELP)


def csv_text(frame: pd.DataFrame, args: Any) -> str:
    """``frame`` as CSV: safe for a spreadsheet, or as it is with ``--raw-csv`` (for a pipeline that reads it
    back; never open such a file in a spreadsheet)."""
    return (frame if getattr(args, "raw_csv", False) else spreadsheet_frame(frame)).to_csv(index=False)


def say(text: object = "", *, file: TextIO | None = None, one_line: bool = False) -> None:
    """Print ``text`` without escape sequences or control characters (tabs and line feeds kept, unless
    ``one_line``: then they become spaces, so a value cannot start a line of its own)."""
    print(terminal_text(text, keep_newlines=not one_line), file=file if file is not None else sys.stdout)


def status(args: Any, text: object) -> None:
    """A status line ("wrote ..."): on stderr, so standard output holds only the command's data; none with
    ``--quiet``."""
    if not getattr(args, "quiet", False):
        say(text, file=sys.stderr)


def emit(args: Any, text: str) -> None:
    """``text`` to ``--out`` (a file; ``-`` or none: standard output), saying so on stderr unless ``--quiet``."""
    if args.out and args.out != "-":
        Path(args.out).write_text(text, encoding="utf-8")
        status(args, f"wrote {args.out}")
    elif args.out == "-":
        sys.stdout.write(text)  # data for a pipe, as written to a file
        sys.stdout.flush()
    else:
        say(text.removesuffix("\n"))
