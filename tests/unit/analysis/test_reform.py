"""Tests for councilsim.analysis.reform: the same draft before reform councils.

Evidence: every council's power indices sum to exactly 1; members on both councils keep their
stances; a placeholder seat's mean utility is the average of the elected members' (the identity
behind the averaging rule); the rules' consequences that must hold whatever the stances.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from paths import REPO_ROOT

from councilsim import Council, RandomUtilityModel, load_scenario, simulate
from councilsim.analysis import (
    DEFAULT_COUNCILS,
    CouncilComparison,
    average_elected_stance,
    compare_councils,
    council_scenario,
)

DPRK = REPO_ROOT / "scenarios" / "dprk-2017-09.toml"


@pytest.fixture(scope="module")
def dprk():
    return load_scenario(DPRK)


@pytest.fixture(scope="module")
def comparison(dprk) -> CouncilComparison:
    return compare_councils(dprk, "res-2375")


def test_every_councils_indices_sum_to_one(comparison):
    assert [row.name for row in comparison.rows] == ["scenario: unsc-2017", *DEFAULT_COUNCILS]
    for row in comparison.rows:
        assert sum(row.power.shapley_shubik.values(), Fraction(0)) == 1
        assert sum(row.power.banzhaf.values(), Fraction(0)) == 1
        assert 0 <= row.p_adopted <= 1


def test_bundled_models_are_used_not_the_historical_year(comparison):
    # "charter-1945" and "charter-1965" are names of bundled models, not years of the record.
    assert comparison["charter-1945"].seats == 11 and comparison["charter-1945"].threshold == 7
    assert comparison["charter-1965"].placeholders == tuple(f"E{i:02d}" for i in range(1, 11))
    assert comparison["scenario: unsc-2017"].shapley_shubik_veto == Fraction(421, 2145)
    assert comparison["charter-1965"].shapley_shubik_other == Fraction(4, 2145)
    assert comparison["no-veto"].veto_holders == () and comparison["no-veto"].p_vetoed == 0


def test_without_the_veto_the_draft_does_at_least_as_well(comparison):
    # Same members, same yes probabilities (a veto cost moves only the no/abstain boundary);
    # without a veto the yes count alone decides.
    no_veto, with_veto = comparison["no-veto"], comparison["charter-1965"]
    assert no_veto.p_adopted >= with_veto.p_adopted - no_veto.error - with_veto.error


def test_council_scenario_keeps_stances_and_trims_blocs(dprk):
    moved = council_scenario(dprk, "g4-2005")
    assert moved.council.seats == 25
    assert moved.member("JPN") == dprk.member("JPN")  # on both councils
    assert moved.member("RUS") == dprk.member("RUS")
    average = average_elected_stance(dprk)
    for code in ("BRA", "DEU", "IND", "AF1", "E14"):
        assert moved.member(code) == average.model_copy(update={"code": code})
    blocs = {b.name: b.members for b in moved.blocs}
    assert blocs["western"] == ("USA", "GBR", "FRA", "JPN")
    assert "a3" not in blocs  # Egypt, Ethiopia and Senegal have no seat on it
    no_veto = council_scenario(dprk, "no-veto")
    assert no_veto.member("RUS").veto_cost == 0 and no_veto.council.veto_holders == ()


def test_a_draft_whose_sponsor_leaves_the_council_is_compared_as_its_moved_scenario_says():
    # S/2022/155 was tabled by Albania and the United States; Albania has no seat on the
    # charter-1945 council, so there it is a state outside the Council, sponsoring by name.
    ukraine = load_scenario(REPO_ROOT / "scenarios" / "ukraine-2022-02.toml")
    assert "ALB" in ukraine.draft("s-2022-155").sponsors
    table = compare_councils(ukraine, "s-2022-155", ("charter-1945", "g4-2005"))
    for name in ("charter-1945", "g4-2005"):
        moved = council_scenario(ukraine, name)
        assert "Albania" in moved.draft("s-2022-155").sponsors
        direct = simulate(moved, "s-2022-155")
        assert table[name].p_adopted == direct.p_adopted  # the same arithmetic, to the bit


def test_placeholder_mean_utility_is_the_elected_average(dprk):
    model = RandomUtilityModel()
    moved = council_scenario(dprk, "charter-1965")
    elected = [i for i, c in enumerate(dprk.council.members) if c not in dprk.council.veto_holders]
    for draft in dprk.drafts:
        before = model.prepare(dprk, draft).mean[elected].mean()
        after = model.prepare(moved, draft)
        placeholder = after.mean[moved.council.members.index("E01")]
        assert placeholder == pytest.approx(before, abs=1e-12)
    stance = average_elected_stance(dprk)
    assert stance.veto_cost == 0 and 0 < stance.uncertainty
    assert stance.support == pytest.approx(np.mean([dprk.member(dprk.council.members[i]).support
                                                    for i in elected]))


def test_councils_given_as_objects_and_errors(dprk):
    tiny = Council(members=("USA", "RUS", "E01"), veto_holders=("USA",), threshold=2, name="tiny")
    result = compare_councils(dprk, "res-2375", [tiny], include_scenario_council=False)
    (row,) = result.rows
    assert row.name == "tiny" and row.placeholders == ("E01",)
    assert "CHN" in row.dropped and row.power.swings["USA"] > 0
    with pytest.raises(ValueError, match="unknown council 'utopia'.*g4-2005"):
        compare_councils(dprk, "res-2375", ["utopia"])


def test_monte_carlo_and_output_forms(dprk):
    result = compare_councils(dprk, "us-first-draft", ["no-veto", "g4-2005"],
                              method="monte_carlo", draws=8_192, seed=2)
    assert result.seed == 2 and result.draws == 8_192
    data = json.loads(result.to_json())
    assert data["rows"][1]["power"]["shapley_shubik_exact"]["USA"]
    text = result.summary()
    assert "g4-2005" in text and "P(adopted)" in text
