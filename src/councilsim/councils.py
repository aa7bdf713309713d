"""Councils by name: the reform models kept as data (``data/councils.toml``).

Data only, below the models: :meth:`councilsim.models.Council.named` builds the councils.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from councilsim.errors import InputError

__all__ = ["council_definition", "council_info", "council_names"]


@cache
def _catalog() -> dict[str, dict]:
    text = resources.files("councilsim").joinpath("data/councils.toml").read_text("utf-8")
    return tomllib.loads(text)


def council_names() -> list[str]:
    """Names accepted by ``Council.named`` besides ``"unsc-YYYY"``."""
    return list(_catalog())


def council_info(name: str) -> dict[str, str]:
    """Title, source and threshold note of a bundled council model."""
    entry = _catalog()[name]
    return {key: entry[key] for key in ("title", "source", "threshold_note") if key in entry}


def council_definition(name: str) -> dict[str, object]:
    """Members, veto holders and threshold of the bundled council model ``name``.

    Raises
    ------
    InputError
        For a name that is neither ``"unsc-YYYY"`` nor a bundled model, listing those allowed.
    """
    if name in _catalog():
        entry = _catalog()[name]
        return {key: entry[key] for key in ("members", "veto_holders", "threshold")}
    raise InputError(
        f"unknown council {name!r}; allowed: 'unsc-YYYY' for any year 1946-2026, or one of "
        + ", ".join(council_names())
    )
