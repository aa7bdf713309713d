"""Provision kinds and how a value in real units becomes a severity in [0, 1].

The catalog is data (``councilsim/data/catalog.toml``); a scenario may add kinds or override them.
"""

from __future__ import annotations

import math
import re
import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import Field, model_validator

from councilsim._frozen import FrozenDict, FrozenModel
from councilsim.errors import InputError

__all__ = [
    "ImplausibleValueWarning",
    "ProvisionKind",
    "builtin_catalog",
    "implausible_value",
    "in_kind_unit",
    "severity_of",
    "value_for_severity",
]

#: Words that scale a unit: "million barrels/year" is 1,000,000 barrels/year.
SCALE_WORDS = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6,
               "billion": 1e9, "bn": 1e9}
# A cap far below its baseline (but not zero) or far above it is almost surely a unit slip:
# 2.0 barrels/year against 4,500,000 is an embargo in effect.
_PLAUSIBLE_BELOW, _PLAUSIBLE_ABOVE = 1e-4, 10.0
# Severities this close count as equal: grids and level tables are built from sums of floats.
_SEVERITY_TOL = 1e-9


class ImplausibleValueWarning(UserWarning):
    """A value in real units far outside what its kind plausibly takes (a likely unit slip)."""



class ProvisionKind(FrozenModel):
    """One dimension of the policy space: what a provision does and how it is measured.

    Parameters
    ----------
    label : str
        Human-readable name, used in tables and plot labels.
    scale : {"cap", "ban", "levels"}
        How a value maps to severity: ``cap`` — a number in ``unit``, severity
        ``1 - value / baseline`` clipped to [0, 1]; ``ban`` — ``true``/``false`` gives 1/0;
        ``levels`` — one of the names in ``levels``.
    unit : str, optional
        Unit of numeric values (``"barrels/year"``, ``"workers"``); required for ``cap``.
    baseline : float, optional
        The value that means "no restriction" for a ``cap`` (e.g. the volume actually supplied).
    baseline_source : str, optional
        Where the baseline comes from.
    unit_aliases : tuple of str
        Other ways to write ``unit`` (``"bbl/yr"``); spacing, case, ``per``/``a`` for ``/``, ``yr``
        for ``year`` and a leading scale word (``"million barrels/year"``) are understood
        without listing them.
    levels : dict of str to float
        Named forms and their severities; also allowed beside a ``cap``.
    why : str, optional
        What the level severities encode (they are judgements, not facts).
    """

    label: str
    scale: Literal["cap", "ban", "levels"]
    unit: str | None = None
    unit_aliases: tuple[str, ...] = ()
    baseline: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    baseline_source: str | None = None
    levels: FrozenDict[str, float] = Field(default_factory=FrozenDict)
    why: str | None = None

    @model_validator(mode="after")
    def _check_scale(self) -> ProvisionKind:
        if self.scale == "cap" and (self.baseline is None or self.unit is None):
            raise InputError("a 'cap' kind needs both 'unit' and 'baseline' (> 0)")
        if self.scale == "levels" and not self.levels:
            raise InputError("a 'levels' kind needs a non-empty 'levels' table")
        for name, value in self.levels.items():
            if not 0.0 <= value <= 1.0:
                raise InputError(f"level {name!r} has severity {value}; must be in [0, 1]")
        return self


@cache
def builtin_catalog() -> FrozenDict[str, ProvisionKind]:
    """Return the provision kinds shipped with councilsim, keyed by kind name (read-only).

    Parsed once per process and shared, hence read-only: build a scenario ``catalog`` to add or
    override kinds.
    """
    text = resources.files("councilsim").joinpath("data/catalog.toml").read_text("utf-8")
    return FrozenDict(
        {name: ProvisionKind(**entry) for name, entry in tomllib.loads(text).items()}
    )


def severity_of(
    kind_name: str,
    kind: ProvisionKind,
    *,
    value: float | bool | str | None,
    unit: str | None = None,
) -> float:
    """Map a provision's value in real units to its severity in [0, 1].

    Parameters
    ----------
    kind_name : str
        Name of the kind, used in error messages.
    kind : ProvisionKind
        The catalog entry.
    value : float, bool or str
        A number in the kind's unit (``cap``), ``True``/``False`` (``ban``), or a level name.
    unit : str, optional
        The unit the caller wrote; must match the catalog's unit when given.

    Returns
    -------
    float
        The severity.

    Raises
    ------
    ValueError
        When the value does not fit the kind; the message lists what is allowed.

    Examples
    --------
    >>> oil = builtin_catalog()["oil_refined"]
    >>> round(severity_of("oil_refined", oil, value=2_000_000, unit="barrels/year"), 3)
    0.556
    >>> severity_of("worker_cap", builtin_catalog()["worker_cap"], value="freeze")
    0.2
    """
    if isinstance(value, bool):
        if kind.scale != "ban":
            raise InputError(
                f"{kind_name!r} is not a ban; give {_allowed(kind)} instead of true/false"
            )
        return 1.0 if value else 0.0
    if isinstance(value, str):
        if value not in kind.levels:
            raise InputError(
                f"unknown level {value!r} for {kind_name!r}; allowed: {_allowed(kind)}"
            )
        return kind.levels[value]
    if isinstance(value, int | float):
        if kind.baseline is None:
            raise InputError(
                f"{kind_name!r} takes no number; allowed: {_allowed(kind)}"
            )
        value = in_kind_unit(kind_name, kind, value, unit)
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{kind_name!r} needs a finite value >= 0 {kind.unit}, got {value}")
        return min(1.0, max(0.0, 1.0 - value / kind.baseline))
    raise InputError(f"{kind_name!r} needs a value; allowed: {_allowed(kind)}")


