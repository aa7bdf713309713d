"""Read the data files shipped inside the package (the historical record of the Council)."""

from __future__ import annotations

import csv
import gzip
import io
from functools import cache
from importlib import resources

from councilsim.errors import InputError

__all__ = ["read_record", "unsc_membership"]

FIRST_YEAR, LAST_YEAR = 1946, 2026
# The membership record names regimes ("French Fifth Republic"); tables want the state.
_DISPLAY_NAMES = {
    "French Fourth Republic": "France",
    "French Fifth Republic": "France",
    "Fourth Brazilian Republic": "Brazil",
}


@cache
def read_record(name: str) -> tuple[dict[str, str], ...]:
    """Return the rows of a bundled record file (``drafts``, ``votes``, ...) as dicts of strings."""
    raw = resources.files("councilsim").joinpath(f"data/unsc/{name}.csv.gz").read_bytes()
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(raw)), encoding="utf-8") as text:
        return tuple(csv.DictReader(text))


@cache
def unsc_membership(year: int) -> tuple[tuple[str, str, bool], ...]:
    """Return ``(seat code, member name, permanent)`` for each seat of the Council in ``year``.

    Permanent seats use continuous seat codes (``RUS`` for the USSR seat, ``CHN`` for the
    Republic of China seat before 1971), so the five veto holders keep their codes across eras.
    Permanent members come first, each group in the order of the record.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(
            f"no membership record for {year}; the bundled record covers {FIRST_YEAR}-{LAST_YEAR}"
        )
    rows = [row for row in read_record("members_by_year") if int(row["year"]) == year]
    seats = [
        (row["seat_code"], _DISPLAY_NAMES.get(row["member_name_wikipedia"],
                                              row["member_name_wikipedia"]),
         row["permanent"] == "True")
        for row in rows
    ]
    return tuple(sorted(seats, key=lambda seat: not seat[2]))
