"""Facts known before a recorded text is put to the vote, free of look-ahead.

:func:`pre_vote_facts` describes one text by what a forecaster could know when its vote opens:

* the text itself: whether it is an amendment (``item_type``), its agenda topic groups
  (:func:`~councilsim.history.calibration.agenda_groups`, never the title, which the record has
  only for adopted texts), who tabled it (:func:`~councilsim.history.calibration.sponsor_codes`);
* the other texts on the same agenda item put to the vote **the same day** (public when the vote
  opens: they were tabled), by their existence, kind and sponsors only — never their outcome;
* the item's history: failed and vetoed texts in the same topic groups (and on the same agenda
  wording) dated **strictly before** the text, within :data:`LOOKBACK_YEARS`.

Nothing else of the record is read: changing any text dated on or after a date leaves the facts
of every text dated before it unchanged (``tests/unit/history/test_features.py`` checks this
property).

Sponsors. An empty ``sponsors`` field means *unknown* (SOURCE.md, "Revisions"), never "nobody":
:attr:`PreVoteFacts.sponsors_known` is then False and the camp fields are ``None``. In the vector
form the camp indicators of an unknown text are 0 and the ``sponsors_known`` column carries the
difference, so a model fitted on texts before a cut-off estimates P(adopted | sponsors unknown)
from those texts alone. Because the record's researchers filled failed drafts first, missingness
is mildly related to the outcome (from 2010 on 2 of 95 failed and 69 of 908 adopted texts are
unknown): scores should also be read on the texts whose sponsors are known. The *number* of
sponsors is not a fact here (penholder rows name only the drafter).

Camps: the West is USA, GBR and FRA; the East is RUS and CHN (the USSR's seat is coded RUS).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from councilsim.history._textfacts import agenda_groups, sponsor_codes
from councilsim.history._topics import TOPIC_GROUPS, normalise_text
from councilsim.history.record import History, RecordedVote
from councilsim.models import DEFAULT_CAMPS

__all__ = [
    "CAMPS",
    "FEATURE_NAMES",
    "LOOKBACK_YEARS",
    "PreVoteFacts",
    "facts_table",
    "pre_vote_facts",
]

#: Sponsor camps: seat codes of the permanent members in each.
CAMPS: Mapping[str, frozenset[str]] = MappingProxyType(
    {name: frozenset(members) for name, members in DEFAULT_CAMPS.items()}
)
_PERMANENT = CAMPS["west"] | CAMPS["east"]
#: Years of an item's history counted (texts dated in [date - LOOKBACK_YEARS years, date)).
LOOKBACK_YEARS = 3
_LOOKBACK = dt.timedelta(days=round(365.25 * LOOKBACK_YEARS))
# Labels SOURCE.md marks as unconfirmed do not count in an item's history.
_UNCONFIRMED = "label_unconfirmed"

#: Names of the columns of :meth:`PreVoteFacts.vector`, in order (see there).
FEATURE_NAMES: tuple[str, ...] = (
    "amendment",
    "rival_draft",
    "amendment_same_day",
    "sponsors_known",
    "west_sponsor",
    "east_sponsor",
    "permanent_sponsor",
    "both_camps_sponsor",
    "arab_sponsor",
    "rival_west_sponsor",
    "rival_east_sponsor",
    "log1p_topic_failures",
    "log1p_topic_vetoes",
    "log1p_item_failures",
    *(f"topic:{name}" for name in TOPIC_GROUPS),
)


@dataclass(frozen=True)
class PreVoteFacts:
    """What is public about a text when its vote opens (see the module documentation).

    Attributes
    ----------
    vote_id : str
        The text described.
    date : datetime.date
        Its vote's date.
    agenda_item : str
        The agenda wording, normalised (case, apostrophes, spaces).
    topics : tuple of str
        Agenda topic groups (:func:`~councilsim.history.calibration.agenda_groups`).
    amendment : bool
        The text is an amendment (``item_type == "amendment"``).
    rival_draft : bool
        Another draft (not an amendment) on the same agenda item is put to the vote the same day.
    amendment_same_day : bool
        An amendment on the same agenda item is put to the vote the same day (for an amendment:
        another one).
    sponsors_known : bool
        The record names the text's sponsors (an empty field is unknown, never "none").
    sponsors : frozenset of str
        Seat codes of the Council members among the sponsors (empty when unknown or when only
        non-members sponsor).
    west_sponsor, east_sponsor, arab_sponsor, permanent_sponsor : bool or None
        A West (USA, GBR, FRA) / East (RUS, CHN) / Arab League member / any permanent member
        sponsors (camps: :data:`~councilsim.models.DEFAULT_CAMPS`); ``None`` when the sponsors
        are unknown.
    rival_camps : frozenset of str
        Camps sponsoring another text (of any kind) on the same item the same day.
    topic_failures, topic_vetoes : int
        Failed / vetoed texts sharing a topic group, dated in the :data:`LOOKBACK_YEARS` years
        before the text (same-day texts excluded).
    item_failures : int
        Failed texts on the same agenda wording in the same period.
    """

    vote_id: str
    date: dt.date
    agenda_item: str
    topics: tuple[str, ...]
    amendment: bool
    rival_draft: bool
    amendment_same_day: bool
    sponsors_known: bool
    sponsors: frozenset[str]
    west_sponsor: bool | None
    east_sponsor: bool | None
    arab_sponsor: bool | None
    permanent_sponsor: bool | None
    rival_camps: frozenset[str]
    topic_failures: int
    topic_vetoes: int
    item_failures: int

    def vector(self) -> np.ndarray:
        """The facts as floats, in the order of :data:`FEATURE_NAMES`.

        Booleans are 0/1; a camp indicator of a text with unknown sponsors is 0 (the
        ``sponsors_known`` column is 0 too); ``both_camps_sponsor`` is West and East together;
        ``rival_*_sponsor`` say a same-day text on the item is sponsored by that camp; counts
        enter as ``log(1 + count)``; then one 0/1 column per topic group of
        :data:`~councilsim.history.TOPIC_GROUPS`.
        """
        west, east = bool(self.west_sponsor), bool(self.east_sponsor)
        return np.array(
            [
                self.amendment,
                self.rival_draft,
                self.amendment_same_day,
                self.sponsors_known,
                west,
                east,
                bool(self.permanent_sponsor),
                west and east,
                bool(self.arab_sponsor),
                "west" in self.rival_camps,
                "east" in self.rival_camps,
                np.log1p(self.topic_failures),
                np.log1p(self.topic_vetoes),
                np.log1p(self.item_failures),
                *(name in self.topics for name in TOPIC_GROUPS),
            ],
            dtype=float,
        )


def _camps(codes: frozenset[str]) -> frozenset[str]:
    return frozenset(name for name, members in CAMPS.items() if codes & members)


def _facts(
    vote: RecordedVote, ordered: Sequence[RecordedVote], dates: Sequence[dt.date]
) -> PreVoteFacts:
    item = normalise_text(vote.topic)
    groups = agenda_groups(vote)
    # Same day, same agenda item: texts tabled for this sitting (their outcomes are not read).
    same_day = [
        other
        for other in ordered[
            bisect.bisect_left(dates, vote.date) : bisect.bisect_right(dates, vote.date)
        ]
        if other.vote_id != vote.vote_id and normalise_text(other.topic) == item
    ]
    # The item's history: strictly earlier dates only.
    first = bisect.bisect_left(dates, vote.date - _LOOKBACK)
    earlier = ordered[first : bisect.bisect_left(dates, vote.date)]
    topic_failures = topic_vetoes = item_failures = 0
    wanted = set(groups)
    for past in earlier:
        if past.adopted or past.status == _UNCONFIRMED:
            continue
        if wanted.intersection(agenda_groups(past)):
            topic_failures += 1
            topic_vetoes += past.vetoed
        item_failures += normalise_text(past.topic) == item
    known = bool(vote.sponsors)
    codes = sponsor_codes(vote) if known else frozenset()
    camps = _camps(codes)
    rival_camps = frozenset().union(*(_camps(sponsor_codes(other)) for other in same_day))
    return PreVoteFacts(
        vote_id=vote.vote_id,
        date=vote.date,
        agenda_item=item,
        topics=groups,
        amendment=vote.item_type == "amendment",
        rival_draft=any(other.item_type != "amendment" for other in same_day),
        amendment_same_day=any(other.item_type == "amendment" for other in same_day),
        sponsors_known=known,
        sponsors=codes,
        west_sponsor="west" in camps if known else None,
        east_sponsor="east" in camps if known else None,
        arab_sponsor="arab" in camps if known else None,
        permanent_sponsor=bool(codes & _PERMANENT) if known else None,
        rival_camps=rival_camps,
        topic_failures=topic_failures,
        topic_vetoes=topic_vetoes,
        item_failures=item_failures,
    )


def pre_vote_facts(vote: RecordedVote, history: History) -> PreVoteFacts:
    """Return the facts known about ``vote`` when its vote opens.

    Parameters
    ----------
    vote : RecordedVote
        The text; it need not be in ``history`` (a text not voted on yet, dated after it).
    history : History
        The record the facts are read from. Only texts dated before ``vote.date`` (its history)
        and texts of the same date on the same agenda item (their existence, kind and sponsors)
        are read.

    Returns
    -------
    PreVoteFacts

    Examples
    --------
    >>> from councilsim.history import load_history
    >>> history = load_history()
    >>> facts = pre_vote_facts(history["S/2019/190"], history)  # Russia's Venezuela draft
    >>> facts.rival_draft, sorted(facts.sponsors), sorted(facts.rival_camps)
    (True, ['RUS'], ['west'])
    """
    ordered = tuple(history)
    return _facts(vote, ordered, [other.date for other in ordered])


def facts_table(
    history: History, votes: Sequence[RecordedVote] | None = None
) -> dict[str, PreVoteFacts]:
    """Return :func:`pre_vote_facts` of many texts at once, keyed by ``vote_id``.

    Parameters
    ----------
    history : History
        The record the facts are read from.
    votes : sequence of RecordedVote, optional
        The texts to describe (default: every text of ``history``).

    Returns
    -------
    dict of str to PreVoteFacts
    """
    ordered = tuple(history)
    dates = [other.date for other in ordered]
    chosen = ordered if votes is None else votes
    return {vote.vote_id: _facts(vote, ordered, dates) for vote in chosen}
