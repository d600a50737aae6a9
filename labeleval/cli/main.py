"""``labeleval``: score, validate, app, sample (and read, gold-audit, plan, replace, watch).

Exit codes: 0 success; 1 bad data or manifest (message ``error: ...`` naming file, line, column);
2 bad usage. No traceback reaches the user (set ``LABELEVAL_DEBUG=1`` to see one for a bug report).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from labeleval import fmt
from labeleval.api import as_project, evaluate
from labeleval.cli import decisions as cli_decisions
from labeleval.cli import questions as cli_questions
from labeleval.cli import read as cli_read
from labeleval.cli.entry import COMMANDS, DESCRIPTION, finish
from labeleval.cli.output import add_raw_csv, csv_text, emit, json_for_terminal, say, status
from labeleval.cli.progress import ProgressBar
from labeleval.cli.settings import add_settings_arguments, settings_given
from labeleval.errors import LabelevalError, UndefinedMetricWarning
from labeleval.io.graded import read_graded
from labeleval.io.pipeline import load_data
from labeleval.options import Reason
from labeleval.present import glossary
from labeleval.present.graded_text import graded_text, writers_table
from labeleval.present.render import blank_notes, class_summary_line
from labeleval.present.verdict import redundancy_line, verdict
from labeleval.project.manifest import load_project
from labeleval.project.version import __version__
from labeleval.report import LARGE_FRAMES, GradedReport, Report
from labeleval.safety import spreadsheet_frame, terminal_text
from labeleval.samples.content_safety import generate_content_safety
from labeleval.samples.graded import generate_graded_writing
from labeleval.samples.kinds import generate_helpfulness_likert, generate_preference_pairs
from labeleval.samples.llm_judge import generate_llm_judge
from labeleval.samples.pilot import generate_ticket_pilot
from labeleval.ui import entry_script

FORMATS = ("table", "json", "csv", "markdown", "html")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        say(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    """The ``labeleval`` command line: one sub-command each, in the order ``--help`` lists them."""
    parser = _Parser(prog="labeleval", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"labeleval {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    score = _score_parser(sub)
    cards = _annotators_parser(sub)
    validate = sub.add_parser("validate", help=COMMANDS["validate"][0])
    validate.add_argument("project")
    for command in (score, cards, validate):
        command.add_argument(
            "--allow-outside",
            action="store_true",
            help="let the manifest name files outside its folder (refused by default; never for uploads)",
        )
    validate.add_argument("--all", action="store_true", help="list every quarantined row (default: first 20)")

    app = sub.add_parser(
        "app",
        help=COMMANDS["app"][0],
        description="Streamlit's own options (--server.port, --server.baseUrlPath, --theme.base ...) are passed on.",
    )
    app.add_argument("project", nargs="?", help="project to open (default: the bundled sample)")
    app.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501; or --server.port)")
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only). The app has no login: open it to a "
        "network (--host 0.0.0.0) only behind a proxy that authenticates (docs/security.md)",
    )

    cli_read.add_parser(sub)
    cli_questions.add_parsers(sub)
    cli_decisions.add_parsers(sub)

    sample = sub.add_parser("sample", help=COMMANDS["sample"][0])
    sample.add_argument("out_dir")
    finish(sub)
    return parser


def _score_parser(sub: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """``labeleval score``: its output, resampling and consensus options, and the engine that reads the rows."""
    score = sub.add_parser("score", help=COMMANDS["score"][0])
    score.add_argument("project", help="project folder holding labeleval.toml, or the manifest file")
    score.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    score.add_argument("--out", help="write to this file (csv: this folder) instead of standard output ('-')")
    add_raw_csv(score)
    add_settings_arguments(score)
    score.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address for --engine dask, e.g. tcp://10.0.0.5:8786 (default: a local cluster)",
    )
    score.add_argument(
        "--with-items",
        action="store_true",
        help="include the per-item frame in json/csv output (large on big projects)",
    )
    return score


def _annotators_parser(sub: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """``labeleval annotators``: report cards, low performers first."""
    cards = sub.add_parser("annotators", help=COMMANDS["annotators"][0])
    cards.add_argument("project")
    cards.add_argument("--flagged", action="store_true", help="only the annotators flagged as low performers")
    cards.add_argument("--format", choices=("table", "csv"), default="table")
    cards.add_argument("--out", help="write to this file instead of standard output ('-')")
    add_raw_csv(cards)
    add_settings_arguments(cards, ["consensus"])
    return cards


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    given, streamlit_options = streamlit_arguments(given)
    parser = _parser()
    args = parser.parse_args(given)
    if streamlit_options and args.command != "app":
        parser.error(f"unrecognized arguments: {' '.join(streamlit_options)}")
    args.streamlit = streamlit_options
    try:
        with warnings.catch_warnings():  # an undefined metric is "n/a" in the output, not a warning
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            return int(_dispatch(args))
    except LabelevalError as exc:
        say(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `labeleval validate ... | head`: the reader left; stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        say("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("LABELEVAL_DEBUG"):
            raise
        say(
            f"error: internal error ({type(exc).__name__}: {exc}); this is a bug in labeleval, please report it "
            f"(LABELEVAL_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    if getattr(args, "allow_outside", False):
        args.project = load_project(args.project, allow_outside=True)
    if args.command == "score":
        return _score(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == "annotators":
        return _annotators(args)
    if args.command == "read":
        return cli_read.run(args)
    if args.command in (*cli_questions.COMMANDS, *cli_decisions.COMMANDS) and as_project(args.project).graded:
        raise LabelevalError(
            f"labeleval {args.command} works on labelling tasks (gold labels, judgments); this project is graded "
            f"written work: `labeleval score` shows its comparisons, rubric reliability, reviewers and judges"
        )
    if args.command in cli_questions.COMMANDS:
        return cli_questions.run(args)
    if args.command in cli_decisions.COMMANDS:
        return cli_decisions.run(args)
    if args.command == "sample":
        root = Path(args.out_dir)
        for make, name in (
            (generate_content_safety, "content_safety"),
            (generate_preference_pairs, "preference_pairs"),
            (generate_helpfulness_likert, "helpfulness_likert"),
            (generate_ticket_pilot, "ticket_pilot"),
            (generate_llm_judge, "llm_judge"),
            (generate_graded_writing, "graded_writing"),
        ):
            manifest = make(root / name)
            status(args, f"wrote {manifest.parent} (synthetic sample; see its README.md)")
        return 0
    return _app(args)


def _score(args: argparse.Namespace) -> int:
    given = settings_given(args)
    if args.scheduler and "engine" not in given:
        given["engine"] = "dask"
    report = evaluate(
        args.project,
        scheduler=args.scheduler,
        progress=ProgressBar() if sys.stderr.isatty() and not args.quiet else None,
        **given,
    )
    frames = None if args.with_items else [n for n in type(report).frame_names() if n not in LARGE_FRAMES]
    if args.format == "csv":
        if args.out == "-":
            raise LabelevalError("--format csv writes a folder of files; for standard output use --format json")
        folder = Path(args.out or "labeleval_report")
        written = report.to_csv(folder, frames, raw=args.raw_csv)
        status(args, f"wrote {len(written)} files to {folder}/")
        return 0
    if args.format == "json":
        text = report.to_json(frames, indent=2)
    elif args.format == "markdown":
        text = report.to_markdown()
    elif args.format == "html":
        text = report.to_html()
    elif isinstance(report, GradedReport):
        text = graded_text(report.frames(), report.settings, lambda frame: _text_table(frame, {}))
    else:
        text = format_table(report) + cli_questions.slice_and_drift_text(report)
    emit(args, json_for_terminal(text) if args.format == "json" and not args.out else text + "\n")
    return 0


def _annotators(args: argparse.Namespace) -> int:
    report = evaluate(args.project, n_boot=0, consensus=args.consensus)
    if isinstance(report, GradedReport):  # the writers' cards of graded work
        emit(
            args, spreadsheet_frame(report.annotators).to_csv(index=False) if args.format == "csv" else _writers(report)
        )
        return 0
    cards = report.annotators.sort_values(["low_performer", "vendor", "gold_accuracy"], ascending=[False, True, True])
    if args.flagged:
        cards = cards[cards["low_performer"]]
    if args.format == "csv":
        text = csv_text(cards, args)
    else:
        shown = cards[
            [
                "vendor",
                "annotator_id",
                "n_judgments",
                "gold_judgments",
                "gold_accuracy",
                "agreement_with_peers",
                "ds_accuracy",
                "median_seconds",
                "too_fast_share",
                "flag_reason",
            ]
        ]

        # names and units from the glossary, numbers through labeleval.fmt (as in the app and the documents)
        text = _text_table(glossary.display_frame(shown, merge_intervals=False), {})
        flagged = int(report.annotators["low_performer"].sum())
        text += f"\n\n{flagged} of {len(report.annotators)} annotators flagged as low performers."
    emit(args, text)
    return 0


def _writers(report: GradedReport) -> str:
    """The writers' report cards as a terminal table (the documents' and the app's table)."""
    table = _text_table(writers_table(report.frames()), {})
    return table + f"\n\n{len(report.annotators)} writers; acceptance adjusted for reviewer severity."


