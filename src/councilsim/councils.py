"""Councils by name: the Security Council of any year, and reform models kept as data."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

from councilsim.errors import InputError
from councilsim.models import Council

__all__ = ["council_names", "council_info", "named_council"]


@cache
def _catalog() -> dict[str, dict]:
    text = resources.files("councilsim").joinpath("data/councils.toml").read_text("utf-8")
    return tomllib.loads(text)


def council_names() -> list[str]:
    """Names accepted by :func:`named_council` besides ``"unsc-YYYY"``."""
    return list(_catalog())


def council_info(name: str) -> dict[str, str]:
    """Title, source and threshold note of a bundled council model."""
    entry = _catalog()[name]
    return {key: entry[key] for key in ("title", "source", "threshold_note") if key in entry}


def named_council(name: str) -> Council:
    """The council called ``name``: ``"unsc-YYYY"`` (1946–2026) or a bundled model.

    Raises
    ------
    ValueError
        For an unknown name, listing the names allowed.
    """
    year = re.fullmatch(r"unsc-(\d{4})", name)
    if year:
        return Council.unsc(int(year.group(1)))
    if name in _catalog():
        entry = _catalog()[name]
        return Council(
            members=entry["members"],
            veto_holders=entry["veto_holders"],
            threshold=entry["threshold"],
            name=name,
        )
    raise InputError(
        f"unknown council {name!r}; allowed: 'unsc-YYYY' for any year 1946-2026, or one of "
        + ", ".join(council_names())
    )
