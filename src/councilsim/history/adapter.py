"""A calibration as a scenario: the one route from :func:`calibrate` to what the engines simulate.

:func:`calibrated_scenario` is used by the loader's ``[calibration]`` table, by the Python API
and by the backtest (:func:`text_scenario`), so every forecast built from the record runs the
model that was fitted.

Merge policy (one, for every route): **what the scenario states explicitly wins; the
calibration fills everything else.**

* Each member's stance fields (``support``, ``uncertainty``, ``abstention``, ``veto_cost``,
  ``absence``, ``affinity``, ``rival``, ``amendment``) come from the calibration unless the
  member entry sets them itself (pydantic's ``model_fields_set``: the keys a ``[[member]]``
  entry writes, the arguments a ``Member(...)`` call passes). ``ideal`` and ``salience`` (the
  provisions, on which the record says nothing) are always the scenario's.
* ``mood_sd`` is the calibrated ``tau`` unless the scenario sets it.
* The calibrated East-West position becomes a bloc ``east-west`` (sd 1, each permanent
  member's ``loading``) over the members with a loading that no bloc of the scenario already
  claims: a member belongs to at most one bloc, and the scenario's own blocs win.
* What the scenario has no field for is folded into ``support``: the agenda topic groups (the
  ``context``'s, else those of the drafts' common ``topic``, else the calibration's topic group)
  and the agenda item's recent history (only from a ``context``). Terms that depend on a rival
  being on the table together with who sponsors the text (``rival:<who>:<camp>``), and the
  rival texts' own spreads (``taus["rival"]`` as ``mood_sd``, ``axis_sds["rival"]`` as the
  ``east-west`` bloc's sd), are used when *every* draft of the scenario has
  a rival (as for each text of the backtest); otherwise they are left out and the members'
  ``why`` says so.
"""

from __future__ import annotations

from typing import Any

from councilsim.errors import InputError
from councilsim.history._textfacts import TextContext, topic_groups
from councilsim.history._topics import TOPIC_GROUPS
from councilsim.history.calibration import Calibration
from councilsim.history.record import RecordedVote
from councilsim.models import Bloc, Draft, Member, Scenario

__all__ = ["AXIS_BLOC", "CALIBRATED_FIELDS", "calibrated_scenario", "text_scenario"]

#: Member fields a calibration fills (unless the member entry sets them).
CALIBRATED_FIELDS = (
    "support", "uncertainty", "abstention", "veto_cost", "absence", "affinity", "rival",
    "amendment",
)
#: Name of the bloc that carries the calibrated East-West position.
AXIS_BLOC = "east-west"


def _scenario_topics(scenario: Scenario, calibration: Calibration) -> tuple[str, ...]:
    topics = [draft.topic for draft in scenario.drafts if draft.topic]
    if topics and len(topics) == len(scenario.drafts):
        groups = [set(topic_groups(topic)) for topic in topics]
        common = set.intersection(*groups)
        return tuple(name for name in TOPIC_GROUPS if name in common)
    if calibration.topic in TOPIC_GROUPS:
        return (calibration.topic,)
    return ()


