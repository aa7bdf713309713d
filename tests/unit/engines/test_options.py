"""One EngineOptions: every analysis accepts what simulate accepts, follows the scenario's
[simulation] table, and records one provenance."""

from __future__ import annotations

import numpy as np
import pytest
from known_answers import CoinModel

from councilsim import (
    SimulationSettings,
    blocking_coalitions,
    cli,
    compare,
    compare_councils,
    negotiate,
    sensitivity,
    simulate,
    sweep,
)
from councilsim.errors import InputError
from councilsim.options import EngineOptions, Provenance

DRAFT = "res-2375"


def _analyses(scenario, **options):
    """Each analysis of the flagship's res-2375, cheaply, with the given engine options."""
    return {
        "sweep": sweep(scenario, DRAFT, "oil_refined", [0.2, 0.8], severity=True, **options),
        "sensitivity": sensitivity(scenario, DRAFT, **options),
        "negotiate": negotiate(scenario, DRAFT, steps=3, target=0.5, **options),
        "reform": compare_councils(scenario, DRAFT, ["g4-2005"], **options),
        "coalitions": blocking_coalitions(scenario, DRAFT, **options),
    }


@pytest.fixture(scope="module")
def monte_carlo_scenario(flagship):
    settings = SimulationSettings(method="monte_carlo", draws=3000, seed=11)
    return flagship.model_copy(update={"simulation": settings})


def test_every_analysis_accepts_auto_and_it_means_exact_here(flagship):
    auto, exact = _analyses(flagship, method="auto"), _analyses(flagship, method="exact")
    for name in auto:
        assert auto[name].method == "exact", name
        assert auto[name].to_json() == exact[name].to_json(), name


def test_analyses_follow_the_scenarios_simulation_table(monte_carlo_scenario):
    results = _analyses(monte_carlo_scenario)
    for name, result in results.items():
        assert (result.method, result.seed) == ("monte_carlo", 11), name
        assert result.draws == 3000, name
    # The scenario's settings are those an explicit call would give.
    explicit = sweep(monte_carlo_scenario, DRAFT, "oil_refined", [0.2, 0.8], severity=True,
                     method="monte_carlo", draws=3000, seed=11)
    np.testing.assert_array_equal(results["sweep"].p_adopted, explicit.p_adopted)


def test_options_object_equals_keywords_and_keywords_win(flagship):
    options = EngineOptions(method="monte_carlo", draws=2000, seed=5)
    by_object = simulate(flagship, DRAFT, options=options)
    by_keywords = simulate(flagship, DRAFT, method="monte_carlo", draws=2000, seed=5)
    assert by_object.to_dict() == by_keywords.to_dict()
    overridden = simulate(flagship, DRAFT, options=options, seed=6)
    assert overridden.seed == 6 and overridden.p_adopted != by_object.p_adopted
    swept = sweep(flagship, DRAFT, "oil_refined", [0.5], severity=True, options=options)
    assert (swept.method, swept.draws, swept.seed) == ("monte_carlo", 2000, 5)
    both = compare(flagship, options=options)
    assert {r.seed for r in both} == {5}


def test_one_provenance_record(flagship):
    result = simulate(flagship, DRAFT, method="monte_carlo", draws=2000, seed=5)
    assert result.provenance == Provenance(method="monte_carlo", draws=2000, nodes=None, seed=5,
                                           scenario_hash=flagship.content_hash(),
                                           version=result.version)
    swept = sweep(flagship, DRAFT, "oil_refined", [0.5], severity=True)
    assert swept.provenance.method == "exact" and swept.provenance.seed is None
    assert swept.provenance.scenario_hash == flagship.content_hash()
    # Exact results record the mood grid's least number of points, the default too.
    nodes = simulate(flagship, DRAFT).provenance.nodes
    assert nodes is not None
    for name, analysed in _analyses(flagship).items():
        assert analysed.provenance.nodes == nodes, name


@pytest.mark.parametrize(("options", "message"), [
    ({"method": "fast"}, "method must be one of auto, exact, monte_carlo; got 'fast'"),
    ({"draws": 0}, "draws must be a positive integer, got 0"),
    ({"draws": True}, "draws must be a positive integer, got True"),
    ({"nodes": 1}, "nodes must be an integer from 2 to 200, got 1"),
])
def test_the_same_checks_everywhere(flagship, options, message):
    with pytest.raises(InputError, match=message):
        EngineOptions(**options)
    for call in (simulate, sensitivity, blocking_coalitions):
        with pytest.raises(InputError, match=message):
            call(flagship, DRAFT, **options)


@pytest.mark.parametrize("command", ["sweep", "sensitivity", "negotiate", "reform", "coalitions"])
def test_cli_analyses_take_method_auto(capsys, flagship_path, command):
    extra = {"sweep": ["--provision", "oil_refined", "--values", "0.5", "--severity"],
             "negotiate": ["--steps", "3", "--target", "0.5"],
             "reform": ["--council", "g4-2005"]}.get(command, [])
    argv = [command, str(flagship_path), "--draft", DRAFT, "--format", "json", *extra]
    assert cli.main([*argv, "--method", "auto"]) == 0
    auto = capsys.readouterr().out
    assert cli.main([*argv, "--method", "exact"]) == 0
    assert auto == capsys.readouterr().out


def test_auto_runs_a_model_without_an_exact_form_on_monte_carlo_in_every_analysis(flagship):
    results = _analyses(flagship, model=CoinModel(0.7), method="auto", draws=400, seed=3)
    results["simulate"] = simulate(flagship, DRAFT, model=CoinModel(0.7), draws=400, seed=3)
    for name, result in results.items():
        assert result.method == "monte_carlo", name
    with pytest.raises(InputError, match="no exact form"):
        sensitivity(flagship, DRAFT, model=CoinModel(0.7), method="exact")


def test_auto_falls_back_to_monte_carlo_when_a_variant_is_too_fine_for_the_exact_grids():
    # The base text is exact; the sensitivity variant with the smallest uncertainty (0.01)
    # would need a mood grid over the exact engine's limit. Every text then runs on Monte Carlo
    # (one engine for all), and an explicit exact request keeps its error.
    from councilsim import Council, Draft, Member, Scenario
    from councilsim.exact import ExactTooCostly

    council = Council.unsc(2017)
    scenario = Scenario(council=council, drafts=[Draft(id="d")], mood_sd=2.0,
                        members=[Member(code=code, support=1, uncertainty=0.1)
                                 for code in council.members])
    assert simulate(scenario).method == "exact"
    result = sensitivity(scenario, draws=500, seed=2)
    assert (result.method, result.seed, result.draws) == ("monte_carlo", 2, 500)
    assert result.p_adopted == simulate(scenario, method="monte_carlo", draws=500, seed=2,
                                        decisive=False).p_adopted
    with pytest.raises(ExactTooCostly):
        sensitivity(scenario, method="exact")
