"""Every number a person reads, formatted one way: the CLI table, the verdict, the app and the documents.

Machine-readable exports (JSON, CSV) keep raw numbers; everything else goes through here, so a percent,
a price in the project's currency, an interval or a p-value reads the same on every surface.

>>> pct(0.7778)
'77.8%'
>>> money(0.0849, "EUR")
'€0.085'
>>> money(4888.15, "CHF", total=True)
'4,888.15 CHF'
>>> ci(0.778, 0.752, 0.803, "pct")
'77.8% [75.2, 80.3]'
>>> p_value(0.0)
'< 0.001'
>>> pct(float("nan"))
'—'
"""

from __future__ import annotations

import math
from typing import Literal

#: What a blank cell shows. The reason goes beside it (a tooltip, a footnote), never instead of it.
BLANK = "—"

#: Currencies written with a symbol before the number; any other ISO code is written after it.
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}

Kind = Literal["pct", "money", "total", "number", "count", "seconds"]


def is_blank(value: object) -> bool:
    """True for None, NaN, infinities and pandas' missing values."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def pct(value: float | None, digits: int = 1) -> str:
    """A share as a percent: ``0.7778`` -> ``77.8%``."""
    if is_blank(value):
        return BLANK
    return f"{100 * float(value):.{digits}f}%"  # type: ignore[arg-type]


def number(value: float | None, digits: int = 3) -> str:
    """A plain statistic (alpha, kappa, MAE): fixed decimals, a true minus sign kept as ``-``."""
    if is_blank(value):
        return BLANK
    return f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def count(value: float | None) -> str:
    """A whole number with thousands separators: ``21994`` -> ``21,994``."""
    if is_blank(value):
        return BLANK
    return f"{round(float(value)):,}"  # type: ignore[arg-type]


def money_digits(value: float) -> int:
    """Decimals that keep three significant figures for a unit price (0.0012 -> 4, 0.085 -> 3, 12.3 -> 2)."""
    size = abs(value)
    if size >= 10 or size == 0:
        return 2
    if size >= 0.01:
        return 3
    return min(6, 2 - math.floor(math.log10(size)))


def currency_affixes(currency: str | None) -> tuple[str, str]:
    """(prefix, suffix) for amounts in ``currency``: ``("$", "")`` for USD, ``("", " CHF")`` for CHF."""
    code = (currency or "").strip().upper()
    if code in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[code], ""
    return "", f" {code}" if code else ""


def money(value: float | None, currency: str | None, *, total: bool = False, digits: int | None = None) -> str:
    """An amount in the project's currency. Unit prices keep three significant figures; totals two decimals.

    >>> money(0.000123, "USD")
    '$0.000123'
    >>> money(-2.5, "GBP")
    '-£2.500'
    """
    if is_blank(value):
        return BLANK
    amount = float(value)  # type: ignore[arg-type]
    places = 2 if total else (digits if digits is not None else money_digits(amount))
    prefix, suffix = currency_affixes(currency)
    sign = "-" if amount < 0 else ""
    return f"{sign}{prefix}{abs(amount):,.{places}f}{suffix}"


def seconds(value: float | None) -> str:
    """A duration: ``41.25`` -> ``41.2 s``, ``95`` -> ``1.6 min``, ``7200`` -> ``2.0 h``."""
    if is_blank(value):
        return BLANK
    s = float(value)  # type: ignore[arg-type]
    if abs(s) >= 3600:
        return f"{s / 3600:.1f} h"
    if abs(s) >= 90:
        return f"{s / 60:.1f} min"
    return f"{s:.1f} s"


def p_value(p: float | None) -> str:
    """A p-value as people read it: never ``0.000000e+00``.

    >>> p_value(5.5e-31), p_value(0.0042), p_value(0.13249), p_value(1.0)
    ('< 0.001', '0.004', '0.13', '1.00')
    """
    if is_blank(p):
        return BLANK
    value = float(p)  # type: ignore[arg-type]
    if value < 0.001:
        return "< 0.001"
    if value < 0.01:
        return f"{value:.3f}"
    return f"{value:.2f}"


def p_phrase(p: float | None, *, adjusted: bool = True) -> str:
    """``adjusted p < 0.001`` / ``p = 0.04``: a p-value inside a sentence."""
    name = "adjusted p" if adjusted else "p"
    text = p_value(p)
    if text == BLANK:
        return f"{name} not available"
    return f"{name} {text}" if text.startswith("<") else f"{name} = {text}"


def value(x: float | None, kind: Kind, currency: str | None = None, digits: int | None = None) -> str:
    """One number of a given kind (``pct``, ``money``, ``total``, ``number``, ``count``, ``seconds``)."""
    if kind == "pct":
        return pct(x) if digits is None else pct(x, digits)
    if kind == "money":
        return money(x, currency, digits=digits)
    if kind == "total":
        return money(x, currency, total=True)
    if kind == "count":
        return count(x)
    if kind == "seconds":
        return seconds(x)
    return number(x) if digits is None else number(x, digits)


def _bound(x: float, kind: Kind, digits: int | None) -> str:
    """An interval end without its unit (the unit is on the estimate beside it)."""
    if kind == "pct":
        return f"{100 * x:.{1 if digits is None else digits}f}"
    if kind in ("money", "total"):
        return f"{x:,.{2 if kind == 'total' else (digits if digits is not None else money_digits(x))}f}"
    return f"{x:,.{3 if digits is None else digits}f}"


def ci(
    estimate: float | None,
    low: float | None,
    high: float | None,
    kind: Kind = "number",
    currency: str | None = None,
    *,
    digits: int | None = None,
) -> str:
    """An estimate with its interval, compact for tables: ``77.8% [75.2, 80.3]``, ``$0.085 [0.082, 0.088]``.

    Without an interval (no resamples, or a metric that has none) only the estimate is shown; a blank
    estimate is ``—`` whatever the interval.
    """
    main = value(estimate, kind, currency, digits)
    if main == BLANK or is_blank(low) or is_blank(high):
        return main
    if kind == "money" and digits is None:
        digits = money_digits(float(estimate))  # type: ignore[arg-type]
    return f"{main} [{_bound(float(low), kind, digits)}, {_bound(float(high), kind, digits)}]"  # type: ignore[arg-type]


def ci_phrase(
    estimate: float | None, low: float | None, high: float | None, kind: Kind = "number", currency: str | None = None
) -> str:
    """An estimate with its interval inside a sentence: ``92.4% [90.7% to 94.1%]``."""
    main = value(estimate, kind, currency)
    if main == BLANK or is_blank(low) or is_blank(high):
        return main
    digits = money_digits(float(estimate)) if kind == "money" else None  # type: ignore[arg-type]
    return f"{main} [{value(low, kind, currency, digits)} to {value(high, kind, currency, digits)}]"


def confidence_level(confidence: float) -> str:
    """``0.95`` -> ``95%``; ``0.975`` -> ``97.5%``."""
    return f"{100 * confidence:.3g}%"


def vega_money_expr(currency: str | None, digits: int = 2) -> str:
    """A Vega label expression writing axis ticks in ``currency`` (Vega's own ``$`` format knows only USD)."""
    prefix, suffix = currency_affixes(currency)
    return f"'{prefix}' + format(datum.value, ',.{digits}f') + '{suffix}'"
