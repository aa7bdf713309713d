"""One JSON encoder and one CSV writer for every result of the package (no pandas needed).

JSON: arrays, tuples and numpy scalars become lists and Python numbers; NaN and infinities
become ``null`` (strict JSON has no NaN), so every ``to_json`` in the package gives the same
encoding. CSV: one header row of named columns (no index column), numbers written with at most
six significant digits, in positional notation down to 1e-4 (``0.3``, not
``0.30000000000000004``; ``2250000``, not ``2.25e+06``) and in scientific notation below
(``5.6942e-09``), empty cells for missing values, lists joined by ``;``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["csv_number", "csv_text", "dumps", "frame", "import_pandas", "jsonable"]

#: Significant digits of numbers in CSV output.
CSV_DIGITS = 6


def jsonable(value: Any) -> Any:
    """Recursively turn arrays, tuples and numpy scalars into JSON-ready Python values.

    Non-finite floats become None (``null``); mapping keys become strings; dates become ISO
    strings.
    """
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(data: Any, **kwargs: Any) -> str:
    """``data`` as JSON (indented by 2 unless told otherwise), after :func:`jsonable`."""
    kwargs.setdefault("indent", 2)
    return json.dumps(jsonable(data), allow_nan=False, **kwargs)


def csv_number(value: Any) -> str:
    """One CSV cell: numbers to :data:`CSV_DIGITS` significant digits, None and NaN empty."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, Fraction):
        value = float(value)
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return ""
        if value != 0 and abs(value) < 1e-4:  # error bounds: 5.69e-09, not 0.00000000569
            return np.format_float_scientific(float(value), precision=CSV_DIGITS - 1,
                                              unique=True, trim="-")
        return np.format_float_positional(
            float(value), precision=CSV_DIGITS, unique=True, fractional=False, trim="-"
        )
    if isinstance(value, list | tuple):
        return ";".join(map(str, value))
    return str(value)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document: the header, then one line per row (cells by :func:`csv_number`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([csv_number(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def frame(columns: Sequence[str], rows: Iterable[Sequence[Any]]):
    """The same table as a pandas DataFrame (needs pandas), with a plain integer index."""
    pd = import_pandas()
    return pd.DataFrame([list(row) for row in rows], columns=list(columns))


def import_pandas():
    """pandas, or an ImportError that says how to install it."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "to_frame() needs pandas: pip install 'councilsim[frame]' (or pip install pandas)"
        ) from None
    return pd
