"""Readers that turn vendor files into the canonical long frame, quarantining what they cannot keep."""

from labeleval.io.normalize import Billing, normalize_batch, normalize_gold
from labeleval.io.readers import FORMATS, RawTable, detect_format, read_table

__all__ = [
    "FORMATS",
    "Billing",
    "RawTable",
    "detect_format",
    "normalize_batch",
    "normalize_gold",
    "read_table",
]
