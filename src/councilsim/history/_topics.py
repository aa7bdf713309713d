"""Agenda topics: the named topic groups and how a vote's topic and title are matched to them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache, lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from councilsim.errors import InputError

if TYPE_CHECKING:
    from councilsim.history.record import RecordedVote

__all__ = [
    "TOPIC_GROUPS",
    "normalise_text",
    "searchable",
    "topic_group_regexes",
    "topic_test",
]

#: Named topic groups for :meth:`History.filter`: keywords looked for in a vote's topic and title.
#: Matching ignores case and the kind of apostrophe; a keyword matches whole words only, a
#: trailing ``*`` lets the last word continue (``"syria*"`` matches "Syria" and "Syrian"), and a
#: leading ``-`` excludes texts that mention it (``"-papua new guinea"`` in ``"africa"``).
#: Because the topic is the agenda wording, some texts escape their group: the vetoed Syria
#: drafts of 2011-2020 are filed under "The situation in the Middle East" and carry no title, so
#: they are in ``"middle-east"`` but not in ``"syria"``.
TOPIC_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # The 1718 sanctions committee and the panel of experts of resolution 1874 are the DPRK
        # regime; the 2020 written-procedure renewal (S/RES/2515) is only recognisable by that.
        "dprk": (
            "democratic people's republic of korea",
            "dprk",
            "north korea*",
            "resolution 1718",
            "resolution 1874",
        ),
        "non-proliferation": (
            "non-proliferation",
            "nonproliferation",
            "weapons of mass destruction",
            "nuclear",
        ),
        "iran": ("iran", "iranian"),
        "iraq": ("iraq*", "kuwait*"),
        "middle-east": (
            "middle east",
            "palestin*",
            "israel*",
            "leban*",
            "syria*",
            "golan",
            "undof",
            "unifil",
            "jerusalem",
            "gaza",
            "west bank",
            "occupied arab territories",
            "yemen*",
        ),
        "syria": ("syria*",),
        "ukraine": ("ukraine",),  # whole word: not the "Ukrainian SSR" letter of 1946
        "former-yugoslavia": (
            "yugoslav*",
            "bosnia*",
            "croatia*",
            "kosovo",
            "macedonia*",
            "serbia*",
            "srebrenica",
        ),
        "afghanistan": ("afghan*",),
        "sanctions": ("sanction*", "embargo*", "restrictive measures"),
        "africa": (
            "africa*",  # South Africa, Central African Republic, South West Africa, ...
            "algeria*",
            "angola*",
            "benin",
            "botswana",
            "burkina faso",
            "burundi*",
            "cabo verde",
            "cape verde",
            "cameroon",
            "chad",
            "comoros",
            "congo*",
            "cote d'ivoire",
            "côte d'ivoire",
            "djibouti",
            "egypt*",
            "equatorial guinea",
            "eritrea*",
            "eswatini",
            "swaziland",
            "ethiopia*",
            "gabon",
            "gambia",
            "ghana",
            "guinea",
            "guinea-bissau",
            "-papua new guinea",
            "kenya*",
            "lesotho",
            "liberia*",
            "libya*",
            "madagascar",
            "malawi",
            "mali",
            "malian",
            "mauritania*",
            "mauritius",
            "morocc*",
            "mozambique",
            "namibia*",
            "niger",
            "nigeria*",
            "rwanda*",
            "sao tome",
            "senegal*",
            "seychelles",
            "sierra leone",
            "somali*",
            "sudan*",
            "darfur",
            "tanzania",
            "togo",
            "tunisia*",
            "uganda*",
            "western sahara",
            "zambia*",
            "zimbabwe*",
            "rhodesia*",
            "zaire",
            "great lakes",
            "sahel",
        ),
    }
)


def normalise_text(text: str) -> str:
    # The sources mix straight, curly and back-tick apostrophes and irregular spacing.
    text = text.casefold().replace("\u2019", "'").replace("`", "'")
    return " ".join(text.split())


def _keyword_pattern(keyword: str) -> str:
    # Keywords start and end with a letter, so \b marks a word edge; a trailing "*" drops the end.
    prefix = keyword.endswith("*")
    return re.escape(normalise_text(keyword.rstrip("*"))) + ("" if prefix else r"\b")


def _alternation(keywords: Iterable[str]) -> re.Pattern[str]:
    # One leading \b for the whole alternation: far faster than a boundary test per keyword.
    return re.compile(r"\b(?:" + "|".join(_keyword_pattern(k) for k in keywords) + ")")


@cache
def topic_group_regexes(name: str) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    keywords = TOPIC_GROUPS[name]
    exclude = [k[1:] for k in keywords if k.startswith("-")]
    return (
        _alternation(k for k in keywords if not k.startswith("-")),
        _alternation(exclude) if exclude else None,
    )


@lru_cache(maxsize=8192)
def searchable(topic: str, title: str) -> str:
    # Cached: filters by topic group scan every vote, and there are ~3,000 distinct texts.
    return normalise_text(f"{topic} {title}")


def topic_test(topic: str) -> Callable[[RecordedVote], bool]:
    """Whether a vote is on ``topic``: a group of `TOPIC_GROUPS`, else words of the agenda topic."""
    if topic in TOPIC_GROUPS:
        include, exclude = topic_group_regexes(topic)

        def in_group(vote: RecordedVote) -> bool:
            text = searchable(vote.topic, vote.title)
            if include.search(text) is None:
                return False
            return exclude is None or exclude.search(text) is None

        return in_group
    needle = normalise_text(topic)
    if not needle:
        raise InputError("topic must not be empty")
    return lambda vote: needle in searchable(vote.topic, "")