def _validate(args: argparse.Namespace) -> int:
    project = as_project(args.project)
    data = read_graded(project) if project.graded else load_data(project)
    ledger = data.ledger
    say(
        f"{data.project.task.name}: {len(data.project.vendors)} vendors, task kind {data.project.task.kind}",
        one_line=True,
    )
    say()
    say(_text_table(ledger, {"rows_read": "{:,}", "kept": "{:,}", "quarantined": "{:,}"}))
    read, kept, quarantined = (int(ledger[c].sum()) for c in ("rows_read", "kept", "quarantined"))
    say(f"\n{read:,} rows read = {kept:,} kept + {quarantined:,} quarantined")
    q = data.quarantine
    if len(q):
        reasons = q.groupby(["file", "reason"], sort=True).size().rename("rows").reset_index()
        reasons["meaning"] = [Reason(r).description if r in Reason.values() else "" for r in reasons["reason"]]
        say("\nQuarantined, by reason:")
        say(_text_table(reasons, {"rows": "{:,}"}))
        shown = q if args.all else q.head(20)
        say(f"\nQuarantined rows{'' if args.all or len(q) <= 20 else f' (first 20 of {len(q)}; --all for every one)'}:")
        say(_text_table(shown[["file", "line", "column", "reason", "value"]], {}))
    if len(data.notes):
        say("\nNotes:")
        for row in data.notes.itertuples(index=False):
            say(f"  {row.level}: {row.vendor}: {row.message}", one_line=True)
    if data.problems:
        for problem in data.problems:
            say(f"error: {problem}", file=sys.stderr)
        return 1
    say("\nok: every row is accounted for")
    return 0


