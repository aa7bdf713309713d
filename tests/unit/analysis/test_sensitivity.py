"""Tests for councilsim.analysis.sensitivity: central finite differences of P(adopted).

A member's support only ever raises its chance of a yes and lowers its chance of a no, and
adoption is monotone in every vote, so every support effect must be positive; the rows must
agree with direct simulations of the perturbed scenarios; ranges must be clipped.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from paths import REPO_ROOT

from councilsim import Bloc, Council, Draft, Member, Provision, Scenario, simulate
from councilsim.analysis import Sensitivity, sensitivity

DPRK = REPO_ROOT / "scenarios" / "dprk-2017-09.toml"


def small_scenario() -> Scenario:
    council = Council(members=("AA", "BB", "CC", "DD", "EE"), veto_holders=("AA", "BB"),
                      threshold=3)
    return Scenario(
        council=council,
        members=(
            Member(code="AA", support=0.5, ideal={"oil_refined": 1.0},
                   salience={"oil_refined": 1.0}, veto_cost=0.2),
            Member(code="BB", support=0.2, ideal={"oil_refined": 0.0},
                   salience={"oil_refined": 1.5}, veto_cost=0.0, uncertainty=0.05),
            Member(code="CC", support=0.3, ideal={"oil_refined": 0.5},
                   salience={"oil_refined": 0.4}, abstention=0.0),
            Member(code="DD", support=-0.2),
            # EE has no stance: the default one is perturbed too.
        ),
        blocs=(Bloc(name="ab", members=("AA", "BB"), sd=0.3),),
        mood_sd=0.3,
        status_quo=(Provision(kind="oil_refined", severity=0.2),),
        drafts=(Draft(id="d", provisions=(Provision(kind="oil_refined", severity=0.7),)),),
    )


@pytest.fixture(scope="module")
def small() -> Sensitivity:
    return sensitivity(small_scenario(), "d")


def test_support_effects_are_positive(small):
    support = [row for row in small.rows if row.parameter == "support"]
    assert {row.member for row in support} == {"AA", "BB", "CC", "DD", "EE"}
    assert all(row.effect > 0 and row.p_high > row.p_low for row in support)


def test_rows_cover_every_parameter_and_are_ranked(small):
    keys = {(row.member, row.parameter) for row in small.rows}
    assert ("AA", "veto_cost") in keys and ("BB", "veto_cost") in keys
    assert not any(p == "veto_cost" for m, p in keys if m in ("CC", "DD", "EE"))
    assert {("AA", "ideal.oil_refined"), ("AA", "salience.oil_refined"), ("ab", "sd"),
            ("council", "mood_sd"), ("EE", "uncertainty"), ("EE", "abstention")} <= keys
    effects = [abs(row.effect) for row in small.rows]
    assert effects == sorted(effects, reverse=True)
    assert small.row("council", "mood_sd").scope == "council"
    assert small.row("ab", "sd").scope == "bloc"


def test_ranges_are_clipped(small):
    ideal = small.row("AA", "ideal.oil_refined")
    assert (ideal.low, ideal.high) == pytest.approx((0.9, 1.0))
    assert small.row("BB", "ideal.oil_refined").low == 0.0
    assert small.row("BB", "veto_cost").low == 0.0
    assert small.row("CC", "abstention").low == 0.0
    assert small.row("BB", "uncertainty").low == 0.01  # must stay positive
    row = small.row("AA", "ideal.oil_refined")
    assert row.effect == pytest.approx((row.p_high - row.p_low) / (row.high - row.low))
    assert row.swing == pytest.approx(row.p_high - row.p_low)


def test_rows_match_direct_simulation(small):
    scenario = small_scenario()
    row = small.row("council", "mood_sd")
    low = simulate(scenario.model_copy(update={"mood_sd": row.low}), "d", method="exact")
    assert row.p_low == pytest.approx(low.p_adopted, abs=1e-14)
    row = small.row("CC", "salience.oil_refined")
    members = tuple(
        m.model_copy(update={"salience": {"oil_refined": row.high}}) if m.code == "CC" else m
        for m in scenario.members
    )
    high = simulate(scenario.model_copy(update={"members": members}), "d", method="exact")
    assert row.p_high == pytest.approx(high.p_adopted, abs=1e-14)
    assert small.p_adopted == pytest.approx(simulate(scenario, "d", method="exact").p_adopted)


def test_the_sponsor_rival_and_loading_terms_the_draft_triggers_are_covered():
    # "d" is tabled by AA with a rival on the table; CC answers AA's camp, DD a camp that does
    # not sponsor it (no row: it cannot move P), and the bloc reads signed loadings.
    base = small_scenario()
    members = {m.code: m for m in base.members}
    members["CC"] = members["CC"].model_copy(update={"affinity": {"front": -1.0}, "rival": -0.5})
    members["DD"] = members["DD"].model_copy(update={"affinity": {"back": 2.0}})
    scenario = base.model_copy(update={
        "camps": {"front": ("AA",), "back": ("BB",)},
        "members": tuple(members.values()),
        "blocs": (Bloc(name="ab", members=("AA", "BB"), sd=0.3, loadings={"BB": -1.0}),),
        "drafts": (base.drafts[0].model_copy(update={"sponsors": ("AA",), "rivals": ("r",)}),
                   Draft(id="r", sponsors=("BB",))),
    })
    result = sensitivity(scenario, "d")
    keys = {(row.member, row.parameter) for row in result.rows}
    assert {("CC", "affinity.front"), ("CC", "rival"), ("DD", "rival"), ("ab", "loading.BB"),
            ("ab", "loading.AA")} <= keys
    assert ("DD", "affinity.back") not in keys and not any(p == "amendment" for _, p in keys)
    # A yes-leaning answer to the sponsor's camp can only help the draft.
    assert result.row("CC", "affinity.front").effect > 0
    row = result.row("ab", "loading.BB")
    blocs = (Bloc(name="ab", members=("AA", "BB"), sd=0.3, loadings={"BB": row.high}),)
    high = simulate(scenario.model_copy(update={"blocs": blocs}), "d", method="exact")
    assert row.p_high == high.p_adopted  # the same arithmetic: equal to the last bit


def test_steps_per_family_and_errors():
    result = sensitivity(small_scenario(), "d", step={"support": 0.5, "ideal": 0.05})
    assert result.steps["support"] == 0.5 and result.steps["salience"] == 0.1
    row = result.row("CC", "support")
    assert (row.low, row.high) == pytest.approx((-0.2, 0.8))
    with pytest.raises(ValueError, match="allowed: support"):
        sensitivity(small_scenario(), "d", step={"supprt": 0.1})
    with pytest.raises(ValueError, match="positive number"):
        sensitivity(small_scenario(), "d", step=0)


def test_executor_gives_identical_results(small):
    # The docstring's promise: mapping the variants over an executor changes nothing.
    with ThreadPoolExecutor(max_workers=3) as pool:
        parallel = sensitivity(small_scenario(), "d", executor=pool)
    assert parallel == small


def test_monte_carlo_with_common_random_numbers():
    result = sensitivity(small_scenario(), "d", method="monte_carlo", draws=8_192, seed=5)
    # Same draws for every variant: raising support cannot lower the count of adoptions.
    assert all(row.p_high >= row.p_low for row in result.rows if row.parameter == "support")
    assert result.seed == 5 and result.draws == 8_192


def test_dprk_tornado_and_output_forms():
    result = sensitivity(DPRK, "res-2375", step={"ideal": 0.05})
    # The veto holders who might say no matter more than a member sure to say yes.
    assert result.row("RUS", "support").effect > result.row("JPN", "support").effect > 0
    assert result.row("RUS", "veto_cost").effect > 0
    data = json.loads(result.to_json())
    assert len(data["rows"]) == len(result.rows) and data["draft_id"] == "res-2375"
    text = result.summary(top=10)
    assert "effect" in text and f"(10 of {len(result.rows)} parameters shown)" in text
