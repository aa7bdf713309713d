"""Replay the record, checking that the Art. 27 rules give the recorded outcome of every vote.

:func:`replay` applies :func:`councilsim.rules.adopted` to the member votes of each recorded text
and compares the prediction with what happened. A mismatch is *explained* only when ``SOURCE.md``
documents the member-level record as unreliable for that text; anything else is *unexplained* and
means either the rules or the data are wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from councilsim._export import dumps, jsonable
from councilsim._frozen import read_only_fields
from councilsim.history.record import (
    FrozenDict,
    History,
    RecordedVote,
    bundled_history,
    load_record,
    seats_and_threshold,
)
from councilsim.models import Council
from councilsim.results import html_summary, short_repr
from councilsim.rules import adopted

__all__ = [
    "EXPLAINED_STATUSES",
    "FailureMismatch",
    "SKIP_NO_MEMBER_VOTES",
    "SKIP_WITHOUT_VOTE",
    "Mismatch",
    "ReplayReport",
    "replay",
]

#: Skip reason: adopted without a vote. The UN DL lists every member as Y by convention for these,
#: which is not a vote count, so they must not be fed to the rules.
SKIP_WITHOUT_VOTE = "adopted without a vote"
#: Skip reason: no member-level votes on record (mostly failed drafts before 1994).
SKIP_NO_MEMBER_VOTES = "no member-level record"

#: ``member_votes_status`` values that SOURCE.md documents as unreliable, with the reason.
#: Only these may explain a mismatch.
EXPLAINED_STATUSES: Mapping[str, str] = FrozenDict(
    {
        "incomplete": "the member list is incomplete (SOURCE.md: status 'incomplete')",
        "suspect_1995": "1995 Voting-Agent rows are unreliable (SOURCE.md: status 'suspect_1995')",
        "conflicts_with_dhl": (
            "member tallies conflict with the DHL count (SOURCE.md: status 'conflicts_with_dhl')"
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A recorded vote whose outcome the rules do not reproduce.

    Parameters
    ----------
    vote_id : str
        The text.
    date : datetime.date
        Date of the vote.
    recorded : bool
        Whether the record says it was adopted.
    predicted : bool
        Whether Art. 27, applied to the recorded member votes, adopts it.
    status : str
        ``member_votes_status`` of the member-level record.
    yes : int
        Yes votes in the member-level record.
    explanation : str or None
        Why the record cannot be trusted here, as documented in SOURCE.md; None when nothing
        documented explains the mismatch.
    """

    vote_id: str
    date: dt.date
    recorded: bool
    predicted: bool
    status: str
    yes: int
    explanation: str | None

    @property
    def explained(self) -> bool:
        """Whether SOURCE.md documents a reason for this mismatch."""
        return self.explanation is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form."""
        return jsonable(asdict(self))

    def __str__(self) -> str:
        def outcome(value: bool) -> str:
            return "adopted" if value else "failed"

        why = self.explanation or "UNEXPLAINED"
        return (
            f"{self.vote_id} ({self.date}): recorded {outcome(self.recorded)}, rules say "
            f"{outcome(self.predicted)} with {self.yes} yes; {why}"
        )


@dataclass(frozen=True, slots=True)
class FailureMismatch:
    """A failed text whose cause (veto or lack of votes) the rules classify unlike the record.

    Parameters
    ----------
    vote_id : str
        The text.
    date : datetime.date
        Date of the vote.
    recorded : tuple of str
        The record's ``vetoed_by`` (empty: it failed for lack of votes).
    predicted : tuple of str
        The veto holders voting no on a text with the required yes votes (empty: short of
        votes, whatever the permanent members did).
    yes : int
        Yes votes in the member-level record.
    """

    vote_id: str
    date: dt.date
    recorded: tuple[str, ...]
    predicted: tuple[str, ...]
    yes: int

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form."""
        return jsonable(asdict(self))

    def __str__(self) -> str:
        def cause(vetoers: tuple[str, ...]) -> str:
            return f"vetoed by {', '.join(vetoers)}" if vetoers else "short of votes"

        return (f"{self.vote_id} ({self.date}): recorded {cause(self.recorded)}, rules say "
                f"{cause(self.predicted)} with {self.yes} yes")