def _app(args: argparse.Namespace) -> int:
    """Become the app's server (``os.execv``: one process, so a signal reaches Streamlit and frees the port):
    ``labeleval.ui.serve`` imports the pages' modules, caches the project's Report and adds the app's Streamlit
    settings; Streamlit's own options given on the line are passed on, and win over ``--port``."""
    if importlib.util.find_spec("streamlit") is None:
        raise LabelevalError("the app needs Streamlit, which this install does not have: pip install 'labeleval[app]'")
    own = [a.split("=", 1)[0] for a in args.streamlit]
    command = [sys.executable, "-m", "labeleval.ui.serve", str(entry_script())]
    if "--server.port" not in own:
        command += ["--server.port", str(args.port)]
    if "--server.address" not in own:
        command += ["--server.address", str(args.host)]
    host = option_value(args.streamlit, "--server.address", args.host)
    if host not in LOOPBACK:
        print(
            f"labeleval app: listening on {terminal_text(host)}, open to the network. The app has no login: "
            "anyone who reaches the port can upload files and read every project it shows. Put a proxy that "
            "authenticates in front of it (docs/security.md).",
            file=sys.stderr,
        )
    command += args.streamlit
    if args.project:
        command += ["--", str(Path(args.project).resolve())]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)
    return 0  # not reached: execv replaces this process


#: A Streamlit config option on the command line: ``--server.port`` or ``--server.port=8600``.
STREAMLIT_OPTION = re.compile(r"--[a-z]+\.[A-Za-z.]+(=.*)?", re.DOTALL)


def option_value(options: list[str], name: str, default: str) -> str:
    """The value ``options`` give ``name`` (``--name VALUE`` or ``--name=VALUE``; the last wins), else ``default``."""
    value = default
    for k, token in enumerate(options):
        if token == name and k + 1 < len(options):
            value = options[k + 1]
        elif token.startswith(f"{name}="):
            value = token.split("=", 1)[1]
    return value


def streamlit_arguments(argv: list[str]) -> tuple[list[str], list[str]]:
    """(the line without Streamlit's options, those options with their values) for ``labeleval app``."""
    rest: list[str] = []
    options: list[str] = []
    k = 0
    while k < len(argv):
        token = argv[k]
        if STREAMLIT_OPTION.fullmatch(token) and token != "--":
            options.append(token)
            if "=" not in token and k + 1 < len(argv):
                options.append(argv[k + 1])
                k += 1
        else:
            rest.append(token)
        k += 1
    return rest, options


#: Addresses that reach this machine only.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


