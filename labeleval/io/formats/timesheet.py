"""Timesheets from hourly marketplaces, with a rate per person (``timesheet``), and model outputs (``llm``).

Hourly marketplaces (Mercor, Upwork-style contracts, in-house experts) send a sheet of work: who, which
item, what answer, how long (seconds, minutes or hours, or start and end times), and each person's hourly
rate -- in the sheet, or in a separate rates table. There is no single published schema, so the reader
finds the columns by name (see :mod:`labeleval.io.formats.guess`); name any it cannot find in ``columns``.

What the timesheet reader takes (CSV, TSV or XLSX; line = the sheet's line or row): item, annotator and
label; the duration from a duration column (its unit from the name -- ``_ms``, ``sec``, ``min``, ``hours``
-- else ``duration_unit``) or from ``end - start``; the submission time from the end or timestamp column;
and the row's cost = hours x the person's rate, from a rate column or from ``rates = "rates.csv"`` (one row
per annotator: an annotator column and a rate column). A rate may be written as money (``$80.00``,
``80 USD``, ``€1,250.50/h``): the symbol or code must be the vendor's pricing currency (labeleval converts
no currency), else the file and line are named. A person with no rate is an :class:`AdapterError`
naming them and their first line: labeleval will not invent a rate. Reversed start/end times give a
negative duration, quarantined as NEGATIVE_DURATION.

The model reader (``llm``, JSON lines or CSV) takes one prediction per line: item, model (as annotator),
label (``label``/``prediction``/``output``), ``input_tokens``/``prompt_tokens`` and
``output_tokens``/``completion_tokens`` (priced with ``pricing.model = "per_million_tokens"``) and a
latency (``latency_ms``) as duration. This follows the usage fields of the OpenAI and Anthropic APIs
(``usage.prompt_tokens``/``completion_tokens``, ``usage.input_tokens``/``output_tokens``), which the
reader also finds nested under ``usage``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labeleval.errors import AdapterError
from labeleval.io.formats.base import ReadOptions
from labeleval.io.formats.guess import by_name, duration_factor_from_name, guess_columns, normal
from labeleval.io.readers import LINE_WORD, RawTable, read_table
from labeleval.limits import MAX_AMOUNT


def _need(found: dict[str, str], field: str, name: str, columns: list[str]) -> str:
    if field not in found:
        raise AdapterError(
            f"{name}: cannot tell which column is the {field}; the file has columns "
            f'{", ".join(map(repr, columns[:20]))}. Name it in the manifest: columns = {{ {field} = "..." }}'
        )
    return found[field]


#: currency symbols a rate may carry, and the currency codes each may stand for
SYMBOLS: dict[str, frozenset[str]] = {
    "$": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"}),
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "₹": frozenset({"INR"}),
}
_MONEY = re.compile(
    r"^\s*(?P<pre>[$€£¥₹]|[A-Za-z]{3})?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*"
    r"(?P<post>[A-Za-z]{3})?\s*(?:/\s*(?:h|hr|hour)|per\s+hour)?\s*$",
    re.IGNORECASE,
)


def money_values(values: pd.Series, currency: str | None, where: str, lines: np.ndarray) -> pd.Series:
    """Hourly rates as numbers: plain numbers, or money text (``$80.00``, ``80 USD``, ``1,250.50 EUR/h``).

    A symbol or code must agree with ``currency`` (the vendor's pricing; None: not checked), else an
    :class:`AdapterError` names ``where`` (the file and its word for a line) and the line: labeleval converts
    no currency. Text that is no amount is NaN (the caller says which person has no rate)."""
    numbers = pd.to_numeric(values, errors="coerce")
    text = values[numbers.isna() & values.notna()].astype(str)
    if text.empty:
        return numbers
    parsed = text.str.extract(_MONEY)
    code = str(currency).upper() if currency else None

    def fits(pre: object, post: object) -> bool:
        """Whether a symbol or code before and one after the amount name one currency, the pricing's."""
        units = [str(u).upper() for u in (pre, post) if isinstance(u, str)]
        codes = [frozenset({u}) if u.isalpha() else SYMBOLS[u] for u in units]
        shared = frozenset.intersection(*codes) if codes else None
        return shared is None or (bool(shared) and (code is None or code in shared))

    ok = [fits(pre, post) for pre, post in zip(parsed["pre"], parsed["post"], strict=True)]
    bad = parsed["num"].notna() & ~pd.Series(ok, index=parsed.index, dtype=bool)
    if bad.any():
        k = int(np.flatnonzero(values.index.isin(bad[bad].index))[0])
        raise AdapterError(
            f"{where} {lines[k]}: rate {values.iloc[k]!r} is not in {code or 'one currency'}; "
            "labeleval converts no currency: give the rates in the vendor's pricing currency"
        )
    amounts = pd.to_numeric(parsed["num"].str.replace(",", "", regex=False), errors="coerce")
    return numbers.fillna(amounts)


def _rates(path: Path, options: ReadOptions) -> dict[str, float]:
    raw = read_table(path, encoding=options.encoding)
    columns = [str(c) for c in raw.frame.columns]
    who = by_name(columns, "annotator_id")
    rate = by_name(columns, "rate")
    if who is None or rate is None:
        raise AdapterError(
            f"{path.name}: a rates table needs an annotator column and a rate column (e.g. annotator,rate); "
            f"found {', '.join(map(repr, columns))}"
        )
    values = money_values(raw.frame[rate], options.currency, f"{path.name} {LINE_WORD[raw.fmt]}", raw.line)
    bad = values.isna() | (values < 0) | (values > MAX_AMOUNT)  # infinities too
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        raise AdapterError(
            f"{path.name} {LINE_WORD[raw.fmt]} {raw.line[k]}: rate {raw.frame[rate].iloc[k]!r} is not a number "
            f"from 0 to {MAX_AMOUNT:.0e}"
        )
    return dict(zip(raw.frame[who].astype(str), values.astype(float), strict=True))


def read(path: Path, *, name: str, options: ReadOptions, columns: dict[str, str] | None = None) -> RawTable:
    """Read an hourly timesheet with per-person rates (module docstring)."""
    raw = read_table(path, encoding=options.encoding, sheet=options.sheet, display_name=name)
    frame = raw.frame
    cols = [str(c) for c in frame.columns]
    found = guess_columns(frame, ("item_id", "annotator_id", "label", "start", "end", "submitted_at", "rate"))
    found.update(columns or {})
    item, who, label = (_need(found, f, name, cols) for f in ("item_id", "annotator_id", "label"))
    duration_col = (columns or {}).get("duration_s") or by_name(cols, "duration_s", {item, who, label})
    seconds: Any
    if duration_col is not None:
        factor = duration_factor_from_name(duration_col) or options.duration_factor
        numbers = pd.to_numeric(frame[duration_col], errors="coerce") * factor
        text = frame[duration_col].where(frame[duration_col].astype(str).str.strip() != "", None)
        seconds = numbers.astype(object).where(numbers.notna(), text)  # text that is no number: BAD_NUMBER later
    elif "start" in found and "end" in found:
        start = pd.to_datetime(frame[found["start"]], errors="coerce", utc=True, format="mixed")
        end = pd.to_datetime(frame[found["end"]], errors="coerce", utc=True, format="mixed")
        seconds = (end - start).dt.total_seconds()
    else:
        raise AdapterError(
            f"{name}: a timesheet needs a duration column (seconds, minutes or hours) or start and end times; "
            f"found {', '.join(map(repr, cols[:20]))}"
        )
    people = frame[who].astype(str)
    if options.rates is not None:
        table = _rates(options.rates, options)
        rate = people.map(table)
        source = options.rates.name
    elif "rate" in found:
        rate = money_values(frame[found["rate"]], options.currency, f"{name} {LINE_WORD[raw.fmt]}", raw.line)
        source = f"the {found['rate']!r} column"
    else:
        rate = None
        source = ""
    out = pd.DataFrame({"item_id": frame[item], "annotator_id": frame[who], "label": frame[label]})
    out["duration_s"] = seconds
    submitted = found.get("submitted_at") or found.get("end")
    if submitted is not None:
        out["submitted_at"] = frame[submitted]
    if rate is not None:
        missing = rate.isna().to_numpy() & (people.str.strip() != "").to_numpy()
        if missing.any():
            k = int(np.flatnonzero(missing)[0])
            nobody = sorted(set(people[missing]))
            raise AdapterError(
                f"{name} {LINE_WORD[raw.fmt]} {raw.line[k]}: no hourly rate for annotator {people.iloc[k]!r} in "
                f"{source}"
                + (f" (also missing: {', '.join(map(repr, nobody[1:6]))})" if len(nobody) > 1 else "")
                + "; add their rate: labeleval does not guess pay"
            )
        hours = pd.to_numeric(out["duration_s"], errors="coerce") / 3600.0
        out["cost"] = (hours * rate).where(hours >= 0)
    return RawTable(out, raw.line, raw.fmt, malformed=raw.malformed)


def read_llm(path: Path, *, name: str, options: ReadOptions, columns: dict[str, str] | None = None) -> RawTable:
    """Read model predictions with token counts (module docstring)."""
    raw = read_table(path, encoding=options.encoding, sheet=options.sheet, display_name=name)
    frame = raw.frame.rename(columns={c: c.removeprefix("usage.") for c in raw.frame.columns if c.startswith("usage.")})
    cols = [str(c) for c in frame.columns]
    found = guess_columns(frame, ("item_id", "annotator_id", "label", "submitted_at", "input_tokens", "output_tokens"))
    found.update(columns or {})
    item, label = _need(found, "item_id", name, cols), _need(found, "label", name, cols)
    for tokens in ("input_tokens", "output_tokens"):
        _need(found, tokens, name, cols)
    out = pd.DataFrame(
        {
            "item_id": frame[item],
            "annotator_id": frame[found["annotator_id"]] if "annotator_id" in found else normal(path.stem),
            "label": frame[label],
            "input_tokens": frame[found["input_tokens"]],
            "output_tokens": frame[found["output_tokens"]],
        }
    )
    latency = next((c for c in cols if normal(c) in ("latency_ms", "latency_s", "latency")), None)
    if latency is not None:
        out["duration_s"] = pd.to_numeric(frame[latency], errors="coerce") * (duration_factor_from_name(latency) or 1.0)
    if "submitted_at" in found:
        out["submitted_at"] = frame[found["submitted_at"]]
    return RawTable(out, raw.line, raw.fmt, malformed=raw.malformed)