def value_for_severity(kind: ProvisionKind, severity: float) -> float | bool | str:
    """The value a provision of ``kind`` takes at ``severity``: the inverse of `severity_of`.

    Parameters
    ----------
    kind : ProvisionKind
        The catalog entry.
    severity : float
        A severity in [0, 1].

    Returns
    -------
    float, bool or str
        For a kind with a baseline, ``baseline * (1 - severity)`` in the kind's unit (floating
        dust such as ``2025000.0000000002`` dropped); for a ban, ``True`` only at severity 1;
        otherwise the name of the harshest level at or below ``severity`` (the mildest level
        when every level is harsher). Severities within 1e-9 count as equal.

    Examples
    --------
    >>> oil = builtin_catalog()["oil_refined"]
    >>> value_for_severity(oil, severity_of("oil_refined", oil, value=2_000_000))
    2000000.0
    >>> ships = builtin_catalog()["maritime_interdiction"]
    >>> value_for_severity(ships, severity_of("maritime_interdiction", ships, value="port_seizure"))
    'port_seizure'
    >>> value_for_severity(builtin_catalog()["coal_ban"], 1.0)
    True
    """
    if kind.baseline is not None:
        # Twelve significant digits keep the round trip exact and drop the dust.
        return float(f"{kind.baseline * (1.0 - severity):.12g}")
    if kind.scale == "ban":
        return severity >= 1.0 - _SEVERITY_TOL
    below = [(sev, name) for name, sev in kind.levels.items() if sev <= severity + _SEVERITY_TOL]
    if below:
        return max(below, key=lambda item: item[0])[1]
    return min(kind.levels.items(), key=lambda item: item[1])[0]


def _unit_key(text: str) -> str:
    """A unit reduced to one spelling: ``"Barrels per Year"`` and ``"barrels/yr"`` alike."""
    text = " ".join(text.lower().replace("_", " ").split())
    text = re.sub(r"\s*(?:/|\bper\b|\ba\b|\ban\b)\s*", "/", text)
    return re.sub(r"\b(?:yr|y|annum)\b", "year", text)


def in_kind_unit(kind_name: str, kind: ProvisionKind, value: float, unit: str | None) -> float:
    """A number given in ``unit`` expressed in the kind's own unit.

    Raises
    ------
    InputError
        When ``unit`` is not the kind's unit, one of its aliases, or either scaled by a word
        such as ``million``; the message names what is allowed.

    Examples
    --------
    >>> oil = builtin_catalog()["oil_refined"]
    >>> in_kind_unit("oil_refined", oil, 2, "million barrels per year")
    2000000.0
    >>> in_kind_unit("oil_refined", oil, 150_000, "bbl/yr")
    150000.0
    """
    if unit is None or unit == kind.unit:
        return value
    known = {_unit_key(name) for name in (kind.unit or "", *kind.unit_aliases)}
    key, factor = _unit_key(unit), 1.0
    scale, _, rest = key.partition(" ")
    if key not in known and scale in SCALE_WORDS and rest:
        key, factor = rest, SCALE_WORDS[scale]
    if key not in known:
        aliases = f" (or {', '.join(repr(a) for a in kind.unit_aliases)})" \
            if kind.unit_aliases else ""
        raise InputError(
            f"unit {unit!r} does not fit {kind_name!r}, which is in {kind.unit!r}{aliases}, "
            "optionally scaled: 'thousand ...', 'million ...', 'billion ...'"
        )
    return value * factor


def implausible_value(kind_name: str, kind: ProvisionKind, value: object,
                      unit: str | None = None) -> str | None:
    """Why a number is far outside what ``kind`` plausibly takes, or None when it is not.

    A cap above zero but below 1/10,000 of the baseline, or above ten times the baseline, is
    almost surely a slip of unit; the text says what the value amounts to.

    Examples
    --------
    >>> oil = builtin_catalog()["oil_refined"]
    >>> implausible_value("oil_refined", oil, 2.0, "barrels/year")[:45]
    'oil_refined = 2 barrels/year is far below its'
    >>> implausible_value("oil_refined", oil, 2.0, "million barrels/year") is None
    True
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or kind.baseline is None:
        return None
    try:
        amount = in_kind_unit(kind_name, kind, value, unit)
    except ValueError:
        return None  # reported as an error elsewhere
    baseline = f"baseline {kind.baseline:,.0f} {kind.unit}"
    number = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
    shown = f"{kind_name} = {number} {unit or kind.unit}"
    if 0 < amount < _PLAUSIBLE_BELOW * kind.baseline:
        return (f"{shown} is far below its {baseline}: in effect a full embargo "
                f"(severity {1 - amount / kind.baseline:.4f}); if you meant {number} million, "
                f"write unit = \"million {kind.unit}\"")
    if amount > _PLAUSIBLE_ABOVE * kind.baseline:
        return (f"{shown} is more than ten times its {baseline}: it restricts nothing "
                "(severity 0); check the number and its unit")
    return None


def _allowed(kind: ProvisionKind) -> str:
    forms = []
    if kind.scale == "ban":
        forms.append("true or false")
    if kind.baseline is not None:
        forms.append(f"a number in {kind.unit} (baseline {kind.baseline:,.0f})")
    if kind.levels:
        forms.append("one of " + ", ".join(repr(name) for name in kind.levels))
    forms.append("or 'severity' in [0, 1]")
    return "; ".join(forms)