# ------------------------------------------------------------------------------------ table output
def format_table(report: Report) -> str:
    """The terminal view: one line per vendor with CIs, the verdict, and the ledger in one line."""

    s = report.summary
    settings = report.settings
    level = fmt.confidence_level(float(settings.get("confidence", 0.95)))
    header = (
        f"labeleval {settings.get('version')} · {settings.get('task')} ({settings.get('kind')}, "
        f"{len(settings.get('labels', []))} labels) · {len(s)} vendors · {fmt.count(s['n_judgments'].sum())} judgments"
    )
    within = glossary.tolerance_suffix(settings)
    basis = glossary.usable_basis(s, settings)
    rows = []
    for r in s.itertuples(index=False):
        rows.append(
            {
                "Vendor": r.vendor,
                "Judgments": fmt.count(r.n_judgments),
                "Items": fmt.count(r.n_items),
                "Labels/item": fmt.number(r.labels_per_item, 1),
                f"Alpha [{level} CI]": fmt.ci(r.alpha, r.alpha_ci_low, r.alpha_ci_high),
                f"Accuracy{within}": fmt.ci(r.accuracy, r.accuracy_ci_low, r.accuracy_ci_high, "pct"),
                "Consensus acc.": fmt.ci(
                    r.consensus_accuracy, r.consensus_accuracy_ci_low, r.consensus_accuracy_ci_high, "pct"
                ),
                "Cost/usable label": fmt.ci(
                    r.cost_per_usable_label,
                    r.cost_per_usable_label_ci_low,
                    r.cost_per_usable_label_ci_high,
                    "money",
                    r.currency,
                ),
                "Total cost": fmt.money(r.total_cost, r.currency, total=True),
            }
        )
        if basis:  # a consensus rule: the usable rate and the items it rests on, beside the cost it divides
            on = glossary.REFERENCE_ITEMS.get(str(settings.get("usability")), "items")
            rows[-1][f"Usable rate ({on})"] = f"{fmt.pct(r.usable_rate)} ({fmt.count(r.usable_items)})"
    table = _text_table(pd.DataFrame(rows), {})
    ledger = report.ledger
    read, kept, quarantined = (int(ledger[c].sum()) for c in ("rows_read", "kept", "quarantined"))
    gold = int(s["gold_items"].max()) if len(s) and s["gold_items"].notna().any() else 0
    lines = [header, "", table, ""]
    blanks = blank_notes(report) + ([basis] if basis else [])
    if blanks:
        lines += [f"  {b}" for b in blanks] + [""]
    lines += [f"  • {sentence}" for sentence in verdict(report)]
    per_class = class_summary_line(report)
    if per_class:
        lines.append(f"  • {per_class}")
    # the terminal has no Cost page: point to where the table is from here
    where = "'What redundancy buys' on the app's Cost page (`labeleval app`)"
    lines += ["", redundancy_line(report).replace("'What redundancy buys' on the Cost page", where)]
    two_way = str(settings.get("uncertainty", "items")) == "items_and_annotators"
    agreement_scope = "alpha's intervals count annotators too" if two_way else "alpha's intervals cover items only"
    lines += [
        "",
        f"Rows: {read:,} read = {kept:,} kept + {quarantined:,} quarantined "
        f"({'see `labeleval validate`' if quarantined else 'none quarantined'}). "
        f"Gold items: {gold:,}. CIs: {level} {settings.get('ci_method')}, {settings.get('n_boot')} resamples, "
        f"seed {settings.get('seed')}; {agreement_scope}; comparisons: "
        f"{settings.get('multiplicity')}. Usable label {glossary.usability_words(settings)}; "
        f"consensus: {glossary.consensus_description(settings)}.",
    ]
    return "\n".join(lines)


def _text_table(frame: pd.DataFrame, formats: dict[str, str]) -> str:
    frame = frame.rename(columns=lambda c: terminal_text(c, keep_newlines=False))
    # a Report column's machine name is written as people read it (rows_read -> Rows read)
    cells = [[glossary.column_name(str(c)) if str(c) in glossary.COLUMNS else str(c) for c in frame.columns]]
    for row in frame.itertuples(index=False):
        cells.append(
            [
                formats[c].format(v)
                if c in formats and not pd.isna(v)
                else ("—" if pd.isna(v) else terminal_text(v, keep_newlines=False))
                for c, v in zip(frame.columns, row, strict=True)
            ]
        )
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c].dtype) or c in formats or _looks_numeric(frame[c]) for c in frame.columns
    ]
    out = []
    for k, r in enumerate(cells):
        parts = [v.rjust(w) if numeric[i] and k else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True))]
        out.append("  ".join(parts).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _looks_numeric(series: pd.Series) -> bool:
    text = series.astype(str)
    return bool(len(text)) and bool(text.str.fullmatch(glossary.NUMERIC_CELL).all())


if __name__ == "__main__":
    raise SystemExit(main())
