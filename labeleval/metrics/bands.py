"""Benchmarking an agreement coefficient with its uncertainty: the probability it lies in each band of a scale.

Gwet's (2014, ch. 6) benchmarking, as irrCAC's: with the estimate ``k`` and its standard error ``s``, the
probability that the coefficient lies in the band ``[a, b)`` is ``(Phi((k - a) / s) - Phi((k - b) / s)) / T``,
``T = Phi((k + 1) / s) - Phi((k - 1) / s)`` (a normal truncated to [-1, 1]); adding the bands from the top down
gives the cumulative probability, and the band read is the highest whose cumulative probability reaches 0.95:
"at least moderate, with probability 0.96", rather than a point estimate against a threshold.

Scales: Landis and Koch (1977), Altman (1991), Fleiss (1981).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd

from labeleval.errors import SchemaError
from labeleval.options import invalid_option

#: each scale's bands from the top: (lower bound, upper bound, name)
BENCHMARKS: Final[dict[str, tuple[tuple[float, float, str], ...]]] = {
    "landis_koch": (
        (0.8, 1.0, "almost perfect"),
        (0.6, 0.8, "substantial"),
        (0.4, 0.6, "moderate"),
        (0.2, 0.4, "fair"),
        (0.0, 0.2, "slight"),
        (-1.0, 0.0, "poor"),
    ),
    "altman": (
        (0.8, 1.0, "very good"),
        (0.6, 0.8, "good"),
        (0.4, 0.6, "moderate"),
        (0.2, 0.4, "fair"),
        (-1.0, 0.2, "poor"),
    ),
    "fleiss": ((0.75, 1.0, "excellent"), (0.4, 0.75, "intermediate to good"), (-1.0, 0.4, "poor")),
}
SCALE_NAMES: Final = {"landis_koch": "Landis-Koch", "altman": "Altman", "fleiss": "Fleiss"}
#: the cumulative probability a band must reach to be read (Gwet's rule)
THRESHOLD: Final = 0.95


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def agreement_bands(estimate: float, se: float, *, scale: str = "landis_koch") -> pd.DataFrame:
    """One row per band of ``scale`` (``landis_koch``, ``altman`` or ``fleiss``), from the top: ``band``,
    ``low``, ``high``, ``probability`` (that the coefficient lies in it), ``cumulative`` (in it or a band above)
    and ``read`` (True for the band Gwet's rule reads: the highest whose cumulative probability reaches 0.95).

    Examples
    --------
    >>> import labeleval as le
    >>> bands = le.agreement_bands(0.67, 0.15, scale="altman")  # irrCAC's example
    >>> bands[["band", "cumulative"]].round(5).values.tolist()[:3]
    [['very good', 0.18168], ['good', 0.67511], ['moderate', 0.96356]]
    >>> bands.loc[bands["read"], "band"].item()
    'moderate'
    """
    if scale not in BENCHMARKS:
        raise SchemaError(invalid_option("scale", tuple(BENCHMARKS), scale))
    rows = BENCHMARKS[scale]
    if not (math.isfinite(estimate) and math.isfinite(se) and se >= 0):
        probability = [float("nan")] * len(rows)
    elif se == 0:
        probability = [float(low <= estimate < high or (high == 1.0 and estimate == 1.0)) for low, high, _ in rows]
    else:
        total = _phi((estimate + 1.0) / se) - _phi((estimate - 1.0) / se)
        probability = [(_phi((estimate - low) / se) - _phi((estimate - high) / se)) / total for low, high, _ in rows]
    cumulative = np.cumsum(probability)
    reached = np.flatnonzero(cumulative >= THRESHOLD - 1e-12)
    read = np.zeros(len(rows), dtype=bool)
    if len(reached):
        read[reached[0]] = True
    return pd.DataFrame(
        {
            "band": [name for _, _, name in rows],
            "low": [low for low, _, _ in rows],
            "high": [high for _, high, _ in rows],
            "probability": probability,
            "cumulative": cumulative,
            "read": read,
        }
    )


def band_reading(estimate: float, se: float, scale: str = "landis_koch") -> tuple[str, float] | None:
    """(the band Gwet's rule reads, its cumulative probability), or None without a finite estimate and SE."""
    bands = agreement_bands(estimate, se, scale=scale)
    chosen = bands[bands["read"]]
    if chosen.empty:
        return None
    return str(chosen["band"].iloc[0]), float(chosen["cumulative"].iloc[0])
