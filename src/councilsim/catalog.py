"""Provision kinds and how a value in real units becomes a severity in [0, 1].

The catalog is data (``councilsim/data/catalog.toml``); a scenario may add kinds or override them.
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import Field, model_validator

from councilsim._frozen import FrozenDict, FrozenModel
from councilsim.errors import InputError

__all__ = ["ProvisionKind", "builtin_catalog", "severity_of"]


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
    levels : dict of str to float
        Named forms and their severities; also allowed beside a ``cap``.
    why : str, optional
        What the level severities encode (they are judgements, not facts).
    """

    label: str
    scale: Literal["cap", "ban", "levels"]
    unit: str | None = None
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
        if unit is not None and unit != kind.unit:
            raise InputError(
                f"unit {unit!r} does not match {kind_name!r}, which is in {kind.unit!r}"
            )
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{kind_name!r} needs a finite value >= 0 {kind.unit}, got {value}")
        return min(1.0, max(0.0, 1.0 - value / kind.baseline))
    raise InputError(f"{kind_name!r} needs a value; allowed: {_allowed(kind)}")


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
