"""The ``labeleval`` command's entry point (and ``python -m labeleval``): quick to start.

``labeleval --help`` and ``--version`` are answered from the table below, which imports nothing but the
standard library, in a few tens of milliseconds. A command named on the line is run by
:mod:`labeleval.cli.main`, imported then (it brings pandas and the scoring code: about 1.5 s), as the package's
public names are imported on first use (``labeleval/__init__.py``). Each command's one-line help and its examples
(the ``--help`` epilog) are declared here once; ``labeleval.cli.main`` gives them to the full parser, and a test
keeps the two lists of commands equal.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any, Final

from labeleval.project.version import __version__

DESCRIPTION: Final = "Compare labelling vendors: agreement, accuracy on gold, cost per usable label."

#: Every command: its one-line help and the examples its ``--help`` ends with.
COMMANDS: Final[dict[str, tuple[str, str]]] = {
    "score": (
        "score every vendor of a project",
        "labeleval score sample_data/content_safety\n"
        "labeleval score PROJECT --format html --out report.html\n"
        "labeleval score PROJECT --format json --out - | jq '.summary'\n"
        "labeleval score PROJECT --format csv --out report/ --raw-csv   # raw values, for a pipeline\n"
        "labeleval score PROJECT --by language --over week --n-boot 2000 --seed 7",
    ),
    "annotators": (
        "annotator report cards, low performers first",
        "labeleval annotators PROJECT --flagged\n"
        "labeleval annotators PROJECT --format csv --out - --raw-csv > cards.csv   # raw values, for a pipeline",
    ),
    "validate": (
        "read a project and report what was kept and quarantined",
        "labeleval validate PROJECT\nlabeleval validate PROJECT --all   # every quarantined row",
    ),
    "app": (
        "open the comparison app (Streamlit)",
        "labeleval app                                   # the bundled sample, on http://127.0.0.1:8501\n"
        "labeleval app PROJECT --port 8600\n"
        "labeleval app PROJECT --server.baseUrlPath labeleval --server.port 8600   # Streamlit's own options\n"
        "labeleval app PROJECT --host 0.0.0.0            # open to the network: only behind a login proxy",
    ),
    "read": (
        "show the canonical rows and the ledger one vendor file yields (check a reader before scoring)",
        "labeleval read sample_data/content_safety/label_studio_export.json --item-field data.item_id\n"
        "labeleval read export.jsonl --format scale --labels yes,no --out rows.csv\n"
        "duckdb labels.db -csv -c 'FROM judgments' | labeleval read - --format csv --out - --raw-csv",
    ),
    "gold-audit": (
        "gold items that every vendor's pooled judgments contradict (a list to send back to the experts)",
        "labeleval gold-audit PROJECT\nlabeleval gold-audit PROJECT --control fdr --format csv --out suspects.csv",
    ),
    "plan": (
        "how many shared gold items the report's own test needs to separate each pair of vendors",
        "labeleval plan PROJECT --difference 0.03\n"
        "labeleval plan PROJECT --pilot Scale=0.80,Surge=0.88 --labels-per-item 3",
    ),
    "replace": (
        "can a cheaper labeller (a model, a cheaper vendor) replace a vendor's annotators? (the alternative "
        "annotator test)",
        "labeleval replace sample_data/llm_judge --candidate Judge-Large --incumbent Panel\n"
        "labeleval replace PROJECT --candidate GPT --incumbent Scale --epsilon 0.1 --by language",
    ),
    "watch": (
        "can the pilot stop today? each vendor pair's decision from anytime-valid confidence sequences",
        "labeleval watch sample_data/llm_judge\nlabeleval watch PROJECT --delta 0.03 --over week --format csv --out -",
    ),
    "sample": (
        "write the bundled sample projects into a folder",
        "labeleval sample samples/\nlabeleval score samples/content_safety",
    ),
}


def epilog(command: str) -> str | None:
    """The examples a command's ``--help`` ends with."""
    examples = COMMANDS.get(command, ("", ""))[1]
    return "examples:\n" + "\n".join(f"  {line}" for line in examples.splitlines()) if examples else None


def finish(sub: argparse._SubParsersAction[Any]) -> None:
    """Give every command of the full parser its examples and ``--quiet``."""
    for name, parser in sub.choices.items():
        parser.epilog = epilog(name)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        if "--quiet" not in parser._option_string_actions:  # a command may declare its own
            parser.add_argument("-q", "--quiet", action="store_true", help="no status lines or progress on stderr")


def light_parser() -> argparse.ArgumentParser:
    """The command line without the commands' own options: enough for ``--help``, ``--version`` and usage errors."""
    parser = argparse.ArgumentParser(
        prog="labeleval",
        description=DESCRIPTION,
        epilog="examples:\n  labeleval score sample_data/content_safety\n  labeleval COMMAND --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"labeleval {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(COMMANDS) + "}")
    for name, (text, _) in COMMANDS.items():
        sub.add_parser(name, help=text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``labeleval``: a command by :mod:`labeleval.cli.main`, anything else by the light parser."""
    args = list(sys.argv[1:] if argv is None else argv)
    if any(not a.startswith("-") for a in args):  # a command (or a mistyped one, which the full parser names)
        full = importlib.import_module("labeleval.cli.main")
        return int(full.main(args))
    light_parser().parse_args(args)  # --help or --version (exit 0), or no command (exit 2)
    return 2
