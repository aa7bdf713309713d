"""Votes the bundled record does not have yet: users' own drafts and votes files.

The bundled record ends on 4 June 2025. :func:`read_extra_records` reads files in the bundled
``drafts.csv`` / ``votes.csv`` layout (described in ``data/unsc/SOURCE.md``), checks every row
and returns the texts as :class:`~councilsim.history.RecordedVote`, each knowing the file and
line it came from (``RecordedVote.source``). :func:`~councilsim.history.load_history` merges them
with the bundled record.

Which file is which is read from its header: a file with a ``member_code`` or a ``vote`` column
is a votes file, any other a drafts file.

Columns of a drafts file
    Required: ``vote_id``, ``date``, ``symbol``, ``item_type``, ``adopted``, ``yes``, ``no``,
    ``abstain``, ``vetoed_by``, ``topic``, ``sponsors`` (the last three may be empty).
    Optional: ``meeting``, ``title``, ``non_voting``, ``modality`` (default ``vote``),
    ``procedural_inferred`` (default False), ``member_votes_status`` (default ``user_record``
    with member votes, ``none`` without), ``notes``. The bundled file's provenance and derived
    columns (``resolution``, ``draft``, ``members``, ``p5_no``, ``failure_reason``,
    ``dhl_vote``, ``dhl_date``, ``member_votes_source``) are accepted and not read.

Columns of a votes file
    Required: ``vote_id``, ``member_code``, ``vote``. Optional: ``seat_code`` and
    ``permanent`` (derived from the code when absent, checked when given), ``date``, ``symbol``,
    ``item_type``, ``adopted`` (checked against the text's drafts row when given),
    ``member_name``, ``source``, ``status`` (not read).

Checks, each reported with file, line, column and what is allowed: every required column
present and no unknown one; dates from the Council's first meeting (17 January 1946) to today;
item types, outcomes, counts and vote letters well formed; member codes that sat on the Council
that year (with the Council's full membership listed, each seat once); counts equal to the
member votes; the outcome and the vetoers the Art. 27 rules give for those votes; every vote
joined to a text. A row that repeats a bundled text (or another extra row) is merged when it
says the same and refused when it differs.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import gzip
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from councilsim._bundled import FIRST_YEAR, LAST_YEAR, read_record
from councilsim.errors import InputError
from councilsim.history.record import (
    BUNDLED,
    ITEM_TYPES,
    FrozenDict,
    History,
    RecordedVote,
    Tally,
    bundled_history,
    seats_and_threshold,
    split_sponsors,
)
from councilsim.models import Council
from councilsim.rules import adopted as adopted_by_rules

__all__ = [
    "load_history",
    "DRAFT_COLUMNS_OPTIONAL",
    "DRAFT_COLUMNS_REQUIRED",
    "FIRST_MEETING",
    "VOTE_COLUMNS_OPTIONAL",
    "VOTE_COLUMNS_REQUIRED",
    "ExtraRecordError",
    "read_extra_records",
    "record_files",
]

#: The Security Council's first meeting: no vote can be older.
FIRST_MEETING = dt.date(1946, 1, 17)
#: How a text's ``source`` names its votes files, after its drafts file and line.
_VOTES_FROM = "; member votes "

DRAFT_COLUMNS_REQUIRED = (
    "vote_id",
    "date",
    "symbol",
    "item_type",
    "adopted",
    "yes",
    "no",
    "abstain",
    "vetoed_by",
    "topic",
    "sponsors",
)
DRAFT_COLUMNS_OPTIONAL = (
    "meeting",
    "title",
    "non_voting",
    "modality",
    "procedural_inferred",
    "member_votes_status",
    "notes",
)
# In the bundled layout but provenance or derived from other columns: accepted, not read.
_DRAFT_COLUMNS_IGNORED = (
    "resolution",
    "draft",
    "members",
    "p5_no",
    "failure_reason",
    "dhl_vote",
    "dhl_date",
    "member_votes_source",
)
VOTE_COLUMNS_REQUIRED = ("vote_id", "member_code", "vote")
VOTE_COLUMNS_OPTIONAL = (
    "seat_code",
    "permanent",
    "date",
    "symbol",
    "item_type",
    "adopted",
    "member_name",
    "source",
    "status",
)
_MODALITIES = ("vote", "without_vote", "unknown")
_LETTERS = ("Y", "N", "A", "X")
_PERMANENT_SEATS = ("CHN", "FRA", "GBR", "RUS", "USA")
_STATUS_WITH_VOTES, _STATUS_WITHOUT_VOTES = "user_record", "none"


class ExtraRecordError(InputError):
    """A row of a user's drafts or votes file that cannot be used.

    Attributes
    ----------
    path : str
        The file.
    line : int or None
        Line of the row (1 is the header).
    column : str or None
        The column at fault.
    problem : str
        What is wrong and what is allowed.
    """

    def __init__(
        self, problem: str, *, path: str, line: int | None = None, column: str | None = None
    ) -> None:
        self.problem, self.path, self.line, self.column = problem, path, line, column
        where = path + (f":{line}" if line is not None else "")
        super().__init__(f"{where}: {f'column {column}: ' if column else ''}{problem}")


@dataclass
class _Text:
    """One drafts row, parsed, with where it came from."""

    fields: dict[str, Any]
    given: frozenset[str]  # the RecordedVote fields the row's columns set
    path: str
    line: int
    votes: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # seat -> vote, file, line


@dataclass
class _Tables:
    drafts: list[tuple[str, list[str], list[tuple[int, list[str]]]]] = field(default_factory=list)
    votes: list[tuple[str, list[str], list[tuple[int, list[str]]]]] = field(default_factory=list)


def _read_rows(path: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line, row) pairs of a CSV file (``.gz`` is decompressed)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ExtraRecordError("no such file", path=path) from None
    except IsADirectoryError:
        raise ExtraRecordError("is a directory; give a CSV file", path=path) from None
    except OSError as err:
        raise ExtraRecordError(f"cannot be read ({err.strerror})", path=path) from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ExtraRecordError(f"damaged gzip file ({err})", path=path) from None
    try:
        text = raw.decode("utf-8-sig")  # a spreadsheet may add a byte-order mark
    except UnicodeDecodeError as err:
        raise ExtraRecordError(
            f"not UTF-8 text (byte {err.start}); save the file as CSV in UTF-8", path=path
        ) from None
    reader = csv.reader(text.splitlines(keepends=True))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            if header is None:
                header = [name.strip() for name in row]
            elif any(cell.strip() for cell in row):
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as err:
        raise ExtraRecordError(f"not valid CSV ({err})", path=path, line=start) from None
    if not header or not any(header):
        raise ExtraRecordError("empty file; the first line must name the columns", path=path)
    return header, rows


def _check_header(header: list[str], path: str, required: Sequence[str],
                  allowed: Sequence[str], kind: str) -> dict[str, int]:
    positions: dict[str, int] = {}
    for name in header:
        if name in positions:
            raise ExtraRecordError(f"column {name!r} appears twice", path=path, line=1)
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ExtraRecordError(
                f"unknown column {name!r}{hint}; a {kind} file has the columns "
                f"{', '.join(allowed)}",
                path=path,
                line=1,
            )
        positions[name] = len(positions)
    missing = [name for name in required if name not in positions]
    if missing:
        raise ExtraRecordError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; a {kind} "
            f"file needs {', '.join(required)} (docs/record.md describes the layout)",
            path=path,
            line=1,
        )
    return positions


def _bool(text: str, where: dict[str, Any]) -> bool:
    value = text.strip().lower()
    if value in ("true", "false"):
        return value == "true"
    raise ExtraRecordError(f"{text!r} is not True or False", **where)


def _count(text: str, where: dict[str, Any], seats: int) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not value.isdigit() or int(value) > seats:
        raise ExtraRecordError(f"{text!r} is not a number of votes from 0 to {seats}", **where)
    return int(value)


def _date(text: str, where: dict[str, Any]) -> dt.date:
    try:
        date = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ExtraRecordError(f"{text!r} is not a date; write it as YYYY-MM-DD", **where) from None
    today = dt.date.today()
    if not FIRST_MEETING <= date <= today:
        raise ExtraRecordError(
            f"{date} is outside the plausible range: from the Council's first meeting "
            f"({FIRST_MEETING}) to today ({today})",
            **where,
        )
    return date


def _choice(text: str, allowed: Sequence[str], where: dict[str, Any]) -> str:
    value = text.strip()
    if value not in allowed:
        raise ExtraRecordError(f"{text!r} is not allowed; use one of {', '.join(allowed)}", **where)
    return value


@dataclass(frozen=True)
class _Members:
    """Who sat on the Council in a year: seat codes, and member code -> seat code."""

    seats: tuple[str, ...]
    seat_of: Mapping[str, str]


def _members_of(year: int, cache: dict[int, _Members | None]) -> _Members | None:
    if year not in cache:
        if FIRST_YEAR <= year <= LAST_YEAR:
            rows = [row for row in read_record("members_by_year") if int(row["year"]) == year]
            seat_of = {row["member_code"]: row["seat_code"] for row in rows}
            seat_of.update({row["seat_code"]: row["seat_code"] for row in rows})
            if year <= 1991:  # the record's votes name the USSR SUN to its last year, 1991
                seat_of["SUN"] = "RUS"
            if year == 1990:  # and Democratic Yemen YMD until the unification of May 1990
                seat_of["YMD"] = "YMD"
            cache[year] = _Members(tuple(row["seat_code"] for row in rows), seat_of)
        else:
            cache[year] = None  # a year the membership table does not cover yet
    return cache[year]


def _parse_draft(row: list[str], cols: Mapping[str, int], path: str, line: int, *,
                 bundled: History) -> _Text:
    def cell(name: str) -> str:
        return row[cols[name]] if name in cols and cols[name] < len(row) else ""

    def at(name: str) -> dict[str, Any]:
        return {"path": path, "line": line, "column": name}

    if len(row) > len(cols):
        raise ExtraRecordError(
            f"{len(row)} fields but the header names {len(cols)} columns "
            "(an unquoted comma in a value?)",
            path=path,
            line=line,
        )
    vote_id = cell("vote_id").strip()
    if not vote_id:
        raise ExtraRecordError("empty; every text needs a unique vote_id", **at("vote_id"))
    date = _date(cell("date"), at("date"))
    seats = seats_and_threshold(date)[0]
    vetoers = tuple(sorted({c.strip().upper() for c in cell("vetoed_by").split(";") if c.strip()}))
    for code in vetoers:
        seat = "RUS" if code == "SUN" else code
        if seat not in _PERMANENT_SEATS:
            raise ExtraRecordError(
                f"{code!r} holds no veto; vetoed_by lists permanent members separated by ';' "
                f"({', '.join(_PERMANENT_SEATS)}; SUN for the USSR)",
                **at("vetoed_by"),
            )
    fields = {
        "vote_id": vote_id,
        "date": date,
        "symbol": cell("symbol").strip(),
        "item_type": _choice(cell("item_type"), ITEM_TYPES, at("item_type")),
        "adopted": _bool(cell("adopted"), at("adopted")),
        "topic": cell("topic").strip(),
        "title": cell("title").strip(),
        "sponsors": split_sponsors(cell("sponsors")) if cell("sponsors").strip() else (),
        "vetoed_by": tuple(sorted("RUS" if c == "SUN" else c for c in vetoers)),
        "procedural": _bool(cell("procedural_inferred"), at("procedural_inferred"))
        if cell("procedural_inferred").strip()
        else False,
        "modality": _choice(cell("modality"), _MODALITIES, at("modality"))
        if cell("modality").strip()
        else "vote",
        "status": cell("member_votes_status").strip(),
        "meeting": cell("meeting").strip(),
        "tally": Tally(
            *(
                _count(cell(name), at(name), seats)
                for name in ("yes", "no", "abstain", "non_voting")
            )
        ),
        "notes": cell("notes").strip(),
    }
    # A few early texts of the bundled record have no symbol; a repeat of one merges as it is.
    repeat = fields["vote_id"] in bundled and not bundled[fields["vote_id"]].symbol
    if not fields["symbol"] and not repeat:
        raise ExtraRecordError("empty; give the text's document symbol", **at("symbol"))
    if fields["adopted"] and vetoers:
        raise ExtraRecordError(
            f"the text is adopted but vetoed_by names {';'.join(vetoers)}; a vetoed text fails",
            **at("vetoed_by"),
        )
    tally = fields["tally"]
    counted = sum(n or 0 for n in tally)
    if counted > seats:
        raise ExtraRecordError(
            f"yes, no, abstain and non_voting add up to {counted}, more than the {seats} seats "
            f"of {date.year}",
            path=path,
            line=line,
        )
    given = {
        "vote_id",
        "date",
        "symbol",
        "item_type",
        "adopted",
        "topic",
        "sponsors",
        "vetoed_by",
        "tally",
    }
    given |= {
        name
        for name, column in (
            ("title", "title"),
            ("procedural", "procedural_inferred"),
            ("modality", "modality"),
            ("status", "member_votes_status"),
            ("meeting", "meeting"),
            ("notes", "notes"),
        )
        if column in cols
    }
    return _Text(fields, frozenset(given), path, line)


def _loose(text: str) -> str:
    """An id or symbol with case and spacing ignored: ``s/2025/ 353`` is ``S/2025/353``."""
    return "".join(text.split()).upper()


def _differences(text: _Text, shipped: RecordedVote) -> list[str]:
    found = []
    for name in sorted(text.given):
        mine, theirs = text.fields[name], getattr(shipped, name)
        if name == "tally":
            # non_voting is often missing from the bundled rows: compare what both give.
            pairs = [
                (label, a, b)
                for label, a, b in zip(("yes", "no", "abstain", "non_voting"), mine, theirs,
                                       strict=True)
                if a != b and not (label == "non_voting" and (a is None or b is None))
            ]
            found += [f"{label} {a} (recorded: {b})" for label, a, b in pairs]
        elif mine != theirs:
            found.append(f"{name} {_show(mine)} (recorded: {_show(theirs)})")
    return found


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return repr(";".join(value))
    return repr(str(value))


def _classify(paths: Iterable[str | os.PathLike]) -> _Tables:
    tables = _Tables()
    for given in paths:
        path = os.fspath(given)
        header, rows = _read_rows(path)
        if "member_code" in header or "vote" in header:
            tables.votes.append((path, header, rows))
        else:
            tables.drafts.append((path, header, rows))
    return tables


def read_extra_records(
    paths: Iterable[str | os.PathLike], *, bundled: History
) -> tuple[RecordedVote, ...]:
    """Read users' drafts and votes files and return the texts the bundled record lacks.

    Parameters
    ----------
    paths : iterable of path-like
        Drafts and votes files (CSV, optionally gzipped) in the bundled layout; the module
        documentation lists the required and optional columns and the checks.
    bundled : History
        The record to merge into (normally :func:`~councilsim.history.load_history`'s): rows
        repeating one of its texts are dropped when they agree with it and refused when they
        differ.

    Returns
    -------
    tuple of RecordedVote
        The new texts, with ``source`` naming the file and line of each.

    Raises
    ------
    ExtraRecordError
        For the first row that fails a check: file, line, column, what is allowed.
    """
    tables = _classify(paths)
    if tables.votes and not tables.drafts:
        path = tables.votes[0][0]
        raise ExtraRecordError(
            "a votes file needs a drafts file beside it (one row per text, the layout of "
            "drafts.csv): give both, e.g. --record extra-drafts.csv --record extra-votes.csv",
            path=path,
        )
    allowed_drafts = DRAFT_COLUMNS_REQUIRED + DRAFT_COLUMNS_OPTIONAL + _DRAFT_COLUMNS_IGNORED
    texts: dict[str, _Text] = {}
    repeats: dict[str, RecordedVote] = {}  # vote_id -> the bundled text a row repeats
    # A bundled text under another id (other case or spacing, or a new name) would be counted
    # twice: its symbol and date, or its id written loosely, find it.
    known = {(_loose(vote.symbol), vote.date): vote.vote_id for vote in bundled if vote.symbol}
    known_ids = {_loose(vote.vote_id): vote.vote_id for vote in bundled}
    for path, header, rows in tables.drafts:
        cols = _check_header(header, path, DRAFT_COLUMNS_REQUIRED, allowed_drafts, "drafts")
        for line, row in rows:
            text = _parse_draft(row, cols, path, line, bundled=bundled)
            vote_id = text.fields["vote_id"]
            shipped = bundled[vote_id] if vote_id in bundled else None
            other = known_ids.get(_loose(vote_id)) or known.get(
                (_loose(text.fields["symbol"]), text.fields["date"]))
            if shipped is None and other is not None:
                raise ExtraRecordError(
                    f"{vote_id!r} is the bundled record's {other!r} ({bundled[other].symbol}, "
                    f"{bundled[other].date}) under another id; write its vote_id as {other!r} "
                    "(a row identical to the bundled one merges) or remove the row",
                    path=path, line=line, column="vote_id")
            if shipped is not None:
                differ = _differences(text, shipped)
                if differ:
                    raise ExtraRecordError(
                        f"{vote_id} is in the bundled record with other values: "
                        f"{'; '.join(differ)}. Remove the row, or correct it to match",
                        path=path,
                        line=line,
                    )
                repeats[vote_id] = shipped
                continue
            earlier = texts.get(vote_id)
            if earlier is not None:
                differ = [
                    f"{name} {_show(text.fields[name])} (line {earlier.line}: "
                    f"{_show(earlier.fields[name])})"
                    for name in sorted(text.given | earlier.given)
                    if text.fields[name] != earlier.fields[name]
                ]
                if differ:
                    raise ExtraRecordError(
                        f"{vote_id} appears again with other values: {'; '.join(differ)} "
                        f"(first at {earlier.path}:{earlier.line})",
                        path=path,
                        line=line,
                    )
                continue
            texts[vote_id] = text
    members_cache: dict[int, _Members | None] = {}
    allowed_votes = VOTE_COLUMNS_REQUIRED + VOTE_COLUMNS_OPTIONAL
    for path, header, rows in tables.votes:
        cols = _check_header(header, path, VOTE_COLUMNS_REQUIRED, allowed_votes, "votes")
        for line, row in rows:
            _add_member_vote(row, cols, path, line, texts, repeats, members_cache)
    return tuple(_finish(text, members_cache) for text in texts.values())


def _add_member_vote(
    row: list[str],
    cols: Mapping[str, int],
    path: str,
    line: int,
    texts: Mapping[str, _Text],
    repeats: Mapping[str, RecordedVote],
    members_cache: dict[int, _Members | None],
) -> None:
    def cell(name: str) -> str:
        return row[cols[name]].strip() if name in cols and cols[name] < len(row) else ""

    def at(name: str) -> dict[str, Any]:
        return {"path": path, "line": line, "column": name}

    if len(row) > len(cols):
        raise ExtraRecordError(
            f"{len(row)} fields but the header names {len(cols)} columns", path=path, line=line
        )
    vote_id = cell("vote_id")
    vote = cell("vote")
    if vote.upper() not in _LETTERS:
        raise ExtraRecordError(
            f"{vote!r} is not a vote; use Y (yes), N (no), A (abstain) or X (did not vote)",
            **at("vote"))
    letter = vote.upper()
    code = cell("member_code").upper()
    shipped = repeats.get(vote_id)
    text = texts.get(vote_id)
    if text is not None:
        date = text.fields["date"]
    elif shipped is not None:
        date = shipped.date
    else:
        raise ExtraRecordError(
            f"{vote_id!r} is in no drafts file given; every member vote needs its text's row "
            "in a drafts file",
            **at("vote_id"),
        )
    members = _members_of(date.year, members_cache)
    if members is not None:
        if code not in members.seat_of:
            close = difflib.get_close_matches(code, members.seats, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ExtraRecordError(
                f"{code!r} did not sit on the Council in {date.year}{hint}; members that year: "
                f"{', '.join(members.seats)}",
                **at("member_code"),
            )
        seat = members.seat_of[code]
    else:
        if len(code) != 3 or not code.isalpha():
            raise ExtraRecordError(
                f"{code!r} is not an ISO 3166-1 alpha-3 code such as 'USA' or 'JPN'",
                **at("member_code"),
            )
        seat = "RUS" if code == "SUN" else code
    if cell("seat_code") and cell("seat_code").upper() != seat:
        raise ExtraRecordError(
            f"{cell('seat_code')!r} is not the seat of {code}; it is {seat!r}", **at("seat_code")
        )
    if cell("permanent"):
        permanent = _bool(cell("permanent"), at("permanent"))
        if permanent != (seat in _PERMANENT_SEATS):
            raise ExtraRecordError(
                f"{cell('permanent')!r} is wrong for {code}: the permanent seats are "
                f"{', '.join(_PERMANENT_SEATS)}",
                **at("permanent"),
            )
    if shipped is not None:
        recorded = shipped.votes.get(seat)
        if not shipped.votes:
            raise ExtraRecordError(
                f"{vote_id} is in the bundled record without member votes; adding member votes "
                "to a bundled text is not supported",
                **at("vote_id"),
            )
        if recorded != letter:
            raise ExtraRecordError(
                f"{vote_id}: {seat} voted {recorded or 'nothing'} in the bundled record, "
                f"{letter} here; remove the row, or correct it to match",
                **at("vote"),
            )
        return
    if text is None:  # a bundled text: checked above
        return
    for name, value in (
        ("date", text.fields["date"].isoformat()),
        ("symbol", text.fields["symbol"]),
        ("item_type", text.fields["item_type"]),
        ("adopted", str(text.fields["adopted"]).lower()),
    ):
        mine = cell(name).lower() if name == "adopted" else cell(name)
        if mine and mine != value:
            raise ExtraRecordError(
                f"{mine!r} differs from the text's drafts row ({text.path}:{text.line}: {value})",
                **at(name),
            )
    earlier = text.votes.get(seat)
    if earlier is not None and earlier[0] != letter:
        raise ExtraRecordError(
            f"{vote_id}: {seat} already voted {earlier[0]} at {earlier[1]}:{earlier[2]}; "
            "each member votes once",
            **at("vote"),
        )
    text.votes[seat] = (letter, path, line)


def _check_counts(fields: dict[str, Any], threshold: int, where: dict[str, Any]) -> None:
    """The outcome of a text without member votes against what its counts allow (Art. 27)."""
    yes, no = fields["tally"].yes, fields["tally"].no
    vetoers = fields["vetoed_by"]
    if fields["adopted"] and yes is not None and yes < threshold:
        raise ExtraRecordError(
            f"adopted is True with {yes} yes votes; {threshold} are needed to adopt",
            **where, column="adopted")
    if vetoers and yes is not None and yes < threshold:
        raise ExtraRecordError(
            f"vetoed_by names {';'.join(vetoers)}, but {yes} yes votes are short of the "
            f"{threshold} needed: the text failed for lack of votes, and vetoed_by stays empty "
            "(a veto is a permanent member's no on a text with the required yes votes)",
            **where, column="vetoed_by")
    if vetoers and no is not None and no < len(vetoers):
        raise ExtraRecordError(
            f"vetoed_by names {len(vetoers)} permanent member(s) ({';'.join(vetoers)}) but the "
            f"text has {no} no vote(s): each vetoer votes no",
            **where, column="vetoed_by")
    failed_by_nothing = (not fields["adopted"] and not vetoers and not fields["procedural"]
                         and fields["modality"] != "without_vote")
    if failed_by_nothing and yes is not None and yes >= threshold and no == 0:
        raise ExtraRecordError(
            f"adopted is False with {yes} yes votes and no vote against: the rules give "
            f"adoption ({threshold} yes votes and no permanent member's no)",
            **where, column="adopted")


def _finish(text: _Text, members_cache: dict[int, _Members | None]) -> RecordedVote:
    fields = dict(text.fields)
    date: dt.date = fields["date"]
    seats, threshold = seats_and_threshold(date)
    where = {"path": text.path, "line": text.line}
    votes = {seat: letter for seat, (letter, _, _) in text.votes.items()}
    source = f"{text.path}:{text.line}"
    if votes:
        members = _members_of(date.year, members_cache)
        missing = [code for code in (members.seats if members else ()) if code not in votes]
        if len(votes) != seats or missing:
            raise ExtraRecordError(
                f"{fields['vote_id']}: member votes list {len(votes)} of the {seats} seats"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + " (give every member's vote, X for one that did not vote)",
                **where,
            )
        counted = {letter: sum(v == letter for v in votes.values()) for letter in _LETTERS}
        tally: Tally = fields["tally"]
        for label, given, letter in zip(
            ("yes", "no", "abstain", "non_voting"), tally, _LETTERS, strict=True
        ):
            if given is not None and given != counted[letter]:
                files = ", ".join(sorted({p for _, p, _ in text.votes.values()}))
                raise ExtraRecordError(
                    f"{given} disagrees with the member votes, which give {counted[letter]} "
                    f"{letter} (files: {files})",
                    **where,
                    column=label,
                )
        permanent = tuple(sorted(code for code in votes if code in _PERMANENT_SEATS))
        ordered = sorted(votes, key=lambda code: code not in _PERMANENT_SEATS)
        council = Council(members=tuple(ordered), veto_holders=permanent, threshold=threshold)
        by_rules = adopted_by_rules(votes, council, procedural=fields["procedural"])
        if fields["modality"] != "without_vote" and by_rules != fields["adopted"]:
            noes = [code for code in permanent if votes[code] == "N"]
            raise ExtraRecordError(
                f"adopted is {fields['adopted']} but under Art. 27 the member votes give "
                f"{'adoption' if by_rules else 'failure'}: {counted['Y']} yes (adoption needs "
                f"{threshold}) and "
                + (f"a permanent member's no ({', '.join(noes)})" if noes
                   else "no permanent member's no")
                + " (set procedural_inferred to True for a procedural decision)",
                **where,
                column="adopted",
            )
        enough = counted["Y"] >= threshold
        vetoers = tuple(
            sorted(code for code in permanent if votes[code] == "N")
        ) if enough and not fields["adopted"] else ()
        if fields["vetoed_by"] != vetoers:
            raise ExtraRecordError(
                f"{';'.join(fields['vetoed_by']) or 'empty'} but the member votes give "
                f"{';'.join(vetoers) or 'no veto'} (a veto is a permanent member's N on a text "
                f"with {threshold} yes votes)",
                **where,
                column="vetoed_by",
            )
        fields["tally"] = Tally(counted["Y"], counted["N"], counted["A"], counted["X"])
        fields["votes"] = FrozenDict({code: votes[code] for code in ordered})
        fields["permanent"] = permanent
        fields["status"] = fields["status"] or _STATUS_WITH_VOTES
        files = sorted({p for _, p, _ in text.votes.values()})
        source += _VOTES_FROM + ", ".join(files)
    else:
        _check_counts(fields, threshold, where)
        fields["votes"] = FrozenDict()
        fields["permanent"] = ()
        fields["status"] = fields["status"] or _STATUS_WITHOUT_VOTES
    return RecordedVote(**fields, source=source)


def record_files(history: History) -> list[str]:
    """The extra record files ``history``'s texts come from, in order, as their user gave them.

    Read back from each text's ``source`` (``"drafts.csv:2; member votes votes.csv"``), so that
    a call such as ``load_history(records=[...])`` can be written out again.
    """
    files: list[str] = []
    for vote in history:
        if vote.source != BUNDLED:
            drafts, _, votes = vote.source.partition(_VOTES_FROM)
            for name in (drafts.rpartition(":")[0], *filter(None, votes.split(", "))):
                if name not in files:
                    files.append(name)
    return files


def load_history(*, records: Iterable[str | os.PathLike] = ()) -> History:
    """Return the bundled record of Council votes, verified against ``MANIFEST.toml``.

    Parsed once per process and cached; the returned :class:`History` is immutable, so sharing it
    is safe.

    Parameters
    ----------
    records : iterable of path-like, optional
        Users' drafts and votes files in the bundled layout, for votes the shipped record does
        not have yet (:mod:`councilsim.history.extra` lists the columns and checks). Their texts
        are added, each with ``source`` naming its file and line; rows repeating a bundled text
        are merged when identical and refused when they differ.

    Returns
    -------
    History
        Every text put to the vote, 1946 to 2025 (and the extra records'), sorted by date then
        ``vote_id``.

    Raises
    ------
    RecordIntegrityError
        When a bundled file's SHA-256 or row count differs from the manifest.
    councilsim.history.extra.ExtraRecordError
        For a row of an extra file that fails a check (file, line, column, what is allowed).
    """
    bundled = bundled_history()
    paths = [records] if isinstance(records, str | os.PathLike) else list(records)
    if not paths:
        return bundled
    return History((*bundled, *read_extra_records(paths, bundled=bundled)))
