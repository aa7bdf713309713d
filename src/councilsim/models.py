"""The validated description of a vote: council, members' stances, blocs, drafts, scenario.

All models are frozen pydantic models that forbid unknown fields, so a typo in a scenario file is
an error rather than a silently ignored setting. Cross-references (member codes in blocs, drafts
and abstention lists; provision kinds) are checked when a :class:`Scenario` is built.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import numbers
import re
import warnings
from collections import Counter
from functools import cached_property
from typing import Literal

from pydantic import (
    Field,
    PositiveInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from councilsim._bundled import unsc_membership
from councilsim._frozen import FrozenDict, FrozenModel, brief, did_you_mean
from councilsim.catalog import (
    ImplausibleValueWarning,
    ProvisionKind,
    builtin_catalog,
    implausible_value,
    severity_of,
)
from councilsim.councils import council_definition
from councilsim.errors import ArgumentTypeError, InputError

__all__ = [
    "Bloc",
    "Council",
    "Draft",
    "Member",
    "Provision",
    "RealValue",
    "Scenario",
    "SimulationSettings",
]

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")

#: Largest standard deviation (utility units) of a shock, and largest bloc loading: a million
#: times a member's usual spread of 1. Larger values only overflow the engines' arithmetic.
MAX_SPREAD = 1e6
#: Smallest ``uncertainty``: below it a member's vote is certain to any printed digit.
MIN_UNCERTAINTY = 1e-6


def _check_code(code: str) -> str:
    if not _CODE.match(code):
        raise InputError(
            f"member code {code!r} must be 2-16 upper-case letters, digits or '_' starting with a "
            "letter (ISO 3166-1 alpha-3 such as 'USA' for states)"
        )
    return code


def _finite_number(value: float) -> bool:
    return value == value and abs(value) != float("inf")


def _refuse_repeats(items: list[str], where: str, key: str, what: str) -> None:
    """Name the entry that repeats an earlier one, so that a message can point at its line."""
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if item in first:
            raise InputError(f"{where}[{index}].{key}: duplicate {what} {item!r}, already used "
                             "by an earlier entry")
        first[item] = index


def _duplicates(items: list[str] | tuple[str, ...]) -> list[str]:
    return [item for item, count in Counter(items).items() if count > 1]


class Council(FrozenModel):
    """Who sits on the council, who holds a veto, and how many yes votes adopt a text.

    Parameters
    ----------
    members : tuple of str
        Member codes, in display order.
    veto_holders : tuple of str
        Members whose "no" blocks a substantive decision (Art. 27(3)).
    threshold : int
        Yes votes needed for adoption (9 of 15 since 1966, 7 of 11 before).
    name : str, optional
        A short identifier such as ``"unsc-2017"``.
    names : dict of str to str
        Display names by code, used in tables and plot labels.

    Examples
    --------
    >>> Council.unsc(2017).threshold
    9
    >>> Council(members=["AA", "BB", "CC"], veto_holders=["AA"], threshold=2).veto_holders
    ('AA',)
    """

    members: tuple[str, ...] = Field(min_length=1)
    veto_holders: tuple[str, ...] = ()
    threshold: PositiveInt
    name: str | None = None
    names: FrozenDict[str, str] = Field(default_factory=FrozenDict)

    @field_validator("members", "veto_holders")
    @classmethod
    def _codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        for code in codes:
            _check_code(code)
        if dup := _duplicates(codes):
            raise InputError(f"duplicate member codes: {', '.join(dup)}")
        return codes

    @model_validator(mode="after")
    def _consistent(self) -> Council:
        unknown = [code for code in self.veto_holders if code not in self.members]
        if unknown:
            raise InputError(
                f"veto_holders: {', '.join(unknown)} not among the members "
                f"({', '.join(self.members)})"
            )
        if self.threshold > len(self.members):
            raise InputError(
                f"threshold {self.threshold} is above the number of seats ({len(self.members)}); "
                f"allowed: 1 to {len(self.members)}"
            )
        unknown = [code for code in self.names if code not in self.members]
        if unknown:
            raise InputError(f"names given for non-members {unknown}")
        return self

    @classmethod
    def unsc(cls, year: int) -> Council:
        """The Security Council as it sat in ``year`` (1946–2026), from the bundled record.

        Eleven seats and seven votes to adopt before 1966, fifteen and nine from 1966 on. The
        five permanent seats keep their codes across eras (``RUS`` for the USSR seat, ``CHN``
        for China's seat before 1971). Members are listed permanent first.
        """
        if isinstance(year, bool) or not isinstance(year, numbers.Integral):
            raise ArgumentTypeError(f"year must be a whole number such as 2017, got {year!r}")
        year = int(year)
        seats = unsc_membership(year)
        return cls(
            members=tuple(code for code, _, _ in seats),
            veto_holders=tuple(code for code, _, permanent in seats if permanent),
            threshold=7 if year < 1966 else 9,
            name=f"unsc-{year}",
            names={code: name for code, name, _ in seats},
        )

    @classmethod
    def named(cls, name: str) -> Council:
        """A council by name: ``"unsc-YYYY"`` (1946–2026) or a bundled reform model.

        The reform models (``councilsim/data/councils.toml``) are listed by
        :func:`councilsim.councils.council_names`.
        """
        year = re.fullmatch(r"unsc-(\d{4})", name)
        if year:
            return cls.unsc(int(year.group(1)))
        return cls(**council_definition(name), name=name)

    @property
    def seats(self) -> int:
        """Number of seats."""
        return len(self.members)

    def label(self, code: str) -> str:
        """Display name of a member, falling back to its code."""
        return self.names.get(code, code)

    def __repr__(self) -> str:
        return (f"Council({self.name or 'custom'!r}: {self.seats} seats "
                f"{' '.join(self.members)}; veto {' '.join(self.veto_holders) or 'none'}; "
                f"{self.threshold} votes to adopt)")

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(code)}</td><td>{html.escape(self.label(code))}</td>"
            f"<td>{'veto' if code in self.veto_holders else ''}</td></tr>"
            for code in self.members)
        return (f"<b>{html.escape(self.name or 'custom council')}</b>: {self.seats} seats, "
                f"{self.threshold} votes to adopt<table>{rows}</table>")


_SEVERITY = Field(ge=0.0, le=1.0)

#: The camps a scenario has unless it names its own: the Western and the Eastern permanent
#: members, whose sponsorship divides the Council most often, and the members of the League of
#: Arab States (22, Palestine included; seeds/camps.toml), whose elected seat tables most of the
#: texts the United States vetoes. A camp counts when any of its members on the Council sponsors.
DEFAULT_CAMPS: FrozenDict[str, tuple[str, ...]] = FrozenDict(
    {
        "west": ("USA", "GBR", "FRA"),
        "east": ("RUS", "CHN"),
        "arab": ("DZA", "BHR", "COM", "DJI", "EGY", "IRQ", "JOR", "KWT", "LBN", "LBY", "MRT",
                 "MAR", "OMN", "PSE", "QAT", "SAU", "SOM", "SDN", "SYR", "TUN", "ARE", "YEM"),
    }
)


class RealValue(FrozenModel):
    """A member's ideal given in real units (``{value = 3_000_000, unit = "barrels/year"}``).

    The scenario turns it into a severity with its catalog, as it does a provision's value.
    """

    value: bool | float | str
    unit: str | None = None


class Member(FrozenModel):
    """A member's stance: the parameters of the random-utility vote model (docs/model.md).

    Net utility of a draft over the status quo::

        D = support + affinity (sponsors) + rival + amendment
            + sum_k salience_k * ((ideal_k - q_k)^2 - (ideal_k - s_k)^2)
            + mood_sd * G + loading * bloc_sd * E_bloc + uncertainty * e

    Vote yes if ``D > abstention``, no if ``D < -(abstention + veto_cost)``, else abstain.

    Parameters
    ----------
    code : str
        Member code (ISO 3166-1 alpha-3 for states).
    support : float
        Value the member places on the Council acting at all, in utility units.
    ideal : dict of str to float or RealValue
        Ideal severity in [0, 1] for each provision kind it cares about, or the ideal in real
        units (``RealValue(value=3_000_000, unit="barrels/year")``), which a :class:`Scenario`
        turns into a severity.
    salience : dict of str to float
        Weight (>= 0) of each provision kind; kinds not listed weigh 0.
    uncertainty : float
        Standard deviation (> 0) of the member's own shock ``e``.
    abstention : float
        Half-width (>= 0) of the band of utilities in which it abstains.
    veto_cost : float
        Extra opposition (>= 0) a veto holder needs before casting a no (0 for others).
    absence : float
        Probability in [0, 1) that it does not vote at all ("X").
    affinity : dict of str to float
        Added to ``support`` for a draft whose sponsors include the state a key names (a member
        code) or any member of the camp it names (see :attr:`Scenario.camps`); the values of
        every matching key add up.
    rival : float
        Added to ``support`` when another draft on the same item is on the table
        (:meth:`Scenario.has_rival`).
    amendment : float
        Added to ``support`` when the draft is an amendment.
    why : str, optional
        The facts this stance rests on, with their sources.
    """

    code: str
    support: float = 0.0
    ideal: FrozenDict[str, float | RealValue] = Field(default_factory=FrozenDict)
    salience: FrozenDict[str, float] = Field(default_factory=FrozenDict)
    uncertainty: float = Field(default=1.0, ge=MIN_UNCERTAINTY, le=MAX_SPREAD,
                               allow_inf_nan=False)
    abstention: float = Field(default=0.5, ge=0.0, allow_inf_nan=False)
    veto_cost: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    absence: float = Field(default=0.0, ge=0.0, lt=1.0, allow_inf_nan=False)
    affinity: FrozenDict[str, float] = Field(default_factory=FrozenDict)
    rival: float = 0.0
    amendment: float = 0.0
    why: str | None = None

    _check_member_code = field_validator("code")(_check_code)

    @field_validator("support", "rival", "amendment")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not _finite_number(value):
            raise InputError("must be a finite number")
        return value

    @field_validator("affinity")
    @classmethod
    def _affinity_finite(cls, affinity: dict[str, float]) -> dict[str, float]:
        for key, value in affinity.items():
            if not _finite_number(value):
                raise InputError(f"affinity for {key!r} must be a finite number, got {value}")
        return affinity

    @field_validator("ideal")
    @classmethod
    def _ideal_in_unit_interval(cls, ideal: dict[str, float | RealValue]
                                ) -> dict[str, float | RealValue]:
        for kind, value in ideal.items():
            if isinstance(value, float) and not 0.0 <= value <= 1.0:
                raise InputError(f"ideal severity for {kind!r} must be in [0, 1], got {value}")
        return ideal

    @field_validator("salience")
    @classmethod
    def _salience_nonnegative(cls, salience: dict[str, float]) -> dict[str, float]:
        for kind, value in salience.items():
            if not 0.0 <= value < float("inf"):
                raise InputError(f"salience of {kind!r} must be finite and >= 0, got {value}")
        return salience


class Bloc(FrozenModel):
    """Members whose votes share a common shock (``E_bloc``), so they tend to move together.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"russia-china"``.
    members : tuple of str
        Member codes; a member belongs to at most one bloc.
    sd : float
        Standard deviation (>= 0) of the shared shock, in utility units.
    loadings : dict of str to float
        How strongly, and in which direction, the shared shock moves each member: member ``i``
        gets ``loading_i * sd * E_bloc`` (1 for members not listed). Opposite signs make members
        move against each other: an ``east-west`` bloc with RUS and CHN at +1 and USA, GBR and
        FRA at -1 makes the two sides' votes anti-correlated.
    why : str, optional
        Why these members move together.
    """

    name: str = Field(min_length=1)
    members: tuple[str, ...] = Field(min_length=1)
    sd: float = Field(default=0.5, ge=0.0, le=MAX_SPREAD, allow_inf_nan=False)
    loadings: FrozenDict[str, float] = Field(default_factory=FrozenDict)
    why: str | None = None

    @field_validator("loadings")
    @classmethod
    def _loadings_of_members(
        cls, loadings: dict[str, float], info: ValidationInfo
    ) -> dict[str, float]:
        members = info.data.get("members", ())  # absent when invalid: that error comes first
        for code, value in loadings.items():
            if code not in members:
                raise InputError(
                    f"{code!r} is not a member of bloc {info.data.get('name')!r}"
                    f"{did_you_mean(code, members)}; its members are {', '.join(members)}"
                )
            if not _finite_number(value) or abs(value) > MAX_SPREAD:
                raise InputError(f"the loading of {code} must be a number from -{MAX_SPREAD:g} "
                                 f"to {MAX_SPREAD:g}, got {value}")
        return loadings

    def loading(self, code: str) -> float:
        """The loading of member ``code`` on the bloc's shock (1 unless stated)."""
        return self.loadings.get(code, 1.0)


class Provision(FrozenModel):
    """One measure in a draft or in the status quo, in real units or as a severity.

    Give exactly one of ``value`` (in the catalog's unit, ``true``/``false`` for a ban, or a level
    name) or ``severity`` (in [0, 1]).

    Examples
    --------
    >>> Provision(kind="oil_refined", value=2_000_000, unit="barrels/year").kind
    'oil_refined'
    """

    kind: str = Field(min_length=1)
    value: bool | float | str | None = None
    severity: float | None = Field(default=None, ge=0.0, le=1.0, allow_inf_nan=False)
    unit: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_of_value_or_severity(self) -> Provision:
        if (self.value is None) == (self.severity is None):
            raise InputError("give exactly one of 'value' (in real units) or 'severity' (0 to 1)")
        return self


class Draft(FrozenModel):
    """A text put to the vote.

    Parameters
    ----------
    id : str
        Identifier used to pick the draft (``simulate(..., draft="res-2375")``).
    title : str, optional
        Human-readable title.
    provisions : tuple of Provision
        What the text imposes; kinds it does not mention stay at the status quo.
    procedural : bool
        Procedural decision (Art. 27(2)): threshold only, no veto.
    obliged_abstain : tuple of str
        Members that must abstain as parties to a dispute (Art. 27(3), Chapter VI decisions).
    sponsors : tuple of str
        Sponsoring states: Council members by code (``"FRA"``), other states by name
        (``"Ukraine"``). Members respond to them through :attr:`Member.affinity`.
    rivals : tuple of str
        Ids of the scenario's other drafts tabled on the same item at the same meeting. The
        relation is symmetric: a draft has a rival on the table when it lists one or another
        draft lists it (:meth:`Scenario.has_rival`).
    amendment : bool
        The text amends another draft rather than standing on its own.
    topic : str, optional
        Agenda topic, free text (``"Syria"``).
    note : str, optional
        What the draft is and where its content is documented.
    """

    id: str = Field(min_length=1)
    title: str | None = None
    provisions: tuple[Provision, ...] = ()
    procedural: bool = False
    obliged_abstain: tuple[str, ...] = ()
    sponsors: tuple[str, ...] = ()
    rivals: tuple[str, ...] = ()
    amendment: bool = False
    topic: str | None = None
    note: str | None = None

    @field_validator("provisions")
    @classmethod
    def _one_provision_per_kind(cls, provisions: tuple[Provision, ...]) -> tuple[Provision, ...]:
        if dup := _duplicates([p.kind for p in provisions]):
            raise InputError(f"provision kinds given twice: {', '.join(dup)}")
        return provisions

    @field_validator("obliged_abstain", "sponsors", "rivals")
    @classmethod
    def _each_once(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        if dup := _duplicates(items):
            raise InputError(f"listed twice: {', '.join(dup)}")
        return items


class SimulationSettings(FrozenModel):
    """Defaults for :func:`councilsim.simulate` stored with a scenario."""

    method: Literal["auto", "exact", "monte_carlo"] = "auto"
    draws: PositiveInt = 100_000
    seed: int | None = Field(default=None, ge=0)


def _ideal_severity(kind: str, value: object, kinds: dict[str, ProvisionKind],
                    where: str) -> object:
    if isinstance(value, dict):
        try:
            value = RealValue(**value)
        except (TypeError, ValueError):
            raise InputError(f"{where}: give a severity in [0, 1] or a table "
                             "{ value = ..., unit = \"...\" }, got " + repr(value)[:60]) from None
    if not isinstance(value, RealValue):
        return value
    if kind not in kinds:
        raise InputError(f"{where}: unknown provision kind {kind!r}; known kinds: "
                         + ", ".join(sorted(kinds)))
    try:
        return severity_of(kind, kinds[kind], value=value.value, unit=value.unit)
    except ValueError as err:
        raise InputError(f"{where}: {err}") from None


class Scenario(FrozenModel):
    """A complete situation: the council, members' stances, blocs, status quo and drafts.

    Council members without a :class:`Member` entry get the default stance
    ``Member(code=...)`` (no preferences, support 0, uncertainty 1, abstention band 0.5): as
    likely to vote yes as no (about a third each), abstaining otherwise.

    Parameters
    ----------
    council : Council
        Seats, veto holders and threshold.
    title : str
        Short description.
    date : datetime.date, optional
        When the vote is (or was) to take place.
    members : tuple of Member
        Stances of council members.
    blocs : tuple of Bloc
        Groups of members sharing a shock.
    mood_sd : float
        Standard deviation (>= 0) of the council-wide shock ``G`` that moves every member.
    camps : dict of str to tuple of str
        Named groups of members that :attr:`Member.affinity` can respond to as one: a draft
        is sponsored by a camp when its sponsors include any of the camp's members. Default
        ``west`` (USA, GBR, FRA) and ``east`` (RUS, CHN), for any council; a scenario's own
        camps replace them, and their members must sit on the council.
    status_quo : tuple of Provision
        Measures already in force; kinds not listed are at severity 0.
    drafts : tuple of Draft
        Texts to simulate.
    catalog : dict of str to ProvisionKind
        Provision kinds added to (or overriding) the built-in catalog.
    simulation : SimulationSettings
        Default method, draws and seed.
    """

    council: Council
    title: str = "untitled scenario"
    date: dt.date | None = None
    description: str | None = None
    members: tuple[Member, ...] = ()
    blocs: tuple[Bloc, ...] = ()
    mood_sd: float = Field(default=0.5, ge=0.0, le=MAX_SPREAD, allow_inf_nan=False)
    camps: FrozenDict[str, tuple[str, ...]] = Field(
        default_factory=lambda: FrozenDict(DEFAULT_CAMPS))
    status_quo: tuple[Provision, ...] = ()
    drafts: tuple[Draft, ...] = ()
    catalog: FrozenDict[str, ProvisionKind] = Field(default_factory=FrozenDict)
    simulation: SimulationSettings = SimulationSettings()

    @model_validator(mode="before")
    @classmethod
    def _ideals_as_severities(cls, data: object) -> object:
        """Turn ideals given in real units into severities with the scenario's catalog."""
        if not isinstance(data, dict) or not data.get("members"):
            return data
        try:
            kinds = {**builtin_catalog(), **{
                name: entry if isinstance(entry, ProvisionKind) else ProvisionKind(**entry)
                for name, entry in (data.get("catalog") or {}).items()}}
        except (TypeError, ValueError, AttributeError):
            return data  # the catalog's own validation reports what is wrong with it
        members = []
        for i, member in enumerate(data["members"]):
            ideal = member.ideal if isinstance(member, Member) else (
                member.get("ideal") if isinstance(member, dict) else None)
            if not isinstance(ideal, dict) or not any(
                    isinstance(v, dict | RealValue) for v in ideal.values()):
                members.append(member)
                continue
            severities = {kind: _ideal_severity(kind, value, kinds, f"members[{i}].ideal.{kind}")
                          for kind, value in ideal.items()}
            members.append(member.model_copy(update={"ideal": severities})
                           if isinstance(member, Member) else {**member, "ideal": severities})
        return {**data, "members": members}

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        seats = self.council.members
        allowed = f"the council's members are {', '.join(seats)}"
        _refuse_repeats([member.code for member in self.members], "members", "code",
                        "member code")
        for i, member in enumerate(self.members):
            if member.code not in seats:
                raise InputError(
                    f"members[{i}].code: {member.code!r} is not on the council; {allowed}"
                )
            if member.veto_cost > 0 and member.code not in self.council.veto_holders:
                raise InputError(
                    f"members[{i}].veto_cost: {member.code} holds no veto, "
                    "so its veto_cost must be 0"
                )
            for table in ("ideal", "salience"):
                for kind in sorted(set(getattr(member, table)) - set(self.provision_kinds)):
                    raise InputError(
                        f"members[{i}].{table}.{kind}: unknown provision kind {kind!r}"
                        f"{did_you_mean(kind, self.provision_kinds)}; {self._kinds_hint()}"
                    )
            for key in member.affinity:
                if key not in seats and key not in self.camps:
                    raise InputError(
                        f"members[{i}].affinity: unknown key {key!r}"
                        f"{did_you_mean(key, (*seats, *self.camps))}; allowed: a member code "
                        f"({', '.join(seats)}) or a camp "
                        f"({', '.join(self.camps) or 'none defined'})"
                    )
        # The default camps serve any council: only a scenario's own camps must sit on it.
        own_camps = {} if self.camps == DEFAULT_CAMPS else self.camps
        for name, camp in own_camps.items():
            if name in seats:
                raise InputError(f"camps.{name}: a camp may not be named after a member code")
            for code in camp:
                if code not in seats:
                    raise InputError(
                        f"camps.{name}: {code!r} is not on the council"
                        f"{did_you_mean(code, seats)}; {allowed}"
                    )
        seen: dict[str, str] = {}
        _refuse_repeats([bloc.name for bloc in self.blocs], "blocs", "name", "bloc name")
        for b, bloc in enumerate(self.blocs):
            for code in bloc.members:
                if code not in seats:
                    raise InputError(
                        f"blocs[{b}].members: {code!r} is not on the council; {allowed}"
                    )
                if code in seen:
                    raise InputError(
                        f"blocs[{b}].members: {code} is already in bloc {seen[code]!r}; "
                        "a member belongs to at most one bloc"
                    )
                seen[code] = bloc.name
        _refuse_repeats([draft.id for draft in self.drafts], "drafts", "id", "draft id")
        for d, draft in enumerate(self.drafts):
            self.check_draft(draft, where=f"drafts[{d}]")
        for p, provision in enumerate(self.status_quo):
            self._severity(provision, f"status_quo[{p}]")
            self._warn_if_implausible(provision, f"status_quo[{p}]")
        if dup := _duplicates([p.kind for p in self.status_quo]):
            raise InputError(f"status_quo: provision kinds given twice: {', '.join(dup)}")
        return self

    @property
    def provision_kinds(self) -> FrozenDict[str, ProvisionKind]:
        """The built-in catalog with this scenario's additions."""
        return self._provision_kinds

    @cached_property
    def _provision_kinds(self) -> FrozenDict[str, ProvisionKind]:
        # Cached (the model and its mappings are read-only): every severity looks a kind up
        # here. Private, so that dict(scenario) lists fields only.
        return FrozenDict({**builtin_catalog(), **self.catalog})

    def _kinds_hint(self) -> str:
        return "known kinds: " + ", ".join(sorted(self.provision_kinds))

    def _severity(self, provision: Provision, where: str) -> float:
        kinds = self.provision_kinds
        if provision.kind not in kinds:
            raise InputError(
                f"{where}.kind: unknown provision kind {provision.kind!r}; {self._kinds_hint()}"
            )
        if provision.severity is not None:
            return provision.severity
        try:
            return severity_of(
                provision.kind, kinds[provision.kind], value=provision.value, unit=provision.unit
            )
        except ValueError as err:
            raise InputError(f"{where}.value: {err}") from None

    def check_draft(self, draft: Draft, *, where: str = "draft") -> None:
        """Check a draft against this scenario: council members, provision kinds and values.

        Raises
        ------
        ValueError
            Naming the field (``where`` prefixes it) and what is allowed.
        """
        seats = self.council.members
        for code in draft.obliged_abstain:
            if code not in seats:
                raise InputError(
                    f"{where}.obliged_abstain: {code!r} is not on the council; the council's "
                    f"members are {', '.join(seats)}"
                )
        for code in draft.sponsors:
            # A code-like entry is a Council member; states outside the Council go by name.
            if _CODE.match(code) and code not in seats:
                raise InputError(
                    f"{where}.sponsors: {code!r} is not on the council"
                    f"{did_you_mean(code, seats)}; give a member code "
                    f"({', '.join(seats)}) or, for a state outside the Council, its name "
                    "(\"Ukraine\")"
                )
        ids = [other.id for other in self.drafts]
        for rival in draft.rivals:
            if rival == draft.id:
                raise InputError(f"{where}.rivals: a draft cannot be its own rival ({rival!r})")
            if rival not in ids:
                others = [other for other in ids if other != draft.id]
                raise InputError(
                    f"{where}.rivals: no draft {rival!r} in the scenario"
                    f"{did_you_mean(rival, others)}; "
                    + (f"its other drafts are {', '.join(others)}" if others else
                       "it has no other draft: add the rival text as a [[draft]] of its own")
                )
        for p, provision in enumerate(draft.provisions):
            self._severity(provision, f"{where}.provisions[{p}]")
            self._warn_if_implausible(provision, f"{where}.provisions[{p}]")

    def _warn_if_implausible(self, provision: Provision, where: str) -> None:
        # A warning, not an error: a near-zero cap may be meant, but is usually a unit slip.
        problem = implausible_value(provision.kind, self.provision_kinds[provision.kind],
                                    provision.value, provision.unit)
        if problem:
            warnings.warn(f"{where}.value: {problem}", ImplausibleValueWarning, stacklevel=2)

    def affinity_codes(self, key: str) -> frozenset[str]:
        """The members an ``affinity`` key stands for: a camp's members, or the code itself."""
        return frozenset(self.camps.get(key, (key,)))

    def has_rival(self, draft: Draft) -> bool:
        """Whether another draft on the same item is on the table with ``draft``.

        True when ``draft`` lists a rival or another draft of the scenario lists it.
        """
        return bool(draft.rivals) or any(
            draft.id in other.rivals for other in self.drafts if other.id != draft.id
        )

    def severity(self, provision: Provision) -> float:
        """Severity in [0, 1] of ``provision`` under this scenario's catalog.

        Raises
        ------
        ValueError
            When the kind is unknown or the value does not fit it.
        """
        return self._severity(provision, provision.kind)

    def member(self, code: str) -> Member:
        """The stance of ``code``; the default stance when the scenario gives none."""
        for member in self.members:
            if member.code == code:
                return member
        if code not in self.council.members:
            raise InputError(f"{code!r} is not on the council"
                             f"{did_you_mean(code, self.council.members)}; its members are "
                             f"{', '.join(self.council.members)}")
        return Member(code=code)

    def draft(self, draft_id: str | None = None) -> Draft:
        """Return the draft with ``draft_id``, or the only draft when ``draft_id`` is None."""
        ids = [draft.id for draft in self.drafts]
        if draft_id is None:
            if len(self.drafts) != 1:
                raise InputError(
                    f"the scenario has {len(self.drafts)} drafts; name one of: {', '.join(ids)}"
                    if self.drafts
                    else "the scenario has no drafts to simulate"
                )
            return self.drafts[0]
        for draft in self.drafts:
            if draft.id == draft_id:
                return draft
        raise InputError(
            f"unknown draft id {draft_id!r}; the scenario's drafts are: {', '.join(ids)}"
        )

    def status_quo_severities(self) -> dict[str, float]:
        """Severity of each kind in force before the vote (kinds not listed are 0)."""
        return dict(self._status_quo_severities)

    @cached_property
    def _status_quo_severities(self) -> dict[str, float]:
        # Cached: every draft simulated starts from it.
        return {p.kind: self._severity(p, "status_quo") for p in self.status_quo}

    def draft_severities(self, draft: Draft | str | None = None) -> dict[str, float]:
        """Severity of each kind if ``draft`` is adopted; unmentioned kinds keep the status quo.

        ``draft`` is a :class:`Draft`, the id of one of the scenario's drafts, or None when the
        scenario has one draft.
        """
        if not isinstance(draft, Draft):
            draft = self.draft(draft)
        severities = dict(self._status_quo_severities)
        severities.update({p.kind: self._severity(p, draft.id) for p in draft.provisions})
        return severities

    def __repr__(self) -> str:
        council = self.council
        return (f"Scenario({self.title!r}, {self.date or 'undated'}; council "
                f"{council.name or 'custom'} ({council.seats} seats, {council.threshold} to "
                f"adopt); {len(self.members)} member stances, {len(self.blocs)} blocs; drafts: "
                f"{brief([d.id for d in self.drafts], 200)})")

    def _repr_html_(self) -> str:
        esc = html.escape
        council = self.council
        severities = {d.id: self.draft_severities(d) for d in self.drafts}
        kinds = sorted({kind for values in severities.values() for kind in values})
        drafts = "".join(
            f"<tr><td>{esc(d.id)}</td><td>{esc(d.title or '')}</td>"
            + "".join(f"<td>{severities[d.id].get(kind, 0.0):.2f}</td>" for kind in kinds)
            + "</tr>" for d in self.drafts)
        blocs = "; ".join(f"{b.name} ({', '.join(b.members)})" for b in self.blocs)
        members = "".join(
            f"<tr><td>{esc(m.code)}</td><td>{m.support:g}</td><td>{m.uncertainty:g}</td>"
            f"<td>{m.abstention:g}</td><td>{m.veto_cost:g}</td></tr>" for m in self.members)
        return (
            f"<div><b>{esc(self.title)}</b> ({self.date or 'undated'}); council "
            f"{esc(council.name or 'custom')}: {council.seats} seats, {council.threshold} to "
            f"adopt, veto: {esc(', '.join(council.veto_holders) or 'none')}; mood_sd "
            f"{self.mood_sd:g}<br><i>Drafts (severities)</i><table><tr><th>id</th><th>title</th>"
            + "".join(f"<th>{esc(kind)}</th>" for kind in kinds) + f"</tr>{drafts}</table>"
            "<i>Member stances</i><table><tr><th>code</th><th>support</th><th>uncertainty</th>"
            f"<th>abstention</th><th>veto_cost</th></tr>{members}</table>"
            f"<i>Blocs</i>: {esc(blocs or 'none')}</div>"
        )

    def content_hash(self) -> str:
        """SHA-256 of the scenario's canonical JSON form: identifies exactly what was simulated."""
        return self._content_hash

    @cached_property
    def _content_hash(self) -> str:
        # Computed once per scenario, not once per simulation. It cannot go stale: fields cannot
        # be assigned, mappings are FrozenDicts, sequences tuples, and every copy is validated.
        canonical = json.dumps(
            _without_later_defaults(self.model_dump(mode="json")),
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Fields added after the first release, with their defaults: left out of the content hash when
# at their default, so that a scenario that does not use them keeps the hash it always had.
_LATER_DEFAULTS = {
    "members": {"affinity": {}, "rival": 0.0, "amendment": 0.0},
    "blocs": {"loadings": {}},
    "drafts": {"rivals": [], "amendment": False, "topic": None},
}


def _without_later_defaults(dump: dict) -> dict:
    if dump.get("camps") == {name: list(codes) for name, codes in DEFAULT_CAMPS.items()}:
        del dump["camps"]
    for field, defaults in _LATER_DEFAULTS.items():
        for entry in dump.get(field, ()):
            for key, default in defaults.items():
                if entry.get(key) == default:
                    del entry[key]
    return dump
