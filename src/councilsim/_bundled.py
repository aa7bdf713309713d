"""Read the data files shipped inside the package (the historical record of the Council)."""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

from councilsim.errors import InputError

__all__ = ["member_names_by_code", "read_record", "un_member_names", "unsc_membership"]

FIRST_YEAR, LAST_YEAR = 1946, 2026

# The UN Digital Library spells names in capitals; these are the names whose UN spelling plain
# capitalisation cannot restore (an accent, an abbreviation).
_UN_SPELLINGS = {
    "COTE D'IVOIRE": "Côte d'Ivoire",
    "COTE D\u2019IVOIRE": "Côte d'Ivoire",
    "USSR": "Union of Soviet Socialist Republics",
}
_LOWER_WORDS = frozenset({"of", "the", "and"})
# The Digital Library files some votes under the member's present-day name. The name the UN used
# in those years (UN, "Member States": the dates of the name changes):
# seat -> (first year, last year, name).
_FORMER_NAMES: Mapping[str, tuple[tuple[int, int, str], ...]] = {
    "BLR": ((1946, 1990, "Byelorussian Soviet Socialist Republic"),),  # Belarus from September 1991
    "COD": ((1971, 1996, "Zaire"),),  # Democratic Republic of the Congo from May 1997
    "EGY": ((1958, 1970, "United Arab Republic"),),  # Egypt and Syria 1958, Egypt from 1971
    "IRN": ((1946, 1978, "Iran"),),  # the Islamic Republic dates from 1979
    "LBY": ((1969, 1976, "Libyan Arab Republic"),),  # Libyan Arab Jamahiriya from 1977
    "LKA": ((1948, 1971, "Ceylon"),),  # Sri Lanka from May 1972
    "SYR": ((1946, 1957, "Syria"),),  # Syrian Arab Republic after the United Arab Republic
    "UKR": ((1946, 1990, "Ukrainian Soviet Socialist Republic"),),  # Ukraine from August 1991
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
    seats = [(row["seat_code"], row["member_name_un"], row["permanent"] == "True") for row in rows]
    return tuple(sorted(seats, key=lambda seat: not seat[2]))


# Sponsor lists use the full names of two permanent members as well as the short ones.
_FULL_NAMES = {
    "USA": ("United States of America",),
    "GBR": ("United Kingdom of Great Britain and Northern Ireland",),
}


@cache
def member_names_by_code() -> Mapping[str, tuple[str, ...]]:
    """Every name a seat's members had on the Council (UN's and Wikipedia's), by seat code."""
    names: dict[str, dict[str, None]] = {}
    for row in read_record("members_by_year"):
        entry = names.setdefault(row["seat_code"], {})
        entry[row["member_name_un"]] = entry[row["member_name_wikipedia"]] = None
    for code, full in _FULL_NAMES.items():
        names[code].update(dict.fromkeys(full))
    return MappingProxyType({code: tuple(entry) for code, entry in names.items()})


def _un_case(name: str) -> str:
    """The UN's spelling of a name the Digital Library gives in capitals."""
    if name in _UN_SPELLINGS:
        return _UN_SPELLINGS[name]
    if name != name.upper():
        return name  # already cased (the Voting-Agent file)

    def word(match: re.Match[str]) -> str:
        text = match.group(0)
        return text if match.start() and text in _LOWER_WORDS else text.capitalize()

    return re.sub(r"[a-z]+", word, name.lower())


def un_member_names(
    votes: Iterable[Mapping[str, str]], membership: Iterable[Mapping[str, str]]
) -> dict[tuple[int, str], str]:
    """Name of each seat's member in each year as the UN wrote it, from the voting record.

    The name is the one ``votes.csv`` (``member_name``) gives at the member's last vote of the
    year, preferring the UN Digital Library's listing, put in the UN's capitalisation, and
    corrected to the name of the time where the Library uses a later one (``_FORMER_NAMES``).
    A year without a recorded vote (the current one) takes the seat's latest recorded name;
    a member without any recorded vote keeps the membership table's name.

    Parameters
    ----------
    votes : iterable of mapping
        Rows of ``votes.csv``.
    membership : iterable of mapping
        Rows of ``members_by_year.csv``.

    Returns
    -------
    dict of (int, str) to str
        ``(year, seat_code) -> name`` for every row of the membership table.
    """
    best: dict[tuple[int, str], tuple[tuple[bool, str], str]] = {}
    latest: dict[str, tuple[str, str]] = {}
    for row in votes:
        name, library = row["member_name"], row["source"] == "undl_scrape"
        # "(filled)" marks a member the cleaning script filled in; "CHILEs" is a stray column.
        if name.endswith("(filled)") or (library and name != name.upper()):
            continue
        key = (int(row["date"][:4]), row["seat_code"])
        rank = (library, row["date"])
        if key not in best or rank > best[key][0]:
            best[key] = (rank, name)
        if row["seat_code"] not in latest or row["date"] >= latest[row["seat_code"]][0]:
            latest[row["seat_code"]] = (row["date"], name)
    names = {}
    for row in membership:
        year, seat = int(row["year"]), row["seat_code"]
        if (year, seat) in best:
            name = _un_case(best[year, seat][1])
            for first_year, last_year, former in _FORMER_NAMES.get(seat, ()):
                if first_year <= year <= last_year:
                    name = former
                    break
        elif seat in latest:
            name = _un_case(latest[seat][1])
        else:
            name = row["member_name_wikipedia"]
        names[year, seat] = name
    return names