@dataclass(frozen=True)
class ReplayReport:
    """How well the Art. 27 rules reproduce the recorded outcomes.

    Parameters
    ----------
    checked : int
        Votes replayed (a member-level record and a real vote).
    matches : int
        Checked votes whose predicted outcome equals the recorded one.
    mismatches : tuple of Mismatch
        The others, in date order.
    skipped : dict of str to int
        Votes not replayed, counted by reason (:data:`SKIP_WITHOUT_VOTE`,
        :data:`SKIP_NO_MEMBER_VOTES`).
    skipped_vote_ids : dict of str to tuple of str
        The ids of the skipped votes, by reason.
    procedural : int
        Checked votes treated as procedural decisions (no veto).
    honour_procedural : bool
        Whether each vote's procedural flag was applied (False treats all as substantive).
    failures_checked : int
        Checked votes that failed, in the record and by the rules: for each, the cause is
        classified as the Council counts it — vetoed (the required yes votes and a permanent
        member's no) or short of votes — and compared with the record's ``vetoed_by``.
    failure_mismatches : tuple of FailureMismatch
        The failed texts whose cause differs from the record's.

    Attributes
    ----------
    explained : tuple of Mismatch
        Mismatches that SOURCE.md documents (see :data:`EXPLAINED_STATUSES`).
    unexplained : tuple of Mismatch
        Mismatches nothing documented explains: a bug in the rules or an undocumented data error.
    """

    checked: int
    matches: int
    mismatches: tuple[Mismatch, ...]
    skipped: Mapping[str, int]
    skipped_vote_ids: Mapping[str, tuple[str, ...]] = field(repr=False)
    procedural: int
    honour_procedural: bool = True
    failures_checked: int = 0
    failure_mismatches: tuple[FailureMismatch, ...] = ()

    def __post_init__(self) -> None:
        read_only_fields(self)

    @property
    def explained(self) -> tuple[Mismatch, ...]:
        """Mismatches documented in SOURCE.md."""
        return tuple(m for m in self.mismatches if m.explained)

    @property
    def unexplained(self) -> tuple[Mismatch, ...]:
        """Mismatches that nothing documented explains."""
        return tuple(m for m in self.mismatches if not m.explained)

    @property
    def total(self) -> int:
        """All votes considered: checked plus skipped."""
        return self.checked + sum(self.skipped.values())

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        return html_summary(self)

    def summary(self) -> str:
        """Describe the replay in a few lines, listing every mismatch."""
        lines = [
            f"Replay of {self.total} recorded votes under Art. 27 (councilsim.rules.adopted)"
            + ("" if self.honour_procedural else ", every decision treated as substantive"),
            f"  checked      {self.checked:>6}  ({self.procedural} as procedural decisions)",
            f"  matches      {self.matches:>6}",
            f"  mismatches   {len(self.mismatches):>6}  (explained {len(self.explained)}, "
            f"unexplained {len(self.unexplained)})",
            f"  skipped      {sum(self.skipped.values()):>6}",
        ]
        lines += [f"    {reason:<26}{count:>6}" for reason, count in self.skipped.items()]
        lines.append(
            f"  failed texts {self.failures_checked:>6}  (cause, veto or short of votes, unlike "
            f"the record's: {len(self.failure_mismatches)})"
        )
        if self.failure_mismatches:
            lines.append("Failed texts classified unlike the record:")
            lines += [f"  {mismatch}" for mismatch in self.failure_mismatches]
        if self.mismatches:
            lines.append("Mismatches:")
            lines += [f"  {mismatch}" for mismatch in self.mismatches]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form (dates as ISO strings)."""
        return {
            "checked": self.checked,
            "matches": self.matches,
            "mismatches": [m.to_dict() for m in self.mismatches],
            "explained": [m.vote_id for m in self.explained],
            "unexplained": [m.vote_id for m in self.unexplained],
            "skipped": dict(self.skipped),
            "skipped_vote_ids": {k: list(v) for k, v in self.skipped_vote_ids.items()},
            "procedural": self.procedural,
            "honour_procedural": self.honour_procedural,
            "failures_checked": self.failures_checked,
            "failure_mismatches": [m.to_dict() for m in self.failure_mismatches],
        }

    def to_json(self, **kwargs: Any) -> str:
        """Return :meth:`to_dict` as JSON; keyword arguments go to :func:`json.dumps`."""
        return dumps(self.to_dict(), **kwargs)


def _council_and_votes(vote: RecordedVote) -> tuple[Council, Mapping[str, str]]:
    seats, threshold = seats_and_threshold(vote.date)
    if len(vote.votes) >= seats:
        return vote.council(), vote.votes
    # An incomplete member list: the seats it leaves out have no recorded vote, so they count as
    # not voting ("X"). Placeholders stand in for them because who held them is not recorded here
    # (the yearly membership table is imprecise for mid-year changes).
    unlisted = [f"UNLISTED_{i + 1}" for i in range(seats - len(vote.votes))]
    council = Council(
        members=(*vote.votes, *unlisted),
        veto_holders=vote.permanent,
        threshold=threshold,
    )
    return council, {**vote.votes, **dict.fromkeys(unlisted, "X")}


def _explanation(vote: RecordedVote, exceptions: Mapping[str, str]) -> str | None:
    reason = EXPLAINED_STATUSES.get(vote.status)
    if reason is None and exceptions.get(vote.vote_id) == "incomplete":
        reason = EXPLAINED_STATUSES["incomplete"]
    if reason is None:
        return None
    if vote.vote_id in exceptions:
        reason += "; listed in rule_check_exceptions.csv"
    if vote.notes:
        reason += f"; notes: {vote.notes}"
    return reason


def replay(history: History | None = None, *, honour_procedural: bool = True) -> ReplayReport:
    """Apply the Art. 27 rules to every recorded vote and compare with the recorded outcome.

    Votes adopted without a vote, and votes without a member-level record, are skipped (see
    :data:`SKIP_WITHOUT_VOTE`, :data:`SKIP_NO_MEMBER_VOTES`). Each remaining vote is decided by
    :func:`councilsim.rules.adopted` on the Council built from its own member list
    (:meth:`RecordedVote.council`); seats an incomplete list leaves out count as not voting.

    Parameters
    ----------
    history : History, optional
        The votes to replay; by default the whole bundled record (:func:`load_history`).
    honour_procedural : bool, default True
        Apply each vote's ``procedural`` flag (no veto for procedural decisions). False treats
        every decision as substantive, which shows what the flag does: the ten procedural
        decisions then come out as unexplained mismatches.

    Returns
    -------
    ReplayReport

    Examples
    --------
    >>> report = replay()
    >>> len(report.unexplained)
    0
    """
    if history is None:
        history = bundled_history()
    exceptions = load_record().exceptions
    matches = procedural = failures = 0
    mismatches: list[Mismatch] = []
    failure_mismatches: list[FailureMismatch] = []
    skipped: dict[str, list[str]] = {SKIP_WITHOUT_VOTE: [], SKIP_NO_MEMBER_VOTES: []}
    for vote in history:
        # Modality first: a text adopted without a vote has no vote count even when the UN DL
        # lists members (all Y, by convention).
        if vote.modality == "without_vote":
            skipped[SKIP_WITHOUT_VOTE].append(vote.vote_id)
            continue
        if not vote.votes:
            skipped[SKIP_NO_MEMBER_VOTES].append(vote.vote_id)
            continue
        council, votes = _council_and_votes(vote)
        as_procedural = vote.procedural and honour_procedural
        procedural += as_procedural
        predicted = adopted(votes, council, procedural=as_procedural)
        if predicted == vote.adopted:
            matches += 1
            if not predicted:
                failures += 1
                cause = _vetoers(votes, council, procedural=as_procedural)
                if cause != tuple(sorted(vote.vetoed_by)):
                    failure_mismatches.append(FailureMismatch(
                        vote_id=vote.vote_id, date=vote.date, recorded=tuple(vote.vetoed_by),
                        predicted=cause, yes=sum(v == "Y" for v in votes.values()),
                    ))
            continue
        mismatches.append(
            Mismatch(
                vote_id=vote.vote_id,
                date=vote.date,
                recorded=vote.adopted,
                predicted=predicted,
                status=vote.status,
                yes=sum(letter == "Y" for letter in vote.votes.values()),
                explanation=_explanation(vote, exceptions),
            )
        )
    return ReplayReport(
        checked=matches + len(mismatches),
        matches=matches,
        mismatches=tuple(mismatches),
        skipped=FrozenDict({reason: len(ids) for reason, ids in skipped.items()}),
        skipped_vote_ids=FrozenDict({reason: tuple(ids) for reason, ids in skipped.items()}),
        procedural=procedural,
        honour_procedural=honour_procedural,
        failures_checked=failures,
        failure_mismatches=tuple(failure_mismatches),
    )


def _vetoers(votes: Mapping[str, str], council: Council, *, procedural: bool) -> tuple[str, ...]:
    """The veto holders whose no vetoed a failed text, as the Council counts a veto.

    Empty when the text lacked the required yes votes (whatever the permanent members did) or
    was procedural.
    """
    if procedural or sum(v == "Y" for v in votes.values()) < council.threshold:
        return ()
    return tuple(sorted(c for c in council.veto_holders if votes.get(c) == "N"))
