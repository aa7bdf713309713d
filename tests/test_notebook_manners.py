"""Notebook manners: a screenful of repr() and an HTML view for every object a user displays;
progress=True draws a bar; the Quickstart's extra installs Jupyter Lab."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import councilsim as cs
from councilsim.analysis import power_indices
from councilsim.results import REPR_LINES

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "dprk-2017-09.toml"
SCREEN_LINES, SCREEN_CHARS = REPR_LINES + 2, 3_000


@pytest.fixture(scope="module")
def flagship():
    return cs.load_scenario(FLAGSHIP)


@pytest.fixture(scope="module")
def displayed(flagship):
    history = cs.load_history()
    return {
        "Scenario": flagship,
        "Council": flagship.council,
        "Member": flagship.member("RUS"),
        "SimulationResult": cs.simulate(flagship, "res-2375"),
        "Comparison": cs.compare(flagship),
        "PowerIndices": power_indices(flagship.council),
        "Sensitivity": cs.sensitivity(flagship, "res-2375"),
        "Negotiation": cs.negotiate(flagship, "us-first-draft", target=0.85, forms="named"),
        "SweepResult": cs.sweep(flagship, "res-2375", "oil_refined",
                                range(0, 4_500_001, 100_000)),
        "BlockingCoalitions": cs.blocking_coalitions(flagship, "us-first-draft"),
        "CouncilComparison": cs.compare_councils(flagship, "res-2375"),
        "Calibration": cs.calibrate(history, since="2014-01-01", before="2017-08-01",
                                    standard_errors=False),
        "BacktestResult": cs.backtest(history, start=2016, end=2016),
    }


NAMES = ["Scenario", "Council", "Member", "SimulationResult", "Comparison", "PowerIndices",
         "Sensitivity", "Negotiation", "SweepResult", "BlockingCoalitions", "CouncilComparison",
         "Calibration", "BacktestResult"]


@pytest.mark.parametrize("name", NAMES)
def test_repr_is_a_screenful_at_most(displayed, name):
    text = repr(displayed[name])
    assert len(text.splitlines()) <= SCREEN_LINES and len(text) <= SCREEN_CHARS, text
    assert name in text


@pytest.mark.parametrize("name", NAMES)
def test_html_view_is_well_formed_and_escaped(displayed, name):
    page = displayed[name]._repr_html_()
    assert page.startswith("<") and page.rstrip().endswith(">")
    for tag in ("table", "pre", "div"):
        assert page.count(f"<{tag}") == page.count(f"</{tag}>"), tag
    assert "<scenario>" not in page and "input_value" not in page


def test_scenario_views_show_what_it_holds(flagship):
    text = repr(flagship)
    assert text.startswith("Scenario('DPRK sanctions after the Hokkaido overflight")
    assert "council unsc-2017 (15 seats, 9 to adopt)" in text
    assert "'us-first-draft', 'uk-japan-proposal', 'res-2375'" in text
    page = flagship._repr_html_()
    assert "<th>oil_refined</th>" in page and "<td>0.56</td>" in page  # res-2375's oil cap
    assert repr(flagship.council).startswith("Council('unsc-2017': 15 seats CHN FRA RUS")


def test_member_repr_shows_only_what_differs_from_the_defaults():
    assert repr(cs.Member(code="RUS", support=0.8)) == "Member(code='RUS', support=0.8)"


def test_a_long_summary_is_cut_with_a_pointer_to_the_rest(displayed):
    sensitivity = displayed["Sensitivity"]
    hidden = len(sensitivity.summary().splitlines()) - REPR_LINES
    assert hidden > 0
    assert repr(sensitivity).endswith(f"... {hidden} more lines: .summary() shows them all")


# -- progress=True ----------------------------------------------------------------------------

def test_progress_true_draws_a_bar_and_changes_no_number(flagship, capsys):
    options = dict(method="monte_carlo", draws=40_000, seed=5)
    plain = cs.simulate(flagship, "res-2375", **options)
    barred = cs.simulate(flagship, "res-2375", progress=True, **options)
    assert barred.p_adopted == plain.p_adopted
    shown = capsys.readouterr().out
    assert "simulating res-2375" in shown and "100%" in shown


def test_progress_callables_see_the_whole_run(flagship):
    seen = []
    cs.compare(flagship, method="monte_carlo", draws=20_000, seed=1,
               progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] == 3 * 20_000
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    swept = []
    cs.sweep(flagship, "res-2375", "oil_refined", range(0, 4_500_001, 100_000),
             progress=lambda done, total: swept.append((done, total)))
    assert swept[-1][0] == swept[-1][1] and len(swept) == swept[-1][1]
    variants = []
    cs.sensitivity(flagship, "res-2375", progress=lambda d, t: variants.append((d, t)))
    assert variants[-1][0] == variants[-1][1] > 40


def test_progress_must_be_a_flag_or_a_callable(flagship):
    with pytest.raises(ValueError, match="progress must be True, False, None or a callable"):
        cs.simulate(flagship, "res-2375", method="monte_carlo", draws=1000, seed=1,
                    progress="yes")


def test_the_quickstart_extra_installs_jupyter_lab():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert any(req.startswith("jupyterlab") for req in extras["notebooks"])
    assert any("notebooks" in req for req in extras["dev"])
    assert any(req.startswith("tomli-w") for req in project["dependencies"])
