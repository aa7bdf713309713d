"""Tests for councilsim.analysis.sweep: one- and two-provision sweeps.

Evidence: monotonicity where every member's preference is monotone in the swept provision
(exact within the quadrature error bound; Monte Carlo exactly, thanks to common random
numbers), crossings located by interpolation on data built to cross, agreement with direct
simulation, and identical results through an executor.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from councilsim import Bloc, Council, Draft, Member, Provision, Scenario, load_scenario, simulate
from councilsim.analysis import SweepGrid, SweepResult, sweep, sweep_grid
from councilsim.analysis.sweep import _crossings
from councilsim.exact import BATCH_LAWS

DPRK = Path(__file__).resolve().parents[1] / "scenarios" / "dprk-2017-09.toml"
ROUNDING = 1e-12


def monotone_scenario() -> Scenario:
    """Every member's ideal refined-oil severity is 0 (no cap): a tighter cap never helps anyone.

    The status quo is no cap (severity 0), so P(adopted) can only fall as the cap tightens,
    i.e. rise with the value in barrels/year.
    """
    council = Council.unsc(2017)
    members = []
    for i, code in enumerate(council.members):
        members.append(Member(
            code=code,
            support=1.0 + 0.1 * (i % 4),
            ideal={"oil_refined": 0.0, "textile_ban": 1.0},
            salience={"oil_refined": 0.5 + 0.25 * (i % 5), "textile_ban": 0.3},
            veto_cost=0.3 if code in council.veto_holders else 0.0,
        ))
    return Scenario(
        council=council,
        members=tuple(members),
        blocs=(Bloc(name="p2", members=("RUS", "CHN"), sd=0.5),
               Bloc(name="p3", members=("USA", "GBR", "FRA"), sd=0.3)),
        mood_sd=0.4,
        status_quo=(Provision(kind="oil_refined", value=4_500_000.0, unit="barrels/year"),),
        drafts=(Draft(id="cap", provisions=(
            Provision(kind="oil_refined", value=1_000_000.0, unit="barrels/year"),
            Provision(kind="textile_ban", value=True),
        )),),
        simulation={"seed": 7, "draws": 20_000},
    )


def test_exact_sweep_is_monotone_where_preferences_are():
    scenario = monotone_scenario()
    values = np.linspace(0, 4_500_000, 31)
    result = sweep(scenario, "cap", "oil_refined", values)
    assert isinstance(result, SweepResult)
    # Value up = severity down = better for everyone: P(adopted) non-decreasing in the value.
    slack = result.error[1:] + result.error[:-1] + ROUNDING
    assert np.all(np.diff(result.p_adopted) >= -slack)
    # Each holder's P(no) falls as the text softens. Its veto risk need not: a harsh text
    # often lacks the yes votes, and then it fails short of votes, not by a veto.
    for p_no in result.p_no.values():
        assert np.all(np.diff(p_no) <= slack)
    for code, veto in result.veto_prob.items():
        assert np.all(veto <= result.p_no[code] + ROUNDING)
    assert result.p_adopted[-1] > result.p_adopted[0] + 0.05
    np.testing.assert_allclose(result.severities, 1 - values / 4_500_000, atol=1e-15)


def test_monte_carlo_sweep_with_common_random_numbers_is_exactly_monotone():
    scenario = monotone_scenario()
    result = sweep(scenario, "cap", "oil_refined", np.linspace(0, 4_500_000, 12),
                   method="monte_carlo", draws=8_192, seed=3)
    # Same draws at every point and utilities shifting one way: not even noise can reverse it.
    assert np.all(np.diff(result.p_adopted) >= 0)
    assert result.seed == 3 and result.draws == 8_192


def test_monte_carlo_seed_defaults_to_the_scenario_and_is_recorded():
    scenario = monotone_scenario()
    result = sweep(scenario, "cap", "oil_refined", [0.0, 4_500_000.0], method="monte_carlo")
    assert result.seed == 7
    fresh = sweep(scenario.model_copy(update={"simulation": scenario.simulation.model_copy(
        update={"seed": None})}), "cap", "oil_refined", [0.0], method="monte_carlo", draws=100)
    assert isinstance(fresh.seed, int)


def test_points_agree_with_direct_simulation():
    scenario = load_scenario(DPRK)
    result = sweep(scenario, "res-2375", "oil_refined", [0.0, 2_000_000.0])
    # res-2375 itself caps refined oil at 2,000,000 barrels/year.
    direct = simulate(scenario, "res-2375", method="exact")
    # The sweep evaluates its texts in a batch; each text's numbers are the same bit for bit.
    assert result.p_adopted[1] == direct.p_adopted
    assert result.veto_prob["RUS"][1] == direct.veto_prob["RUS"]


def test_crossing_interpolates_linearly():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    p = np.array([0.9, 0.7, 0.4, 0.2])
    where, direction = _crossings(x, p, 0.5)
    assert where == pytest.approx([1 + 2 / 3]) and direction == ["down"]
    # Several crossings, both directions.
    where, direction = _crossings(np.arange(5.0), np.array([0.2, 0.6, 0.4, 0.8, 0.9]), 0.5)
    assert where == pytest.approx([0.75, 1.5, 2.25]) and direction == ["up", "down", "up"]
    # A run of points exactly on the target between opposite sides counts once, in its middle;
    # touching the target and turning back is no crossing.
    assert _crossings(np.arange(5.0), np.array([0.9, 0.5, 0.5, 0.2, 0.1]), 0.5)[0] == [1.5]
    assert _crossings(np.arange(3.0), np.array([0.9, 0.5, 0.9]), 0.5)[0] == []
    assert _crossings(np.arange(3.0), np.array([0.1, 0.2, 0.3]), 0.5)[0] == []


def test_sweep_reports_crossings_where_the_data_cross():
    scenario = monotone_scenario()
    values = np.linspace(0, 4_500_000, 31)
    full = sweep(scenario, "cap", "oil_refined", values, target=0.5)
    target = float(np.median(full.p_adopted))  # certainly crossed
    result = sweep(scenario, "cap", "oil_refined", values, target=target)
    assert len(result.crossings) == 1 and result.crossing == result.crossings[0]
    assert result.crossing_directions == ("up",)
    # The crossing sits between the straddling grid points, where the interpolant hits target.
    assert np.interp(result.crossing, values, result.p_adopted) == pytest.approx(target)
    i = np.searchsorted(values, result.crossing)
    assert result.p_adopted[i - 1] <= target <= result.p_adopted[i]
    never = sweep(scenario, "cap", "oil_refined", values, target=0.999)
    assert never.crossing is None and "never crosses" in never.summary()


def test_dprk_res_2375_has_two_crossings_at_085():
    # Refined oil helps the text up to a point (Russia and China want some cap), then hurts.
    result = sweep(DPRK, "res-2375", "oil_refined", np.linspace(0, 4_500_000, 21), target=0.85)
    assert result.crossing_directions == ("up", "down")
    low, high = result.crossing
    assert 1_500_000 < low < 2_000_000 < 3_000_000 < high < 4_000_000


def test_levels_bans_and_severities():
    scenario = load_scenario(DPRK)
    levels = sweep(scenario, "res-2375", "maritime_interdiction",
                   ["none", "flag_consent", "port_seizure", "force"])
    assert levels.axis == "severity" and levels.unit is None
    np.testing.assert_allclose(levels.severities, [0.0, 0.4, 0.6, 1.0])
    assert levels.p_adopted[3] < levels.p_adopted[1]  # force is what Russia and China refuse
    ban = sweep(scenario, "res-2375", "textile_ban", [False, True])
    np.testing.assert_allclose(ban.severities, [0.0, 1.0])
    by_severity = sweep(scenario, "res-2375", "textile_ban", [0.0, 1.0], severity=True)
    np.testing.assert_allclose(by_severity.p_adopted, ban.p_adopted, atol=1e-14)
    # A kind the draft does not mention is added to it.
    added = sweep(scenario, "res-2375", "leader_sanctions", ["officials", "leader"])
    assert added.p_adopted[1] < added.p_adopted[0]


def test_errors_name_what_is_allowed():
    scenario = load_scenario(DPRK)
    with pytest.raises(ValueError, match="known kinds"):
        sweep(scenario, "res-2375", "oil", [1.0])
    with pytest.raises(ValueError, match="number in barrels/year.*severity=True"):
        sweep(scenario, "res-2375", "oil_refined", [True])
    with pytest.raises(ValueError, match="unknown level"):
        sweep(scenario, "res-2375", "maritime_interdiction", ["blockade"])
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        sweep(scenario, "res-2375", "oil_refined", [1.5], severity=True)
    with pytest.raises(ValueError, match="method must be one of"):
        sweep(scenario, "res-2375", "oil_refined", [1.0], method="quick")
    with pytest.raises(ValueError, match="target"):
        sweep(scenario, "res-2375", "oil_refined", [1.0], target=1.0)
    with pytest.raises(ValueError, match="must not be empty"):
        sweep(scenario, "res-2375", "oil_refined", [])


def test_executor_gives_identical_results():
    scenario = monotone_scenario()
    for method, points in (("exact", 2 * BATCH_LAWS + 5), ("monte_carlo", 9)):
        values = np.linspace(0, 4_500_000, points)  # exact: three batches, one partial
        serial = sweep(scenario, "cap", "oil_refined", values, method=method, draws=8_192)
        with ThreadPoolExecutor(max_workers=3) as pool:
            parallel = sweep(scenario, "cap", "oil_refined", values, method=method, draws=8_192,
                             executor=pool)
        np.testing.assert_array_equal(serial.p_adopted, parallel.p_adopted)
        np.testing.assert_array_equal(serial.veto_prob["RUS"], parallel.veto_prob["RUS"])


def test_grid_matches_one_dimensional_sweeps():
    scenario = load_scenario(DPRK)
    oil = np.linspace(0, 4_500_000, 4)
    workers = ["freeze", "no_new", "ban"]
    grid = sweep_grid(scenario, "res-2375", ("oil_refined", oil), ("worker_cap", workers),
                      target=0.8)
    assert isinstance(grid, SweepGrid)
    assert grid.p_adopted.shape == (4, 3) and grid.veto_prob["CHN"].shape == (4, 3)
    # Column "no_new" is res-2375's own worker cap: the same as a 1-D sweep of oil.
    line = sweep(scenario, "res-2375", "oil_refined", oil)
    np.testing.assert_allclose(grid.p_adopted[:, 1], line.p_adopted, atol=1e-14)
    assert grid.feasible().dtype == bool
    assert "oil_refined \\ worker_cap" in grid.summary()
    json.loads(grid.to_json())
    with pytest.raises(ValueError, match="must differ"):
        sweep_grid(scenario, "res-2375", ("oil_refined", oil), ("oil_refined", oil))


def test_output_forms():
    result = sweep(DPRK, "res-2375", "oil_refined", np.linspace(0, 4_500_000, 40), target=0.85)
    data = json.loads(result.to_json())
    assert data["provision"] == "oil_refined" and len(data["p_adopted"]) == 40
    assert data["crossing"] == list(result.crossing)
    text = result.summary()
    assert "P(adopted)" in text and "(25 of 40 points shown)" in text
    assert "rises through 0.85" in text and "<pre>" in result._repr_html_()
