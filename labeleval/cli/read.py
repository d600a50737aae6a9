"""``labeleval read FILE``: the canonical rows one vendor file yields, and its ledger (see labeleval.io.inspect)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from labeleval.cli.output import add_raw_csv, csv_text, say, status
from labeleval.io.formats import NATIVE_FORMATS, REGISTRY
from labeleval.io.inspect import read_file
from labeleval.io.readers import FORMATS as TABLE_FORMATS
from labeleval.options import DurationUnit


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    read = sub.add_parser(
        "read",
        help="show the canonical rows and the ledger one vendor file yields (check a reader before scoring)",
        description="Formats: "
        + "; ".join(f"{name} ({spec.title})" for name, spec in REGISTRY.items())
        + f"; or a table: {', '.join(TABLE_FORMATS)}. Default: sniffed from the content, else the extension.",
    )
    read.add_argument("file", help="the vendor file ('-': standard input; give --format unless the content tells)")
    read.add_argument("--format", choices=(*NATIVE_FORMATS, *TABLE_FORMATS), help="the file's format")
    read.add_argument("--question", help="which question / from_name / OUTPUT field holds the label")
    read.add_argument("--labels", help="the task's labels, comma separated (shows which need a label_map)")
    read.add_argument("--item-field", help="dotted path to the item id (e.g. metadata.item_id)")
    read.add_argument("--annotator-field", help="dotted path to the annotator id")
    read.add_argument("--rates", help="a table of hourly rates per annotator (timesheets)")
    read.add_argument(
        "--worker-responses",
        help="SageMaker Ground Truth: the job's annotations/worker-response folder, joined to the output manifest FILE",
    )
    read.add_argument(
        "--metadata", help="dotted paths to item fields to keep as item metadata, comma separated (e.g. data.lang)"
    )
    read.add_argument(
        "--reviewers",
        help="Label Studio: annotator ids whose annotations are the reviewer's ground truth, comma separated "
        "(set aside; JSON-MIN and CSV exports do not mark them)",
    )
    read.add_argument("--duration-unit", choices=DurationUnit.values(), default="s")
    read.add_argument("--rows", type=int, default=10, help="canonical rows to print (default 10)")
    read.add_argument("--out", help="write every canonical row to this CSV file ('-': standard output, only the rows)")
    add_raw_csv(read)


def run(args: argparse.Namespace) -> int:
    if args.file != "-":
        return _run(args, args.file)
    with tempfile.TemporaryDirectory(prefix="labeleval-stdin-") as folder:
        return _run(args, _stdin_file(Path(folder), args.format))


def _stdin_file(folder: Path, format: str | None) -> Path:
    """Standard input as a file named ``stdin`` (with a table format's extension, so that it is read as one):
    the readers count lines and seek, which a pipe cannot."""
    path = folder / ("stdin" + (f".{format}" if format in TABLE_FORMATS else ""))
    with path.open("wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out)
    return path


def _run(args: argparse.Namespace, file: str | Path) -> int:
    reading = read_file(
        file,
        format=args.format,
        question=args.question,
        labels=[x.strip() for x in args.labels.split(",") if x.strip()] if args.labels else None,
        item_field=args.item_field,
        annotator_field=args.annotator_field,
        rates=args.rates,
        worker_responses=args.worker_responses,
        metadata=[x.strip() for x in args.metadata.split(",") if x.strip()] if args.metadata else None,
        reviewers=[x.strip() for x in args.reviewers.split(",") if x.strip()] if args.reviewers else None,
        duration_unit=args.duration_unit,
    )
    if args.out == "-":  # the canonical rows for a pipe, and nothing else on standard output
        sys.stdout.write(csv_text(reading.rows, args))
        return 0
    title = REGISTRY[reading.format].title if reading.format in REGISTRY else f"{reading.format} table"
    say(f"{Path(file).name}: {title}", one_line=True)
    if reading.mapping:
        say("columns: " + ", ".join(f"{k} = {v!r}" for k, v in reading.mapping.items()))
    for note in reading.notes:
        say(f"note: {note}")
    say()
    say(f"Canonical rows ({len(reading.rows):,}; first {min(args.rows, len(reading.rows))}):")
    say(reading.rows.head(args.rows).to_string(index=False) if len(reading.rows) else "(none)")
    say()
    if reading.items is not None:
        say(f"Item metadata ({len(reading.items):,} items; first {min(args.rows, len(reading.items))}):")
        say(reading.items.head(args.rows).to_string() if len(reading.items) else "(none)")
        say()
    row = reading.ledger.iloc[0]
    say(f"Ledger: {row['rows_read']:,} rows read = {row['kept']:,} kept + {row['quarantined']:,} set aside")
    q = reading.quarantine
    if len(q):
        counts = q.groupby("reason", sort=True).agg(rows=("line", "size"), first_line=("line", "min"))
        say(counts.to_string())
        say()
        say(q[["line", "reason", "column", "value", "message"]].head(args.rows).to_string(index=False))
    if args.out:
        Path(args.out).write_text(csv_text(reading.rows, args), encoding="utf-8")
        status(args, f"wrote {len(reading.rows):,} canonical rows to {args.out}")
    return 0
