"""What is known about a recorded text before its vote, as the vote model reads it.

One :class:`TextContext` per text: its sponsors on the Council (empty when unknown: never a
signal), whether a rival text on the same agenda item was put to the vote the same day, whether
it is an amendment, its agenda topic groups, and the agenda item's recent history (a failed
text, each member's recent "no"). Everything is built from the text itself and from texts dated
strictly *before* it, except the rival flag, which only says that competing drafts were tabled
for the same meeting (known before the vote). The facts are those of
:mod:`councilsim.history.features`, read as the vote model uses them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from councilsim._bundled import read_record
from councilsim.history._topics import (
    TOPIC_GROUPS,
    normalise_text,
    searchable,
    topic_group_regexes,
)
from councilsim.history.record import History, RecordedVote, seats_and_threshold
from councilsim.models import DEFAULT_CAMPS

__all__ = [
    "CAMPS",
    "UNUSABLE_STATUSES",
    "TextContext",
    "agenda_groups",
    "context_from_facts",
    "last_votes_before",
    "last_votes_table",
    "sponsor_codes",
    "topic_groups",
    "usable",
]

#: Default camps of sponsors: a member's response to a text depends on which camp tabled it.
#: The sponsor camps the calibration learns responses to: the scenario default (models).
CAMPS: Mapping[str, tuple[str, ...]] = DEFAULT_CAMPS
#: Statuses SOURCE.md says not to use for calibration.
UNUSABLE_STATUSES = frozenset({"incomplete", "suspect_1995", "label_unconfirmed"})
#: Sponsor names that stand for every elected member of the Council.
_ELECTED_ALIASES = frozenset({"e10", "elected members"})
#: Forms of a member's name that sponsor lists use and the record's two names of each member
#: (``member_name_wikipedia``, ``member_name_un``) do not: full formal names, other orders and
#: spellings, names adopted after the member last sat.
_NAME_FORMS = {
    "United States of America": "USA",
    "United Kingdom of Great Britain and Northern Ireland": "GBR",
    "Cote d'Ivoire": "CIV",
    "Czechia": "CZE",
    "Plurinational State of Bolivia": "BOL",
    "Bolivarian Republic of Venezuela": "VEN",
    "Cabo Verde": "CPV",
    "North Macedonia": "MKD",
    "Iran (Islamic Republic of)": "IRN",
}


def usable(vote: RecordedVote) -> bool:
    """Whether a recorded vote can be calibrated on or predicted.

    That is a real vote with a complete member-level record: not adopted without a vote, not
    ``incomplete`` or ``suspect_1995``, and listing at least as many seats as votes needed.
    """
    if not vote.votes or vote.modality == "without_vote" or vote.status in UNUSABLE_STATUSES:
        return False
    # Fewer seats than votes needed: RecordedVote.council() refuses it.
    return len(vote.votes) >= seats_and_threshold(vote.date)[1]


@cache
def _group_regexes() -> tuple[tuple[str, Any, Any], ...]:
    return tuple((name, *topic_group_regexes(name)) for name in TOPIC_GROUPS)


@cache
def _agenda_groups(topic: str) -> tuple[str, ...]:
    text = searchable(topic, "")
    return tuple(
        name
        for name, include, exclude in _group_regexes()
        if include.search(text) and not (exclude is not None and exclude.search(text))
    )


def topic_groups(topic: str) -> tuple[str, ...]:
    """The topic groups of an agenda wording (what :func:`agenda_groups` reads of a vote)."""
    return _agenda_groups(topic)


def agenda_groups(vote: RecordedVote) -> tuple[str, ...]:
    """Return the topic groups a text belongs to by its agenda wording alone.

    The groups are those of :data:`~councilsim.history.TOPIC_GROUPS`.

    :meth:`History.filter` also searches the title, but the record has titles only for adopted
    resolutions: classifying a text to be *predicted* by its title would leak its outcome. This
    function is what predictions use.
    """
    return _agenda_groups(vote.topic)


@cache
def _name_codes() -> Mapping[str, str]:
    rows = read_record("members_by_year")
    names = {row[column]: row["seat_code"] for row in rows
             for column in ("member_name_wikipedia", "member_name_un")}
    names.update(_NAME_FORMS)
    return MappingProxyType({normalise_text(k): v for k, v in names.items()})






@dataclass(frozen=True)
class TextContext:
    """Pre-vote facts about one text.

    Attributes
    ----------
    sponsors : frozenset of str
        Seat codes of the Council members among the sponsors (empty when unknown).
    sponsors_known : bool
        Whether the record lists sponsors at all.
    rival : bool
        Another (non-amendment) text on the same agenda item was put to the vote the same day.
    amendment : bool
        The text amends another.
    topics : tuple of str
        Agenda topic groups (:func:`~councilsim.history.agenda_groups`).
    item_failures : int
        Texts on the same agenda item that failed in the few years before
        (:data:`~councilsim.history.features.LOOKBACK_YEARS`).
    topic_vetoes : int
        Texts sharing a topic group that were vetoed in that time.
    """

    sponsors: frozenset[str] = frozenset()
    sponsors_known: bool = False
    rival: bool = False
    amendment: bool = False
    topics: tuple[str, ...] = ()
    item_failures: int = 0
    topic_vetoes: int = 0


def sponsor_codes(vote: RecordedVote) -> frozenset[str]:
    """Seat codes of the Council members (of this vote) among the text's sponsors.

    Names are matched with the record's own normalisation (a back-tick reads as an apostrophe);
    ``E10`` stands for every elected member.
    """
    if not vote.sponsors:
        return frozenset()
    table = _name_codes()
    codes = set()
    for name in vote.sponsors:
        key = normalise_text(name)
        if key in _ELECTED_ALIASES:
            codes.update(code for code in vote.votes if code not in vote.permanent)
        elif (code := table.get(key)) is not None:
            codes.add(code)
    return frozenset(code for code in codes if code in vote.votes)


def context_from_facts(facts: Any) -> TextContext:
    """The :class:`TextContext` of :class:`~councilsim.history.features.PreVoteFacts`."""
    return TextContext(
        sponsors=facts.sponsors,
        sponsors_known=facts.sponsors_known,
        rival=facts.rival_draft,
        amendment=facts.amendment,
        topics=facts.topics,
        item_failures=facts.item_failures,
        topic_vetoes=facts.topic_vetoes,
    )


def last_votes_table(
    votes: Sequence[RecordedVote],
    *,
    letters: Sequence[str] = ("Y", "N", "A"),
    fallback: str | None = None,
) -> list[dict[str, str]]:
    """Return, for each vote, each member's last vote on the vote's topic.

    That is its last vote (one of ``letters``) on an earlier-dated text sharing an agenda topic
    group (empty when the text has no group). Among texts of the same earlier date, the last in
    record order counts. With a ``fallback``, a member with no such vote takes its last vote on
    any earlier-dated text, else ``fallback`` (the backtest's persistence forecast); without
    one it is left out of the row (calibration's lag effects).
    """
    last: dict[tuple[str, str], tuple[dt.date, str]] = {}
    anything: dict[str, str] = {}
    out = []
    pending: list[tuple[RecordedVote, tuple[str, ...]]] = []
    current_date = None
    for vote in votes:
        if vote.date != current_date:
            # Votes of the same day are not known to each other in order: commit them together.
            for done, groups in pending:
                cast = {code: letter for code, letter in done.votes.items() if letter in letters}
                for group in groups:
                    for code, letter in cast.items():
                        last[(group, code)] = (done.date, letter)
                anything.update(cast)
            pending = []
            current_date = vote.date
        groups = agenda_groups(vote)
        row: dict[str, str] = {}
        for code in vote.votes:
            best = None
            for group in groups:
                seen = last.get((group, code))
                if seen is not None and (best is None or seen[0] > best[0]):
                    best = seen
            if best is not None:
                row[code] = best[1]
            elif fallback is not None:
                row[code] = anything.get(code, fallback)
        out.append(row)
        pending.append((vote, groups))
    return out


def last_votes_before(history: History, vote: RecordedVote) -> dict[str, str]:
    """Return each member's last recorded vote (Y/N/A) on the topic of ``vote``.

    The texts considered are dated strictly before ``vote`` and share one of its agenda topic
    groups; among texts of the same date, the last in record order counts.
    """
    groups = set(agenda_groups(vote))
    found: dict[str, str] = {}
    if not groups:
        return found
    for past in reversed(history.filter(before=vote.date)):
        if not usable(past) or not groups.intersection(agenda_groups(past)):
            continue
        for code, letter in past.votes.items():
            if code in vote.votes and code not in found and letter in ("Y", "N", "A"):
                found[code] = letter
        if len(found) == len(vote.votes):
            break
    return found
