"""Exceptions and warnings raised by labeleval.

Every error a user can cause is a :class:`LabelevalError` (and also a ``ValueError``), with a message
that says what is wrong, where (file, line, column), what was expected and what was found. The CLI
prints it as ``error: ...`` and the app as ``st.error``; neither shows a traceback.
"""

from __future__ import annotations


class LabelevalError(ValueError):
    """Base class for every error caused by input (data, manifest or options)."""


class SchemaError(LabelevalError):
    """A table does not have the columns or values the task needs."""


class ManifestError(LabelevalError):
    """``labeleval.toml`` is malformed, names unknown keys or files, or is inconsistent."""


class AdapterError(LabelevalError):
    """A vendor file cannot be read in the declared format (encoding, syntax, empty file)."""


class InsufficientDataError(LabelevalError):
    """There is too little usable data to compute what was asked for."""


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined on this data (for example kappa when chance agreement is 1); NaN is returned."""


class LimitError(LabelevalError):
    """An input is larger than a configured limit (rows, columns, bytes, labels, resamples ...); the message
    names the limit and the environment variable that raises it (see :mod:`labeleval.limits`)."""
