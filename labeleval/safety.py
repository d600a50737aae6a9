"""Neutralise user-controlled text before it reaches a spreadsheet, a Markdown renderer or a terminal.

Vendor names, item ids, annotator ids, labels and quarantined values come from files labeleval did not
write. They are data, never markup or commands:

- :func:`spreadsheet_cell` / :func:`spreadsheet_frame`: a CSV or XLSX cell that begins with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return is a formula to Excel, LibreOffice and Google Sheets (formula
  or "CSV" injection). As OWASP recommends, such a cell is prefixed with a single quote, which makes the
  spreadsheet show it as text; plain numbers (``-1``, ``+0.5``) are left alone. The CSV writer quotes the
  cell when it holds a separator or a quote.
- :func:`markdown_text`: HTML is escaped, line breaks become spaces, and the characters that Markdown
  reads as structure (``#``, ``*``, ``|``, ``[``, ``$`` ...) are backslash-escaped, so a newline in a vendor
  name cannot start a heading, ``<script>`` is shown, not run, and ``![x](http://...)`` is text, not an image
  a viewer fetches; bare addresses are not made links.
- :func:`clean_name` and :func:`look_alike`: a name (a vendor's, the task's) is NFKC-normalised, its invisible
  and format characters (zero-width spaces, bidirectional controls, NUL ...) removed and its spaces trimmed, so
  "Scale", "Scale " and "Sca\\u200ble" are one name; :func:`look_alike` is what a reader sees of a name
  (Cyrillic and Greek letters that look Latin read as Latin), so "Scаle" with a Cyrillic "а" can be refused
  beside "Scale" instead of shown as a second vendor of the same look.
- :func:`terminal_text`: ANSI escape sequences and other control characters (C0, C1, bidirectional
  overrides) are removed, so a value cannot move the cursor, recolour or rewrite the terminal.
  :func:`json_for_terminal` does the same for JSON without changing its data: the characters JSON may carry
  raw (DEL, C1, bidirectional controls, line and paragraph separators) are written as ``\\uXXXX`` escapes.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Final

import pandas as pd

#: Characters that start a formula in a spreadsheet (OWASP "CSV Injection").
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_MARKDOWN_SPECIAL: Final = re.compile(r"([\\`*_{}\[\]#|~$])|^([+\-])")
_LINE_BREAKS: Final = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")
# what GitHub-flavoured Markdown turns into a link by itself: a scheme's "://" and a "www." at a word's start
_AUTOLINK: Final = re.compile(r"(?<=:)//|(?i:\b(www))\.")
# ESC-introduced sequences (CSI, OSC, two-character), then every remaining control character: C0 and
# DEL, C1, and the Unicode bidirectional overrides and isolates ("Trojan Source").
_ANSI: Final = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_ONE_LINE: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# what JSON leaves raw in a string (it escapes C0 itself) that a terminal acts on or reorders
_JSON_RAW_CONTROL: Final = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


#: Cyrillic and Greek letters that look like one Latin letter (the single-letter entries of Unicode's
#: confusables.txt, UTS #39, for those scripts); NFKC has already folded full-width and mathematical letters.
_LOOK_ALIKES: Final = str.maketrans(
    "АВЕЅІЈКМНОРСТХУԁԛԝаеіјоѕрсухһӏ"  # Cyrillic
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοϲνι",  # Greek
    "ABESIJKMHOPCTXYdqwaeijospcyxhlABEZHIKMNOPTYXocvi",
)


def clean_name(value: object) -> str:
    """``value`` as a name: NFKC-normalised, every run of spaces one space, no control or format character
    (zero-width, bidirectional, NUL ...), no surrounding space.

    >>> clean_name("  Sca\\u200ble\\u202e\\x00 AI\\u00a0")
    'Scale AI'
    """
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(
        " " if ch.isspace() else ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf") or ch.isspace()
    )
    return " ".join(text.split())


def look_alike(value: object, *, fold_case: bool = True) -> str:
    """What a reader sees of ``value``: :func:`clean_name` with Cyrillic and Greek look-alikes of Latin letters
    read as Latin (and, with ``fold_case``, case folded). Two names with the same ``look_alike`` cannot be told
    apart on a page.

    >>> look_alike("Sc\\u0430le") == look_alike("scale")
    True
    """
    text = clean_name(value).translate(_LOOK_ALIKES)
    return text.casefold() if fold_case else text


def look_alike_letters(value: object) -> list[str]:
    """The letters of ``value`` that :func:`look_alike` reads as another letter, each with its Unicode name."""
    return [
        f"{ch!r} {unicodedata.name(ch, hex(ord(ch)))}" for ch in dict.fromkeys(str(value)) if ord(ch) in _LOOK_ALIKES
    ]


def spreadsheet_cell(value: object) -> object:
    """``value`` made safe for a CSV or XLSX cell: text that a spreadsheet would run as a formula gets a
    leading ``'``; anything else (numbers, dates, plain text) is returned unchanged.

    >>> spreadsheet_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> spreadsheet_cell("-1.5"), spreadsheet_cell(-1.5), spreadsheet_cell("ok")
    ('-1.5', -1.5, 'ok')
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are safe for a spreadsheet (see module doc).

    Only text columns are touched (numbers, booleans and dates cannot hold a formula); each distinct value
    is checked once.
    """
    out = frame.copy()
    out.columns = [spreadsheet_cell(str(c)) for c in out.columns]
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        dtype = column.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            cats = [spreadsheet_cell(c) for c in dtype.categories]
            if cats == list(dtype.categories):
                continue
            if len(set(cats)) == len(cats):
                out.isetitem(position, column.cat.rename_categories(cats))
            else:
                out.isetitem(position, column.astype(object).map(spreadsheet_cell, na_action="ignore"))
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            out.isetitem(position, column.map(spreadsheet_cell, na_action="ignore"))
    return out


def markdown_text(value: object) -> str:
    """``value`` as literal text inside Markdown (and a Markdown table cell): HTML escaped, line breaks
    turned into spaces, the characters Markdown (and Streamlit's ``$`` maths) reads as structure
    backslash-escaped: ``\\ ` * _ { } [ ] # | ~ $``, and ``+``/``-`` at the start; a bare address
    (``https://...``, ``www.``) gets an escaped ``/`` or ``.`` so that no viewer makes it a link (it reads the same).

    >>> markdown_text("Acme\\n# Owned <img src=x onerror=alert(1)> [x](javascript:y)")
    'Acme \\\\# Owned &lt;img src=x onerror=alert(1)&gt; \\\\[x\\\\](javascript:y)'
    """
    text = _LINE_BREAKS.sub(" ", terminal_text(str(value), keep_newlines=False))
    text = _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(), html.escape(text, quote=False))
    return _AUTOLINK.sub(lambda m: f"{m.group(1)}\\." if m.group(1) else "\\/\\/", text)


def terminal_text(value: object, *, keep_newlines: bool = True) -> str:
    """``value`` without escape sequences or control characters (tabs and, if ``keep_newlines``, line
    feeds are kept; with ``keep_newlines=False`` they become spaces).

    >>> terminal_text("ok\\x1b[2J\\x1b]0;owned\\x07 \\u202eevil")
    'ok evil'
    """
    text = _ANSI.sub("", str(value))
    if keep_newlines:
        return _CONTROL.sub("", text)
    return _CONTROL_ONE_LINE.sub(lambda m: " " if m.group() in "\t\n" else "", text)


def json_for_terminal(text: str) -> str:
    """JSON ``text`` with the control characters JSON allows raw inside strings written as ``\\uXXXX``
    escapes: the same JSON data, nothing a terminal acts on.

    >>> json_for_terminal('{"vendor": "a\u202eb\x9b2J"}')
    '{"vendor": "a\\\\u202eb\\\\u009b2J"}'
    """
    return _JSON_RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def without_controls(value: object) -> object:
    """``value`` (nested dicts, lists and strings, such as a Vega-Lite spec) with every control character
    removed from its strings. A chart renderer that panics on them (vl-convert aborts the whole process on
    an ESC or NUL in a label) then sees only printable text.

    >>> without_controls({"values": [{"vendor": "a\\x1b[2Jb\\x00"}]})
    {'values': [{'vendor': 'ab'}]}
    """
    if isinstance(value, str):
        return terminal_text(value, keep_newlines=False)
    if isinstance(value, dict):
        return {without_controls(k): without_controls(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_controls(v) for v in value]
    return value
