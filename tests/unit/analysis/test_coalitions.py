"""Tests for councilsim.analysis.coalitions: blocking coalitions of failed votes.

Evidence: the exact enumeration reproduces the exact engine's P(vetoed), P(short) and each veto
holder's P(no); an independent brute force over every vote profile of a small council with
independent members gives the same set probabilities; Monte Carlo agrees with exact within
4 standard errors, lists probabilities summing to at most P(not adopted), and repeats exactly
for a given seed.
"""

from __future__ import annotations

import itertools
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from paths import REPO_ROOT
from scipy.special import ndtr

from councilsim import Council, Draft, Member, Scenario, load_scenario, simulate
from councilsim.analysis import BlockingCoalitions, blocking_coalitions
from councilsim.exact import MAX_NODES

from strategies import scenarios

DPRK = REPO_ROOT / "scenarios" / "dprk-2017-09.toml"
#: The exact method's own quadrature differs from the engine's; both are accurate far below this.
QUADRATURE = 1e-9


@pytest.fixture(scope="module")
def dprk() -> Scenario:
    return load_scenario(DPRK)


@pytest.mark.parametrize("draft", ["res-2375", "us-first-draft", "uk-japan-proposal"])
def test_exact_matches_the_exact_engine(dprk, draft):
    result = blocking_coalitions(dprk, draft, method="exact")
    engine = simulate(dprk, draft, method="exact")
    assert result.p_vetoed == pytest.approx(engine.p_vetoed, abs=QUADRATURE)
    assert result.p_short == pytest.approx(engine.p_short, abs=QUADRATURE)
    assert result.p_not_adopted == pytest.approx(1 - engine.p_adopted, abs=QUADRATURE)
    for code, p in engine.veto_prob.items():
        assert result.veto[code] == pytest.approx(p, abs=QUADRATURE)
    assert result.p_listed <= result.p_not_adopted + 1e-12
    probs = [c.probability for c in result.coalitions]
    assert probs == sorted(probs, reverse=True) and len(probs) == 10


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(procedural=None, max_seats=6))
def test_exact_matches_the_engine_on_generated_scenarios(scenario):
    result = blocking_coalitions(scenario, method="exact", top=1000)
    engine = simulate(scenario, method="exact")
    slack = QUADRATURE + engine.std_error
    assert result.p_not_adopted == pytest.approx(1 - engine.p_adopted, abs=slack)
    assert result.p_vetoed == pytest.approx(engine.p_vetoed, abs=slack)
    total = sum(c.probability for c in result.coalitions)
    assert total == pytest.approx(result.p_not_adopted, abs=1e-12)


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(procedural=None, max_seats=6, context=True))
def test_exact_matches_the_engine_with_signed_loadings(scenario):
    # Blocs whose members load with opposite signs reach the coalitions through the engine's
    # product grid: the veto patterns must still add up to the engine's answers.
    result = blocking_coalitions(scenario, "d", method="exact", top=1000)
    engine = simulate(scenario, "d", method="exact")
    slack = QUADRATURE + engine.std_error
    assert result.p_not_adopted == pytest.approx(1 - engine.p_adopted, abs=slack)
    assert result.p_vetoed == pytest.approx(engine.p_vetoed, abs=slack)
    for code, p in engine.veto_prob.items():
        assert result.veto[code] == pytest.approx(p, abs=slack)


def test_brute_force_with_independent_members():
    # No shared shocks: members are independent, so every profile's probability is a product.
    council = Council(members=("AA", "BB", "CC", "DD"), veto_holders=("AA", "BB"), threshold=3)
    stances = (
        Member(code="AA", support=0.8, veto_cost=0.3, absence=0.1),
        Member(code="BB", support=0.2, abstention=0.2),
        Member(code="CC", support=-0.3, uncertainty=0.7),
        Member(code="DD", support=0.5, abstention=0.0),
    )
    scenario = Scenario(council=council, members=stances, mood_sd=0.0,
                        drafts=(Draft(id="d", obliged_abstain=()),))
    law = {}
    for m in stances:
        cut = m.abstention
        yes = (1 - m.absence) * ndtr((m.support - cut) / m.uncertainty)
        no = (1 - m.absence) * ndtr((-(cut + m.veto_cost) - m.support) / m.uncertainty)
        law[m.code] = {"Y": yes, "N": no, "O": 1 - yes - no}
    expected: dict[tuple[str, tuple[str, ...]], float] = {}
    for profile in itertools.product("YNO", repeat=4):
        p = math.prod(law[c][v] for c, v in zip(council.members, profile, strict=True))
        vetoers = tuple(c for c, v in zip(council.members, profile, strict=True)
                        if v == "N" and c in council.veto_holders)
        # As the Council counts: short of votes whatever the veto holders did; a veto only
        # with the required yes votes.
        if profile.count("Y") < council.threshold:
            key = ("short", tuple(c for c, v in zip(council.members, profile, strict=True)
                                  if v != "Y"))
        elif vetoers:
            key = ("veto", vetoers)
        else:
            continue
        expected[key] = expected.get(key, 0.0) + p
    result = blocking_coalitions(scenario, "d", method="exact", top=100)
    got = {(c.kind, c.members): c.probability for c in result.coalitions}
    assert got.keys() == {k for k, p in expected.items() if p > 0}
    for key, p in expected.items():
        assert got[key] == pytest.approx(p, abs=1e-12)
    short = [c for c in result.coalitions if c.kind == "short"]
    assert all(c.missing_yes == 3 - (4 - len(c.members)) for c in short)


