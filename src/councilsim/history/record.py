"""The bundled record of Security Council votes as typed, verified, immutable objects.

The package ships the historical record (``data/unsc/*.csv.gz``, described in ``SOURCE.md``).
:func:`load_history` reads it once, checks every file against ``MANIFEST.toml`` (SHA-256 and row
count) and returns a :class:`History`: one :class:`RecordedVote` per text put to the vote, sorted
by date.

Examples
--------
>>> from councilsim.history import load_history
>>> history = load_history()
>>> len(history)
3144
>>> history["S/RES/84(1950)"].votes["RUS"]  # the USSR was absent
'X'
>>> [vote.vote_id for vote in history.filter(topic="dprk", since=2024)]
['S/2024/255']
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, NamedTuple, NoReturn, overload

from councilsim._bundled import member_names_by_code
from councilsim._frozen import FrozenDict
from councilsim.errors import InputError, NotFoundError
from councilsim.history._storage import (
    RECORD_FILES,
    RecordIntegrityError,
    column_positions,
    read_verified_tables,
    verify_record,
)
from councilsim.history._topics import TOPIC_GROUPS, normalise_text, topic_test
from councilsim.models import Council

__all__ = [
    "BUNDLED",
    "ITEM_TYPES",
    "RECORD_FILES",
    "TOPIC_GROUPS",
    "History",
    "RecordIntegrityError",
    "RecordedVote",
    "Tally",
    "bundled_history",
    "verify_record",
]

#: Kinds of text put to the vote (``item_type`` in ``drafts.csv``).
ITEM_TYPES = ("resolution", "draft", "amendment")

#: ``RecordedVote.source`` of the texts of the shipped record.
BUNDLED = "bundled"

# The enlarged Council (15 seats, 9 votes to adopt; Charter amendment in force 31 August 1965)
# first sat on 1 January 1966. Every member-level record before that date lists 11 seats.
ENLARGEMENT = dt.date(1966, 1, 1)


def seats_and_threshold(date: dt.date) -> tuple[int, int]:
    """Seats of the Council and yes votes needed to adopt on ``date`` (11 and 7, then 15 and 9)."""
    return (11, 7) if date < ENLARGEMENT else (15, 9)


_EMPTY_VOTES: Mapping[str, str] = FrozenDict()


class Tally(NamedTuple):
    """Counts of a vote as printed by the sources (recomputed from member votes when listed).

    A field is ``None`` when the source gives no figure (several 1946-47 votes, and
    ``non_voting`` for most early ones).
    """

    yes: int | None
    no: int | None
    abstain: int | None
    non_voting: int | None


@dataclass(frozen=True, slots=True)
class RecordedVote:
    """One text put to the vote in the Security Council, as the bundled record has it.

    Parameters
    ----------
    vote_id : str
        Unique key: ``S/RES/n(yyyy)`` for resolutions, the draft symbol for failed drafts
        (``#2`` marks a second vote on the same symbol), ``S/PV.n@date`` for early votes without a
        symbol, ``VA<id>:...`` for Voting-Agent items without a usable symbol.
    date : datetime.date
        Date of the meeting.
    symbol : str
        Document symbol of the text (the resolution symbol once adopted).
    item_type : {'resolution', 'draft', 'amendment'}
        Adopted resolution, failed draft resolution, or amendment (amendments only from 1994).
    adopted : bool
        Whether the text was adopted.
    topic : str
        Agenda item: the DHL wording, or the Voting-Agent agenda item (sometimes only a
        document symbol, e.g. for the written-procedure votes of 2020).
    title : str
        UN Digital Library title (adopted resolutions 1946-2021); empty when there is none.
    sponsors : tuple of str
        Submitting states from the Voting-Agent file (1994 on), lightly cleaned (split into
        names, spreadsheet artefacts and leading "the" removed); ``("President",)`` for a
        presidential text; empty when unknown.
    vetoed_by : tuple of str
        Seat codes of permanent members whose "no" vetoed a text that had the required majority
        (the DHL's sense of veto), sorted; ``RUS`` stands for the USSR's seat as in ``votes``.
    procedural : bool
        True for the ten resolutions adopted over a permanent member's "no" (``procedural_inferred``
        in ``drafts.csv``): procedural decisions under Art. 27(2), to which no veto applies.
    modality : {'vote', 'without_vote', 'unknown'}
        ``without_vote``: adopted without a vote (the UN DL then lists every member as Y by
        convention, so these member votes are not a vote count).
    status : str
        ``member_votes_status``: how far the member-level votes are confirmed (``agrees_with_dhl``,
        ``single_source``, ``conflicts_with_dhl``, ``incomplete``, ``suspect_1995``, ``none``, ...;
        see ``SOURCE.md``).
    votes : dict of str to str
        Each seat's vote, ``"Y"``, ``"N"``, ``"A"`` (abstained) or ``"X"`` (did not vote), keyed
        by seat code, permanent seats first. Read-only. Empty when there is no member-level record
        (most failed drafts before 1994).
    permanent : tuple of str
        Seat codes of the permanent members in the member-level record, whatever their vote
        (an absent permanent member, "X", is still listed). Empty without a member-level record.
    meeting : str
        Meeting record symbol, ``S/PV.n``.
    tally : Tally
        Yes, no, abstain and non-voting counts as the record gives them; available also for
        texts without member-level votes.
    notes : str
        Cleaning notes from the record (e.g. the DHL's differing count for ``conflicts_with_dhl``).
    source : str
        Where the text comes from: ``"bundled"`` for the shipped record, else the user's drafts
        file and line (``"extra-drafts.csv:2; member votes extra-votes.csv"``), see
        :func:`load_history`'s ``records``.
    """

    vote_id: str
    date: dt.date
    symbol: str
    item_type: str
    adopted: bool
    topic: str
    title: str
    sponsors: tuple[str, ...]
    vetoed_by: tuple[str, ...]
    procedural: bool
    modality: str
    status: str
    votes: Mapping[str, str]
    permanent: tuple[str, ...]
    meeting: str = ""
    tally: Tally = Tally(None, None, None, None)
    notes: str = ""
    source: str = BUNDLED

    @property
    def has_member_votes(self) -> bool:
        """Whether each member's vote is on record."""
        return bool(self.votes)

    @property
    def vetoed(self) -> bool:
        """Whether a permanent member's "no" defeated the text (DHL veto list)."""
        return bool(self.vetoed_by)

    @property
    def outcome(self) -> str:
        """``"adopted"``, ``"vetoed"``, or ``"failed"`` (short of votes, or no veto recorded)."""
        return "adopted" if self.adopted else "vetoed" if self.vetoed_by else "failed"

    def member_names(self) -> dict[str, str]:
        """Each seat's member name as the UN wrote it in the year of the vote, by seat code.

        From :meth:`Council.unsc` of the vote's year (``members_by_year.csv``'s UN names); a
        seat that table does not list that year keeps its latest recorded name, else its code.
        """
        known = _names_of_year(self.date.year)
        return {
            code: known.get(code) or (member_names_by_code().get(code) or (code,))[0]
            for code in self.votes
        }

    def to_dict(self, *, members: bool = False) -> dict[str, Any]:
        """Return the text as plain data (JSON-ready).

        Parameters
        ----------
        members : bool, default False
            Add ``"members"``: one entry per seat with its code, name, whether permanent, and
            vote.
        """
        data: dict[str, Any] = {
            "vote_id": self.vote_id,
            "date": self.date.isoformat(),
            "symbol": self.symbol,
            "item_type": self.item_type,
            "outcome": self.outcome,
            "adopted": self.adopted,
            "yes": self.tally.yes,
            "no": self.tally.no,
            "abstain": self.tally.abstain,
            "non_voting": self.tally.non_voting,
            "vetoed_by": list(self.vetoed_by),
            "procedural": self.procedural,
            "modality": self.modality,
            "meeting": self.meeting,
            "topic": self.topic,
            "title": self.title,
            "sponsors": list(self.sponsors),
            "status": self.status,
            "notes": self.notes,
            "source": self.source,
        }
        if members:
            names = self.member_names()
            data["members"] = [
                {
                    "code": code,
                    "name": names[code],
                    "permanent": code in self.permanent,
                    "vote": letter,
                }
                for code, letter in self.votes.items()
            ]
        return data

    def council(self) -> Council:
        """Return the Council that cast this vote, built from the member-level record itself.

        Members are the seats listed for this vote (permanent first), veto holders the permanent
        ones, and the threshold 7 before 1966 (11 seats) and 9 from 1966 (15 seats). The yearly
        membership table is not used: members changing mid-year make it imprecise.

        Returns
        -------
        Council

        Raises
        ------
        ValueError
            When there is no member-level record, or it lists fewer seats than the votes needed
            to adopt (an incomplete record such as S/RES/2781(2025)).

        Examples
        --------
        >>> council = load_history()["S/RES/84(1950)"].council()
        >>> council.seats, council.threshold
        (11, 7)
        """
        if not self.votes:
            raise InputError(
                f"{self.vote_id} ({self.date}) has no member-level record (status "
                f"{self.status!r}); Council.unsc({self.date.year}) gives that year's composition "
                "from the membership table"
            )
        threshold = seats_and_threshold(self.date)[1]
        if len(self.votes) < threshold:
            raise InputError(
                f"{self.vote_id} ({self.date}): the member-level record lists only "
                f"{len(self.votes)} seats ({', '.join(self.votes)}; status {self.status!r}), "
                f"fewer than the {threshold} votes needed to adopt, so it cannot describe the "
                "Council that voted"
            )
        return _shared_council(tuple(self.votes), self.permanent, threshold)


@cache
def _names_of_year(year: int) -> Mapping[str, str]:
    try:
        return MappingProxyType(Council.unsc(year).names)
    except ValueError:  # a year the membership table does not cover
        return MappingProxyType({})


@cache
def _shared_council(
    members: tuple[str, ...], veto_holders: tuple[str, ...], threshold: int
) -> Council:
    # Most votes of a year share one composition; Council is frozen, so sharing is safe.
    return Council(members=members, veto_holders=veto_holders, threshold=threshold)


# --------------------------------------------------------------------------------------------
# Building the votes from the verified files
# --------------------------------------------------------------------------------------------

# Country names that themselves contain " and ", so a sponsor list "A and B" is split only
# elsewhere.
_COMPOUND_NAMES = frozenset(
    name.casefold()
    for name in (
        "Antigua and Barbuda",
        "Bosnia and Herzegovina",
        "Saint Kitts and Nevis",
        "Saint Vincent and the Grenadines",
        "Sao Tome and Principe",
        "Trinidad and Tobago",
        "United Kingdom of Great Britain and Northern Ireland",
    )
)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_FOOTNOTE = re.compile(r"\s*\(\d+\)$")  # "United States (64)": a footnote number in the source


def _without_the(name: str) -> str:
    return _LEADING_THE.sub("", name)


def split_sponsors(text: str) -> tuple[str, ...]:
    # "_x000D_" is a carriage return escaped by the spreadsheet the list came from.
    text = text.replace("_x000D_", " ")
    names: list[str] = []
    for part in text.split(","):
        part = " ".join(part.split()).strip(" .\"'")
        pieces = part.split(" and ")
        merged: list[str] = []
        for piece in pieces:
            if merged and f"{_without_the(merged[-1])} and {piece}".casefold() in _COMPOUND_NAMES:
                merged[-1] = f"{merged[-1]} and {piece}"
            else:
                merged.append(piece)
        for name in merged:
            name = _FOOTNOTE.sub("", _without_the(name.strip(" .\"'")))
            if name and name != "-none-":
                names.append(name)
    return tuple(names)


_DRAFT_COLUMNS = (
    "vote_id",
    "date",
    "meeting",
    "item_type",
    "symbol",
    "adopted",
    "yes",
    "no",
    "abstain",
    "non_voting",
    "modality",
    "procedural_inferred",
    "vetoed_by",
    "topic",
    "title",
    "sponsors",
    "member_votes_status",
    "notes",
)
_VOTE_COLUMNS = ("vote_id", "member_code", "seat_code", "permanent", "vote")


class _Built(NamedTuple):
    votes: tuple[RecordedVote, ...]
    seat_codes: frozenset[str]
    member_codes: Mapping[str, str]  # historical member code -> seat code, where they differ


def _build_votes(
    drafts: tuple[list[str], list[list[str]]], votes: tuple[list[str], list[list[str]]]
) -> _Built:
    d = column_positions(drafts[0], "drafts", _DRAFT_COLUMNS)
    v = column_positions(votes[0], "votes", _VOTE_COLUMNS)

    # One pass over the 42k member rows, grouping them by text; everything else works per text.
    grouped: dict[str, list[list[str]]] = {}
    i_id = v["vote_id"]
    for row in votes[1]:
        bucket = grouped.get(row[i_id])
        if bucket is None:
            grouped[row[i_id]] = bucket = []
        bucket.append(row)
    dangling = grouped.keys() - {row[d["vote_id"]] for row in drafts[1]}
    if dangling:
        raise RecordIntegrityError(
            "votes.csv.gz",
            "dangling vote_id",
            "every vote_id also in drafts.csv.gz",
            ", ".join(sorted(dangling)[:5]),
        )

    i_member, i_seat, i_perm, i_vote = (
        v[k] for k in ("member_code", "seat_code", "permanent", "vote")
    )
    seat_of_member: dict[str, str] = {}
    seat_codes: set[str] = set()
    member_votes_of: dict[str, tuple[Mapping[str, str], tuple[str, ...]]] = {}
    for vote_id, rows in grouped.items():
        permanent = [row for row in rows if row[i_perm] == "True"]
        elected = [row for row in rows if row[i_perm] != "True"]
        # Permanent seats first (stable), as Council.unsc orders them.
        member_votes_of[vote_id] = (
            FrozenDict({row[i_seat]: row[i_vote] for row in permanent + elected}),
            tuple(sorted(row[i_seat] for row in permanent)),
        )
        for row in rows:
            if row[i_member] != row[i_seat]:
                seat_of_member[row[i_member]] = row[i_seat]
            seat_codes.add(row[i_seat])

    (
        i_vote_id,
        i_date,
        i_symbol,
        i_type,
        i_adopted,
        i_topic,
        i_title,
        i_sponsors,
        i_vetoed,
        i_procedural,
        i_modality,
        i_status,
        i_meeting,
        i_notes,
    ) = (
        d[k]
        for k in (
            "vote_id",
            "date",
            "symbol",
            "item_type",
            "adopted",
            "topic",
            "title",
            "sponsors",
            "vetoed_by",
            "procedural_inferred",
            "modality",
            "member_votes_status",
            "meeting",
            "notes",
        )
    )
    i_counts = [d[k] for k in ("yes", "no", "abstain", "non_voting")]
    no_votes: tuple[Mapping[str, str], tuple[str, ...]] = (_EMPTY_VOTES, ())
    records = []
    for row in drafts[1]:
        member_votes, permanent_seats = member_votes_of.get(row[i_vote_id], no_votes)
        vetoers = row[i_vetoed]
        records.append(
            RecordedVote(
                vote_id=row[i_vote_id],
                date=dt.date.fromisoformat(row[i_date]),
                symbol=row[i_symbol],
                item_type=row[i_type],
                adopted=row[i_adopted] == "True",
                topic=row[i_topic],
                title=row[i_title].strip(),
                sponsors=split_sponsors(row[i_sponsors]) if row[i_sponsors] else (),
                # The DHL lists the USSR as SUN; use seat codes, as in ``votes``.
                vetoed_by=tuple(sorted(seat_of_member.get(c, c) for c in vetoers.split(";")))
                if vetoers
                else (),
                procedural=row[i_procedural] == "True",
                modality=row[i_modality],
                status=row[i_status],
                votes=member_votes,
                permanent=permanent_seats,
                meeting=row[i_meeting],
                tally=Tally(*(int(row[i]) if row[i] else None for i in i_counts)),
                notes=row[i_notes],
            )
        )
    return _Built(tuple(records), frozenset(seat_codes), MappingProxyType(seat_of_member))


class _Record(NamedTuple):
    history: History
    exceptions: Mapping[str, str]  # rule_check_exceptions: vote_id -> member_votes_status
    seat_codes: frozenset[str]
    member_codes: Mapping[str, str]  # historical member code -> seat code, where they differ


@cache
def load_record() -> _Record:
    # Parsing allocates some 100,000 small lists and tuples, none of them in reference cycles;
    # the cyclic collector's passes over them would only add about half to the load time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse_record()
    finally:
        if collecting:
            gc.enable()


def _parse_record() -> _Record:
    tables = read_verified_tables()
    built = _build_votes(tables["drafts"], tables["votes"])
    header, rows = tables["rule_check_exceptions"]
    cols = column_positions(header, "rule_check_exceptions", ("vote_id", "status"))
    exceptions = MappingProxyType({row[cols["vote_id"]]: row[cols["status"]] for row in rows})
    return _Record(History(built.votes), exceptions, built.seat_codes, built.member_codes)


def bundled_history() -> History:
    """The bundled record alone, verified and cached (see :func:`councilsim.history.load_history`).

    The default record of the calibration, the backtest and the replay.
    """
    return load_record().history


def _clear_cache() -> None:
    """Forget the parsed record (tests that substitute the data files use this)."""
    load_record.cache_clear()


# --------------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------------

DateLike = dt.date | str | int


def as_date(value: DateLike, argument: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.date(value, 1, 1)
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date(int(text), 1, 1) if text.isdigit() else dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise InputError(
        f"{argument}={value!r} is not a date; give a datetime.date, an ISO date string such as "
        "'2017-09-11', or a year such as 2017 (meaning 1 January)"
    )


class History(Sequence[RecordedVote]):
    """An immutable, date-ordered collection of :class:`RecordedVote`.

    Index it by position (``history[0]``, slices give a History) or by vote id
    (``history["S/RES/2375(2017)"]``). :meth:`filter` selects; :meth:`summary` describes.

    Parameters
    ----------
    votes : iterable of RecordedVote
        The votes; they are sorted by date then ``vote_id``, and ids must be unique.
    """

    __slots__ = ("_votes", "_index")
    _votes: tuple[RecordedVote, ...]
    _index: Mapping[str, int]

    def __init__(self, votes: Iterable[RecordedVote] = ()) -> None:
        self._set(tuple(sorted(votes, key=lambda vote: (vote.date, vote.vote_id))))

    def _set(self, ordered: tuple[RecordedVote, ...]) -> None:
        index: dict[str, int] = {}
        for position, vote in enumerate(ordered):
            if vote.vote_id in index:
                raise InputError(f"vote_id {vote.vote_id!r} occurs twice; ids must be unique")
            index[vote.vote_id] = position
        object.__setattr__(self, "_votes", ordered)
        object.__setattr__(self, "_index", MappingProxyType(index))

    @classmethod
    def _from_sorted(cls, ordered: tuple[RecordedVote, ...]) -> History:
        # A subset of a sorted History is sorted: skip the sort.
        new = cls.__new__(cls)
        new._set(ordered)
        return new

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"History is immutable; use filter() to make a new one ({name!r})")

    def __len__(self) -> int:
        return len(self._votes)

    def __iter__(self) -> Iterator[RecordedVote]:
        return iter(self._votes)

    @overload
    def __getitem__(self, key: int | str) -> RecordedVote: ...

    @overload
    def __getitem__(self, key: slice) -> History: ...

    def __getitem__(self, key: int | str | slice) -> RecordedVote | History:
        """Return a vote by position or by ``vote_id``; a slice gives a History."""
        if isinstance(key, str):
            position = self._index.get(key)
            if position is None:
                # Symbols are often written with a space: "S/RES/2375 (2017)".
                position = self._index.get("".join(key.split()))
            if position is None:
                close = difflib.get_close_matches(key, self._index, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise NotFoundError(
                    f"no recorded vote with id {key!r}{hint} (ids look like 'S/RES/84(1950)' "
                    "or 'S/2022/155')"
                )
            return self._votes[position]
        if isinstance(key, slice):
            return History._from_sorted(self._votes[key])
        try:
            return self._votes[key]
        except IndexError:
            raise NotFoundError(f"no recorded vote at position {key}; the history holds "
                                f"{len(self._votes)}") from None

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return item in self._index
        return (
            isinstance(item, RecordedVote)
            and self._index.get(item.vote_id) is not None
            and (self._votes[self._index[item.vote_id]] == item)
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self._votes == other._votes

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if not self._votes:
            return "History(0 texts)"
        return (
            f"History({len(self)} texts, {self._votes[0].date.isoformat()} to "
            f"{self._votes[-1].date.isoformat()})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (History, (self._votes,))

    @property
    def vote_ids(self) -> tuple[str, ...]:
        """The ids of the votes, in order."""
        return tuple(vote.vote_id for vote in self._votes)

    def filter(
        self,
        *,
        since: DateLike | None = None,
        before: DateLike | None = None,
        topic: str | None = None,
        member: str | None = None,
        with_member_votes: bool | None = None,
        item_type: str | Collection[str] | None = None,
        adopted: bool | None = None,
        vetoed: bool | None = None,
        vetoed_by: str | None = None,
        sponsor: str | None = None,
        symbol: str | None = None,
        text: str | None = None,
    ) -> History:
        """Select votes; every condition given must hold.

        Parameters
        ----------
        since : datetime.date, str or int, optional
            First date included: a date, an ISO string (``"2017-09-11"``), or a year (1 January).
        before : datetime.date, str or int, optional
            First date excluded, same forms: ``since=2006, before=2025`` is 2006 to 2024.
        topic : str, optional
            A name in :data:`TOPIC_GROUPS` (e.g. ``"dprk"``, ``"syria"``), matched against topic
            and title; any other text is a case-insensitive substring of the topic.
        member : str, optional
            Seat code that sat on the Council for the vote (``"RUS"`` also for the USSR). Only
            votes with a member-level record can match.
        with_member_votes : bool, optional
            Keep only votes with (True) or without (False) a member-level record.
        item_type : str or collection of str, optional
            ``"resolution"``, ``"draft"``, ``"amendment"``, or several of them.
        adopted : bool, optional
            Keep only adopted (True) or failed (False) texts.
        vetoed : bool, optional
            Keep only vetoed (True) or not vetoed (False) texts (``vetoed_by``: the DHL's sense,
            a permanent member's no on a text with the required majority).
        vetoed_by : str, optional
            Seat code of a permanent member that vetoed the text (``SUN`` is read as ``RUS``).
        sponsor : str, optional
            A seat code (``"USA"``: the member under any name the record gives it) or part of a
            sponsor's name (``"korea"``); case, accents and the kind of apostrophe are ignored.
        symbol : str, optional
            Part of the document symbol or vote id (``"S/2017/"``), spaces and case ignored.
        text : str, optional
            Words looked for in the symbol, agenda topic, title and sponsors (all must occur).

        Returns
        -------
        History

        Raises
        ------
        ValueError
            For a date that cannot be read, an unknown item type, or a member code that never sat
            on the Council.

        Examples
        --------
        >>> dprk = load_history().filter(topic="dprk", since=2006, before=2025)
        >>> dprk[-1].vote_id, dprk[-1].vetoed_by
        ('S/2024/255', ('RUS',))
        """
        tests: list[Callable[[RecordedVote], bool]] = []
        if since is not None:
            first = as_date(since, "since")
            tests.append(lambda vote: vote.date >= first)
        if before is not None:
            end = as_date(before, "before")
            tests.append(lambda vote: vote.date < end)
        if topic is not None:
            tests.append(topic_test(topic))
        if member is not None:
            seat = _seat_code(member)
            tests.append(lambda vote: seat in vote.votes)
        if with_member_votes is not None:
            wanted = bool(with_member_votes)
            tests.append(lambda vote: bool(vote.votes) is wanted)
        if item_type is not None:
            kinds = {item_type} if isinstance(item_type, str) else set(item_type)
            unknown = sorted(kinds - set(ITEM_TYPES))
            if unknown:
                raise InputError(
                    f"unknown item_type {', '.join(map(repr, unknown))}; allowed: "
                    f"{', '.join(ITEM_TYPES)}"
                )
            tests.append(lambda vote: vote.item_type in kinds)
        if adopted is not None:
            outcome = bool(adopted)
            tests.append(lambda vote: vote.adopted is outcome)
        if vetoed is not None:
            wanted_veto = bool(vetoed)
            tests.append(lambda vote: vote.vetoed is wanted_veto)
        if vetoed_by is not None:
            vetoer = _vetoer_code(vetoed_by)
            tests.append(lambda vote: vetoer in vote.vetoed_by)
        if sponsor is not None:
            tests.append(_sponsor_test(sponsor))
        if symbol is not None:
            part = "".join(symbol.split()).casefold()
            if not part:
                raise InputError("symbol must not be empty")
            tests.append(
                lambda vote: part in vote.symbol.casefold() or part in vote.vote_id.casefold()
            )
        if text is not None:
            words = _plain(text).split()
            if not words:
                raise InputError("text must not be empty")
            tests.append(
                lambda vote: all(
                    word in _plain(
                        f"{vote.vote_id} {vote.symbol} {vote.topic} {vote.title} "
                        + " ".join(vote.sponsors)
                    )
                    for word in words
                )
            )
        return History._from_sorted(
            tuple(vote for vote in self._votes if all(test(vote) for test in tests))
        )

    def counts(self) -> dict[str, Any]:
        """Return the counts behind :meth:`summary`.

        Returns
        -------
        dict
            ``texts``, ``adopted``, ``failed``, ``vetoed``, ``with_member_votes``,
            ``procedural``, ``first`` and ``last`` (dates, None when empty).
        """
        votes = self._votes
        return {
            "texts": len(votes),
            "adopted": sum(vote.adopted for vote in votes),
            "failed": sum(not vote.adopted for vote in votes),
            "vetoed": sum(vote.vetoed for vote in votes),
            "with_member_votes": sum(vote.has_member_votes for vote in votes),
            "procedural": sum(vote.procedural for vote in votes),
            "first": votes[0].date if votes else None,
            "last": votes[-1].date if votes else None,
        }

    def summary(self) -> str:
        """Describe the votes: how many texts, outcomes, vetoes, date range."""
        c = self.counts()
        if not c["texts"]:
            return "History: no recorded votes"
        return "\n".join(
            [
                f"History: {c['texts']} texts put to the vote, {c['first']} to {c['last']}",
                f"  adopted            {c['adopted']:>6}  (of which procedural: {c['procedural']})",
                f"  failed             {c['failed']:>6}  (of which vetoed: {c['vetoed']})",
                f"  with member votes  {c['with_member_votes']:>6}",
            ]
        )

    def to_frame(self, *, member_votes: bool = False) -> Any:
        """Return the votes as a pandas DataFrame.

        Parameters
        ----------
        member_votes : bool, default False
            False: one row per text (tuples joined with ``";"``, the tally as four columns).
            True: one row per (text, seat) of the member-level record, with the seat's vote.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ImportError
            When pandas is not installed.
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "History.to_frame() needs pandas: pip install pandas "
                "(or pip install 'councilsim[frame]')"
            ) from None
        if member_votes:
            rows = [
                {
                    "vote_id": vote.vote_id,
                    "date": vote.date,
                    "item_type": vote.item_type,
                    "adopted": vote.adopted,
                    "procedural": vote.procedural,
                    "seat_code": seat,
                    "permanent": seat in vote.permanent,
                    "vote": letter,
                    "status": vote.status,
                }
                for vote in self._votes
                for seat, letter in vote.votes.items()
            ]
        else:
            rows = [
                {
                    "vote_id": vote.vote_id,
                    "date": vote.date,
                    "meeting": vote.meeting,
                    "symbol": vote.symbol,
                    "item_type": vote.item_type,
                    "adopted": vote.adopted,
                    "procedural": vote.procedural,
                    "vetoed_by": ";".join(vote.vetoed_by),
                    "yes": vote.tally.yes,
                    "no": vote.tally.no,
                    "abstain": vote.tally.abstain,
                    "non_voting": vote.tally.non_voting,
                    "modality": vote.modality,
                    "status": vote.status,
                    "has_member_votes": vote.has_member_votes,
                    "topic": vote.topic,
                    "title": vote.title,
                    "sponsors": ";".join(vote.sponsors),
                    "source": vote.source,
                }
                for vote in self._votes
            ]
        frame = pd.DataFrame(rows)
        if not frame.empty:
            frame["date"] = pd.to_datetime(frame["date"])
            for column in ("yes", "no", "abstain", "non_voting"):
                if column in frame:
                    frame[column] = frame[column].astype("Int64")  # missing counts stay <NA>
        return frame


_PERMANENT_SEATS = ("CHN", "FRA", "GBR", "RUS", "USA")


def _vetoer_code(code: str) -> str:
    seat = code.strip().upper()
    seat = "RUS" if seat == "SUN" else seat
    if seat not in _PERMANENT_SEATS:
        raise InputError(
            f"vetoed_by={code!r}: only permanent members veto; allowed: "
            f"{', '.join(_PERMANENT_SEATS)} (SUN for the USSR)"
        )
    return seat


def _plain(text: str) -> str:
    """Text for matching names: case, accents, apostrophe kinds and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", normalise_text(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _sponsor_test(sponsor: str) -> Callable[[RecordedVote], bool]:
    code = sponsor.strip().upper()
    names = member_names_by_code().get(code)
    if names is not None:
        wanted = frozenset(_plain(name) for name in names)
        return lambda vote: any(_plain(name) in wanted for name in vote.sponsors)
    needle = _plain(sponsor)
    if not needle:
        raise InputError("sponsor must not be empty")
    return lambda vote: any(needle in _plain(name) for name in vote.sponsors)


def _seat_code(member: str) -> str:
    record = load_record()
    code = member.strip().upper()
    if code in record.member_codes:
        seat = record.member_codes[code]
        raise InputError(
            f"{code} sat in the seat coded {seat!r}; use member={seat!r} (with before=... to "
            f"restrict to {code}'s years)"
        )
    if code not in record.seat_codes:
        raise InputError(
            f"{member!r} never sat on the Council in the member-level record; use ISO 3166-1 "
            "alpha-3 seat codes such as 'USA', 'RUS', 'JPN'"
        )
    return code
