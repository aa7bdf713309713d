"""The default camps rest on seeds/camps.toml, and its figures on the shipped record."""

from __future__ import annotations

import tomllib
from pathlib import Path

from councilsim.history import load_history
from councilsim.history.calibration import sponsor_codes
from councilsim.models import DEFAULT_CAMPS

SEED = Path(__file__).resolve().parents[3] / "seeds" / "camps.toml"


def _facts() -> dict[str, dict]:
    return {fact["id"]: fact for fact in tomllib.loads(SEED.read_text("utf-8"))["fact"]}


def test_default_camps_are_the_seed_memberships():
    facts = _facts()
    assert set(DEFAULT_CAMPS) == {"west", "east", "arab"}
    for name, codes in DEFAULT_CAMPS.items():
        assert sorted(codes) == sorted(facts[f"camp-{name}"]["who"])
    assert len(DEFAULT_CAMPS["arab"]) == facts["camp-arab"]["numbers"]["members"] == 22


def test_seed_figures_match_the_record():
    facts = _facts()
    arab = set(DEFAULT_CAMPS["arab"])
    history = load_history()
    counts = {"texts": 0, "failed": 0, "other_texts": 0, "other_failed": 0}
    us_vetoes = arab_sponsored = 0
    for vote in history:
        by_arab = bool(sponsor_codes(vote) & arab)
        if 2000 <= vote.date.year <= 2009 and vote.sponsors:
            prefix = "" if by_arab else "other_"
            counts[f"{prefix}texts"] += 1
            counts[f"{prefix}failed"] += not vote.adopted
        if 1995 <= vote.date.year <= 2024 and "USA" in vote.vetoed_by:
            us_vetoes += 1
            arab_sponsored += by_arab
    assert counts == facts["arab-sponsored-failures-2000-2009"]["numbers"]
    assert {"us_vetoes": us_vetoes, "arab_sponsored": arab_sponsored} == (
        facts["arab-sponsored-us-vetoes-1995-2024"]["numbers"])