def calibrated_scenario(
    scenario: Scenario,
    calibration: Calibration,
    *,
    context: TextContext | None = None,
) -> Scenario:
    """Return ``scenario`` with what it leaves unset filled from ``calibration``.

    The merge policy is the module's (explicit values win). Sponsors, rivals and amendments are
    read from the drafts by the vote model through the members' ``affinity``, ``rival`` and
    ``amendment`` terms.

    Parameters
    ----------
    scenario : Scenario
    calibration : Calibration
    context : TextContext, optional
        Pre-vote facts the scenario has no field for (topic groups, the agenda item's recent
        history). Its sponsors, rival and amendment flags are not used: the drafts state them.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        When the scenario's camps differ from those the calibration's sponsor effects refer to.
    """
    own = {name: set(codes) for name, codes in scenario.camps.items()}
    for name, codes in calibration.camps.items():
        if "sponsor" in calibration.effect_kinds and own.get(name, set(codes)) != set(codes):
            raise InputError(
                f"camps.{name}: the calibration's camp {name!r} is {', '.join(codes)}; a "
                "calibrated scenario must keep that camp (name another camp differently)"
            )
    all_rival = bool(scenario.drafts) and all(scenario.has_rival(d) for d in scenario.drafts)
    if context is None:
        context = TextContext(topics=_scenario_topics(scenario, calibration))
    # Only what the scenario cannot state itself is read from the context.
    folded = TextContext(
        topics=context.topics, item_failures=context.item_failures,
        topic_vetoes=context.topic_vetoes,
    )
    council = scenario.council
    cost_default = calibration.veto_cost_default
    effects = calibration.effects
    mixed = not all_rival and any(scenario.has_rival(d) for d in scenario.drafts)
    where = "".join(
        part for part in (
            " (rival-by-camp terms left out: not every draft has a rival)" if mixed else "",
            f", topic {calibration.topic}" if calibration.topic else "",
            f", before {calibration.before}" if calibration.before else "",
        )
    )
    members = []
    # The scenario's own entries first, in its order (as a file lists them), then the others.
    stated = [member.code for member in scenario.members]
    for code in [*stated, *(code for code in council.members if code not in stated)]:
        estimate = calibration.estimate(code)
        who = code if estimate.permanent else "ELECTED"
        affinity = {}
        if (value := effects.get(f"sponsor:{who}:self", 0.0)) != 0.0:
            affinity[code] = value
        for camp in calibration.camps:
            value = effects.get(f"sponsor:{who}:{camp}", 0.0)
            if all_rival:
                value += effects.get(f"rival:{who}:{camp}", 0.0)
            value += sum(effects.get(f"camp-topic:{who}:{camp}:{group}", 0.0)
                         for group in folded.topics)
            if value != 0.0:
                affinity[camp] = value
        holder = code in council.veto_holders
        cost = estimate.veto_cost if estimate.permanent else cost_default
        calibrated: dict[str, Any] = {
            "support": estimate.support + calibration.support_shift(code, folded),
            "uncertainty": 1.0,
            "abstention": estimate.abstention,
            "veto_cost": cost if holder else 0.0,
            "absence": min(estimate.absence, 0.999),
            "affinity": affinity,
            "rival": effects.get(f"rival:{who}", 0.0),
            "amendment": effects.get(f"amendment:{who}", 0.0),
        }
        old = scenario.member(code)
        explicit = old.model_fields_set - {"code"}
        stance = {**old.model_dump(), **calibrated}
        stance.update({name: getattr(old, name) for name in explicit})
        why = f"calibrated on {estimate.n_votes} recorded votes{where}"
        stance["why"] = f"{old.why} | {why}" if old.why else why
        members.append(Member(**stance))
    blocs = list(scenario.blocs)
    if calibration.axis:
        claimed = {code for bloc in scenario.blocs for code in bloc.members}
        free = tuple(code for code in council.members
                     if code not in claimed and calibration.estimate(code).loading != 0.0)
        if free and AXIS_BLOC not in {bloc.name for bloc in blocs}:
            blocs.append(Bloc(
                name=AXIS_BLOC,
                members=free,
                sd=calibration.axis_sds.get("rival", 1.0) if all_rival else 1.0,
                loadings={code: calibration.estimate(code).loading for code in free},
                why="texts' East-West position, calibrated on the record (loadings per member)",
            ))
    fields = {name: getattr(scenario, name) for name in type(scenario).model_fields}
    fields.update(members=tuple(members), blocs=tuple(blocs))
    if "mood_sd" not in scenario.model_fields_set:
        spread = calibration.taus.get("rival") if all_rival else None
        fields["mood_sd"] = calibration.tau if spread is None else spread
    # Rebuilt through the constructor, so the cross-reference checks run again.
    return Scenario(**fields)


def text_scenario(
    vote: RecordedVote, context: TextContext, calibration: Calibration
) -> Scenario:
    """The calibrated scenario of one recorded text, as the backtest forecasts it.

    Its council is the record's for the vote, its draft ``"text"`` carries the text's sponsors
    on the Council, amendment and procedural flags; a rival text on the table is a second,
    empty draft ``"rival"`` that ``"text"`` lists as its rival.
    """
    rival = (Draft(id="rival"),) if context.rival else ()
    draft = Draft(
        id="text",
        procedural=vote.procedural,
        sponsors=tuple(sorted(context.sponsors)),
        rivals=("rival",) if context.rival else (),
        amendment=context.amendment,
    )
    base = Scenario(council=vote.council(), title=vote.vote_id, drafts=(draft, *rival))
    return calibrated_scenario(base, calibration, context=context)

