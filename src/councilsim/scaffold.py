"""A new case in one call: a runnable scenario for the Council sitting on a given date.

:func:`new_scenario` writes the TOML text of a scenario for a text not yet voted on: the
members of the Council that sits on the date, their stances calibrated on the recorded votes
before it (with the settings the backtest scores), each member's recent votes on the topic as
comments, the blocs the record supports, and a draft skeleton whose sponsors and provisions the
user fills in. ``councilsim new`` is its command-line form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import tomli_w

from councilsim._bundled import read_record
from councilsim._version import __version__
from councilsim.catalog import builtin_catalog
from councilsim.errors import InputError
from councilsim.history import (
    TOPIC_GROUPS,
    History,
    RecordedVote,
    TextContext,
    calibrate,
    calibrated_scenario,
    load_history,
)
from councilsim.history.calibration import FORECAST_SETTINGS, forecast_dates, window_start
from councilsim.history.extra import record_files
from councilsim.history.features import LOOKBACK_YEARS, pre_vote_facts
from councilsim.models import Council, Draft, Scenario

__all__ = ["RECENT_VOTES", "NewCaseError", "new_scenario"]

#: How many of the topic's latest recorded texts the comments show for each member.
RECENT_VOTES = 6
# Blocs tried among the elected members (the permanent members' correlated opposition is the
# calibrated East-West bloc); a bloc is kept when the members' residual correlation on the
# record is positive (Calibration.bloc gives it an sd above 0).
_CANDIDATE_BLOCS = (
    ("a3", lambda council, groups: [c for c in council if groups.get(c) == "african"]),
)
_DIGITS = 3  # stances are estimates: more digits would only look precise


class NewCaseError(InputError):
    """A date or topic for which no scenario can be written (the message says what is allowed)."""


@dataclass(frozen=True)
class _Case:
    date: dt.date
    topic: str
    council: Council
    recent: tuple[RecordedVote, ...]
    history: History
    context: TextContext


def _check(date: dt.date, topic: str, history: History) -> None:
    if topic not in TOPIC_GROUPS:
        close = difflib.get_close_matches(topic, TOPIC_GROUPS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise NewCaseError(f"unknown topic {topic!r}{hint}; topics: {', '.join(TOPIC_GROUPS)}")
    earliest, latest = forecast_dates(history)
    if not earliest <= date <= latest:
        raise NewCaseError(
            f"date {date} is outside the record: give a date from "
            f"{earliest} (the day after the first vote with member votes) to {latest} "
            f"(the last year whose Council membership is known); the recorded votes run from "
            f"{history[0].date} to {history[-1].date}"
        )


def _round(value: float) -> float:
    return round(float(value), _DIGITS)


def _comment(text: str) -> str:
    return "\n".join(f"# {line}".rstrip() for line in text.splitlines())


def _table(header: str, content: dict[str, Any]) -> str:
    # tomli-w writes the values (quoting, escapes, dates); the header is written here so that a
    # table of plain keys stays a [[member]] table rather than an inline one. Nested tables
    # (affinity, loadings) are written inline, after the plain keys.
    plain = {k: v for k, v in content.items() if not isinstance(v, dict)}
    nested = "".join(
        f"{key} = {{ "
        + ", ".join(tomli_w.dumps({k: v}).strip() for k, v in value.items())
        + " }\n"
        for key, value in content.items()
        if isinstance(value, dict)
    )
    return f"{header}\n{tomli_w.dumps(plain)}{nested}"


def _member_table(member: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": member.code, "support": _round(member.support)}
    for name in ("uncertainty", "abstention", "veto_cost", "absence", "rival", "amendment"):
        value = getattr(member, name)
        if value is not None:
            entry[name] = _round(value)
    if member.affinity:
        entry["affinity"] = {key: _round(value) for key, value in member.affinity.items()}
    entry["why"] = member.why
    return entry


def _recent_line(code: str, recent: Iterable[RecordedVote]) -> str:
    letters = [vote.votes.get(code, "-") for vote in recent]
    return " ".join(letters) if letters else "none recorded"


def _calibration_settings() -> dict[str, Any]:
    return dict(FORECAST_SETTINGS)


def new_scenario(
    date: dt.date | str,
    topic: str,
    *,
    history: History | None = None,
    title: str | None = None,
) -> str:
    """Return the TOML text of a runnable scenario for a text on ``topic`` voted on ``date``.

    Parameters
    ----------
    date : datetime.date or str
        Day of the vote (``"YYYY-MM-DD"``): after the first vote with member votes (30 January
        1946) and within the last year whose membership the bundled table knows. Only votes
        before it are used.
    topic : str
        A topic group of :data:`~councilsim.history.TOPIC_GROUPS` (``"dprk"``, ``"syria"``...).
    history : History, optional
        The record (default: the bundled one); pass ``load_history(records=...)`` to use votes
        the bundled record lacks.
    title : str, optional
        The scenario's title.

    Returns
    -------
    str
        TOML that :func:`~councilsim.load_scenario` reads and ``councilsim run`` runs.

    Raises
    ------
    NewCaseError
        For an unknown topic (the topics are listed) or a date outside the record (the range
        is given).
    """
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise NewCaseError(f"date {date!r} is not a date; write it as YYYY-MM-DD") from None
    if isinstance(date, dt.datetime) or not isinstance(date, dt.date):
        raise NewCaseError(f"date must be a datetime.date or 'YYYY-MM-DD', got {date!r}")
    history = load_history() if history is None else history
    _check(date, topic, history)
    council = Council.unsc(date.year)
    on_topic = history.filter(topic=topic, before=date, with_member_votes=True)
    recent = tuple(v for v in on_topic if v.modality != "without_vote")[-RECENT_VOTES:]
    settings = _calibration_settings()
    since = window_start(date, settings["window"])
    calibration = calibrate(
        history,
        before=date,
        since=since,
        standard_errors=False,
        **{key: value for key, value in settings.items() if key != "window"},
    )
    groups = {
        row["seat_code"]: row["regional_group"]
        for row in read_record("members_by_year")
        if int(row["year"]) == date.year
    }
    blocs, used = [], set()
    for name, members_of in _CANDIDATE_BLOCS:
        codes = [c for c in members_of(council.members, groups) if c not in used]
        if len(codes) >= 2:
            fitted = calibration.bloc(name, codes)
            blocs.append(fitted)
            used.update(codes)
    context = _typical_context(on_topic, topic, date, history)
    skeleton = Scenario(
        council=council,
        title=title or f"A {topic} text before the Council on {date}",
        date=date,
        blocs=tuple(blocs),
        drafts=(Draft(id="draft-1"),),
    )
    # Blocs the record does not support (sd 0) stay out of the scenario, and out of the way of
    # the East-West bloc; _render mentions them.
    kept = tuple(bloc for bloc in skeleton.blocs if bloc.sd > 0)
    scenario = calibrated_scenario(skeleton.model_copy(update={"blocs": kept}), calibration,
                                   context=context)
    scenario = scenario.model_copy(update={"blocs": (*scenario.blocs, *(
        bloc for bloc in skeleton.blocs if bloc.sd == 0))})
    case = _Case(date, topic, council, recent, history, context)
    return _render(case, scenario, calibration, since, settings)


def _typical_context(on_topic: History, topic: str, date: dt.date,
                     history: History) -> TextContext:
    """What the record tells before ``date`` of a new text on the topic's latest agenda item.

    Its topic groups (a DPRK text is also a non-proliferation text) and that item's recent
    failures and the topic's vetoes, read as for any recorded text
    (:func:`~councilsim.history.features.pre_vote_facts`), so that the scenario forecasts what
    the backtest's model would. Sponsors, rivals and amendments are left to the drafts.
    """
    if not on_topic:
        return TextContext(topics=(topic,))
    latest = on_topic[-1]
    new_text = dataclasses.replace(latest, vote_id="draft-1", date=date, sponsors=(),
                                   item_type="draft")
    facts = pre_vote_facts(new_text, history.filter(before=date))
    return TextContext(topics=facts.topics, item_failures=facts.item_failures,
                       topic_vetoes=facts.topic_vetoes)


def _history_call(history: History) -> str:
    """``load_history(...)`` with the extra records ``history`` holds, as the user gave them."""
    files = record_files(history)
    return f"load_history(records={files!r})" if files else "load_history()"


def _context_text(case: _Case) -> str:
    """In words, what the stances assume of the text beyond its sponsors."""
    context, years = case.context, LOOKBACK_YEARS
    return textwrap.fill(
        f"and the shifts it gives a new text on the topic's latest agenda item: topic groups "
        f"{', '.join(context.topics)}; {context.item_failures} failed text(s) on the item and "
        f"{context.topic_vetoes} vetoed on the topic in the {years} years before {case.date}.",
        width=88)


def _render(case: _Case, scenario: Scenario, calibration: Any, since: dt.date | None,
            settings: dict[str, Any]) -> str:
    council, recent = case.council, case.recent
    # The call that gives these stances, every setting written out (the defaults of
    # calibrate() are not the backtest's).
    options = ", ".join(f"{key}={dict(value) if isinstance(value, Mapping) else value!r}"
                        for key, value in settings.items() if key != "window")
    how = textwrap.fill(
        f"calibrate({_history_call(case.history)}, before={case.date.isoformat()!r}"
        + (f", since={since.isoformat()!r}" if since else "")
        + f", standard_errors=False, {options})",
        width=88, subsequent_indent=" " * 14, break_long_words=False, break_on_hyphens=False)
    parts = [
        _comment(
            f"{scenario.title}\n"
            f"Written by `councilsim new` (councilsim {__version__}) on "
            f"{dt.date.today().isoformat()}.\n\n"
            f"Run it:   councilsim run THIS-FILE\n"
            f"Format:   docs/scenario-format.md\n\n"
            f"Stances are calibrated on the {calibration.n_texts} recorded texts put to the vote\n"
            f"before {case.date} (the settings the backtest scores):\n    {how}\n"
            f"{_context_text(case)}\n"
            f"The record says nothing about provisions:\n"
            f"add `ideal` and `salience` to a member to make drafts differ by content."
        ),
        _table(
            "[scenario]",
            {
                "title": scenario.title,
                "date": case.date,
                "council": council.name,
                "mood_sd": _round(scenario.mood_sd),
            },
        ),
    ]
    parts.append(
        _comment(
            "What is in force before the vote, one key per provision kind, e.g.\n"
            '    arms_embargo = "heavy_weapons"\n'
            "Kinds of the built-in catalog: " + ", ".join(builtin_catalog()) + "."
        )
        + "\n[status_quo]\n"
    )
    for bloc in scenario.blocs:
        table = {"name": bloc.name, "members": list(bloc.members), "sd": _round(bloc.sd)}
        if bloc.loadings:
            table["loadings"] = {code: _round(value) for code, value in bloc.loadings.items()}
        if bloc.sd > 0:
            table["why"] = bloc.why
            parts.append(_table("[[bloc]]", table))
        else:
            parts.append(
                _comment(
                    f"Bloc {bloc.name} ({', '.join(bloc.members)}) left out: the record does not "
                    f"support it ({bloc.why})."
                )
                + "\n"
            )
    if recent:
        listing = "\n".join(
            f"  {i}. {vote.vote_id} ({vote.date}, {vote.outcome})"
            for i, vote in enumerate(recent, 1)
        )
        parts.append(
            _comment(
                f"Members' votes on the {len(recent)} latest {case.topic} texts before "
                f"{case.date}, oldest first\n(Y yes, N no, A abstain, X did not vote, - not "
                f"on the Council):\n{listing}"
            )
            + "\n"
        )
    else:
        parts.append(_comment(f"No recorded {case.topic} vote before {case.date}.") + "\n")
    names = council.names
    for member in scenario.members:
        veto = " (permanent)" if member.code in council.veto_holders else ""
        parts.append(
            _comment(
                f"{names.get(member.code, member.code)}{veto}: recent {case.topic} votes "
                f"{_recent_line(member.code, recent)}"
            )
            + "\n"
            + _table("[[member]]", _member_table(member))
        )
    parts.append(
        _comment(
            "The text to forecast. Fill in its sponsors (Council members by code, other\n"
            "states by name) and provisions, e.g.\n"
            '    provisions = [{ kind = "arms_embargo", value = "all_arms" }]\n'
            "Without provisions it is a typical text on the topic, at the status quo."
        )
        + "\n"
        + _table(
            "[[draft]]",
            {
                "id": "draft-1",
                "title": f"Draft on {case.topic}, {case.date}",
                "sponsors": [],
                "provisions": [],
            },
        )
    )
    return "\n".join(part.rstrip("\n") + "\n" for part in parts)