def test_monte_carlo_agrees_with_exact_within_4_standard_errors(dprk):
    exact = blocking_coalitions(dprk, "res-2375", method="exact", top=20)
    mc = blocking_coalitions(dprk, "res-2375", method="monte_carlo", draws=100_000, seed=11)
    engine = simulate(dprk, "res-2375", method="exact")
    assert mc.p_listed <= mc.p_not_adopted
    # Single vetoers: P(vetoes) against the exact engine's veto probabilities.
    for code, p in engine.veto_prob.items():
        assert abs(mc.veto[code] - p) <= 4 * math.sqrt(p * (1 - p) / mc.draws)
        # The reported standard error is the binomial one of the estimate itself.
        estimate = mc.veto[code]
        assert mc.veto_std_error[code] == pytest.approx(
            math.sqrt(estimate * (1 - estimate) / mc.draws), rel=1e-12)
        # ... and is exactly the binomial standard error of the estimate itself.
        estimate = mc.veto[code]
        assert mc.veto_std_error[code] == math.sqrt(estimate * (1 - estimate) / mc.draws)
    exact_sets = {(c.kind, c.members): c.probability for c in exact.coalitions}
    for c in mc.coalitions:
        if c.probability > 0.002:
            p = exact_sets[(c.kind, c.members)]
            assert abs(c.probability - p) <= 4 * math.sqrt(p * (1 - p) / mc.draws)
    # Coalitions partition the failed draws.
    assert mc.p_vetoed + mc.p_short == pytest.approx(mc.p_not_adopted)
    assert sum(mc.membership[c] >= mc.veto[c] for c in mc.veto) == len(mc.veto)


def test_monte_carlo_is_deterministic_for_a_seed(dprk):
    a = blocking_coalitions(dprk, "us-first-draft", method="monte_carlo", draws=20_000, seed=5)
    b = blocking_coalitions(dprk, "us-first-draft", method="monte_carlo", draws=20_000, seed=5)
    assert a == b and a.seed == 5
    assert a.coalitions[0].kind == "veto" and a.coalitions[0].members == ("CHN", "RUS")


def test_procedural_draft_has_no_veto_coalitions(dprk):
    draft = dprk.draft("res-2375").model_copy(update={"procedural": True, "id": "proc"})
    result = blocking_coalitions(dprk, draft, method="exact", top=5)
    assert result.p_vetoed == 0 and result.veto == {}
    assert all(c.kind == "short" and c.missing_yes >= 1 for c in result.coalitions)


def test_impossible_coalitions_are_not_listed():
    # AAA must abstain: no pattern in which it votes yes can happen, so none is listed, and
    # the listed coalitions are all there are.
    council = Council(members=["AAA", "BBB", "CCC"], veto_holders=["AAA"], threshold=3)
    scenario = Scenario(council=council, drafts=[Draft(id="d", obliged_abstain=["AAA"])],
                        members=[Member(code=code, support=5.0) for code in council.members])
    result = blocking_coalitions(scenario, "d", top=10)
    assert all(coalition.probability > 0 for coalition in result.coalitions)
    assert all("AAA" in coalition.members for coalition in result.coalitions)
    assert len(result.coalitions) == result.n_coalitions


def test_method_choice_and_errors(dprk):
    big = Council(members=tuple(f"M{i:02d}" for i in range(21)), veto_holders=("M00",),
                  threshold=11)
    scenario = Scenario(council=big, drafts=(Draft(id="d"),), simulation={"draws": 8192,
                                                                          "seed": 1})
    assert blocking_coalitions(scenario).method == "monte_carlo"
    with pytest.raises(ValueError, match="at most 20 seats"):
        blocking_coalitions(scenario, method="exact")
    with pytest.raises(ValueError, match="top"):
        blocking_coalitions(dprk, "res-2375", top=0)
    with pytest.raises(ValueError, match="method"):
        blocking_coalitions(dprk, "res-2375", method="brute")
    # The analyses accept the nodes simulate() accepts, no more.
    with pytest.raises(ValueError, match=f"nodes must be an integer from 2 to {MAX_NODES}"):
        blocking_coalitions(dprk, "res-2375", method="exact", nodes=MAX_NODES + 1)


def test_output_forms(dprk):
    result = blocking_coalitions(dprk, "us-first-draft", top=5)
    assert isinstance(result, BlockingCoalitions) and result.method == "exact"
    data = json.loads(result.to_json())
    assert data["coalitions"][0]["members"] == ["CHN", "RUS"]
    text = result.summary()
    assert "CHN RUS" in text and "P(vetoes)" in text
