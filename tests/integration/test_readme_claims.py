"""The README's worked example, number by number, at the precision the README prints.

The README states these figures in prose and tables; this file is what backs them, so a change
of model or engine that moves one fails here and the text is updated with it.
"""

from __future__ import annotations

import numpy as np
import pytest
from paths import REPO_ROOT

from councilsim import load_scenario, simulate
from councilsim.analysis import blocking_coalitions, negotiate, sweep
from councilsim.votemodel import RandomUtilityModel

FLAGSHIP = REPO_ROOT / "scenarios" / "dprk-2017-09.toml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(FLAGSHIP)


def test_oil_cap_window_above_85_percent(scenario):
    # "P(adopted) stays above 85% between about 1.8 and 3.5 million barrels a year".
    result = sweep(scenario, "res-2375", "oil_refined", np.linspace(0, 4_500_000, 91),
                   target=0.85)
    low, high = result.crossing
    assert (round(low / 1e6, 1), round(high / 1e6, 1)) == (1.8, 3.5)


def test_negotiated_text_from_the_first_us_draft(scenario):
    result = negotiate(scenario, "us-first-draft", target=0.85, forms="named")
    assert result.reached and round(result.p_adopted, 3) == 0.851
    texts = {row.kind: row.value_text for row in result.provisions}
    assert texts == {
        "oil_refined": "2,250,000 barrels/year",
        "oil_crude": "2,800,000 barrels/year",
        "worker_cap": "44,000 workers",
        "textile_ban": "true",
        "leader_sanctions": "officials",
        "maritime_interdiction": "flag_consent",
    }
    # "US utility 2.66 against 2.36 for 2375".
    usa = scenario.council.members.index("USA")
    adopted = RandomUtilityModel().prepare(scenario, scenario.draft("res-2375")).mean[usa]
    assert (round(result.sponsor_utility, 2), round(float(adopted), 2)) == (2.66, 2.36)


def test_target_of_090_is_out_of_reach(scenario):
    # "even the status-quo text reaches only 0.71, and no text on the path exceeds 0.87".
    result = negotiate(scenario, "us-first-draft", target=0.9, forms="named")
    assert not result.reached
    assert round(result.status_quo_p_adopted, 2) == 0.71
    assert round(result.p_adopted, 2) == 0.87


def test_who_blocks_the_first_us_draft(scenario):
    # "China and Russia together veto it with probability 0.70, China alone 0.013, Russia
    # alone 0.007; it falls short of nine votes with probability 0.28".
    result = blocking_coalitions(scenario, "us-first-draft")
    found = {c.members: c.probability for c in result.coalitions if c.kind == "veto"}
    assert round(found[("CHN", "RUS")], 2) == 0.70
    assert round(found[("CHN",)], 3) == 0.013
    assert round(found[("RUS",)], 3) == 0.007
    assert round(result.p_short, 2) == 0.28


# -- the rest of README.md and docs/: each figure produced here or by the command shown ------

ROOT = REPO_ROOT
README = (ROOT / "README.md").read_text("utf-8")
MODEL_DOC = (ROOT / "docs" / "model.md").read_text("utf-8")


def _block_after(text: str, command: str) -> list[str]:
    """The lines a README console block shows after ``$ command``."""
    lines = text[text.index(f"$ {command}\n") + len(command) + 3:].splitlines()
    return lines[: lines.index("```")]


def test_tour_block_is_what_the_command_prints(capsys):
    from councilsim.cli import main

    command = "councilsim compare scenarios/dprk-2017-09.toml"
    assert main(command.split()[1:-1] + [str(FLAGSHIP)]) == 0
    assert capsys.readouterr().out.splitlines() == _block_after(README, command)


def test_founding_case_out_of_sample_block_is_what_the_command_prints(capsys):
    from councilsim.cli import main

    command = "councilsim compare scenarios/dprk-2017-09-calibrated.toml"
    path = ROOT / "scenarios" / "dprk-2017-09-calibrated.toml"
    assert main(["compare", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == _block_after(README, command)


def test_readme_python_examples_run_as_written(monkeypatch):
    # The blocks a reader copies: everything but the one that needs a running Dask cluster.
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)
    blocks = README.split("```python\n")[1:]
    runnable = [block[: block.index("```")] for block in blocks if "Client(" not in block]
    assert len(runnable) == 2
    namespace: dict = {}
    for block in runnable:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's code
    assert namespace["mc"].draws == 1_000_000


def test_time_to_one_thousandth_needs_the_draws_the_readme_states(scenario):
    from councilsim import simulate
    from councilsim.results import _Z95

    p = simulate(scenario, "res-2375").p_adopted
    assert "479,850 draws" in README
    assert round(p * (1 - p) * (_Z95 / 0.001) ** 2, -1) == 479_850


def test_engine_constants_the_docs_state():
    from councilsim import exact, montecarlo

    assert montecarlo.BLOCK_DRAWS == 8_192 and "seeded blocks of 8,192 draws" in README
    assert "blocks of 8,192" in MODEL_DOC
    assert exact.BATCH_LAWS == 32 and "batches of 32 texts" in README
    assert "a batch of up to 32" in MODEL_DOC
    assert exact.MAX_GRID_POINTS == 4001 and "more than 4,001" in MODEL_DOC
    assert exact.DEFAULT_NODES == 48 and "(`nodes` = 48 by" in MODEL_DOC
    assert exact._GRID_HALF_WIDTH == 8.5 and "±8.5" in MODEL_DOC
    assert exact._MOOD_SPACING == 0.9 and "step is 0.9 of" in MODEL_DOC
    assert exact._ERROR_SAFETY == 10 and "ten times that" in MODEL_DOC
    assert exact._ERROR_FLOOR == 1e-13 and "floor 1e-13" in MODEL_DOC
    assert exact._SPACING == pytest.approx(2 / 3) and "two thirds" in MODEL_DOC
    # The bloc grid's error bound, exp(-2 pi^2 / spacing^2), "about 1e-19" in both documents.
    bound = np.exp(-2 * np.pi**2 / exact._SPACING**2)
    assert round(float(np.log10(bound))) == -19
    assert "(about 1e-19)" in README and "~ 1e-19" in MODEL_DOC


def test_the_flagship_evaluates_about_20000_complex_numbers(scenario, monkeypatch):
    from councilsim import exact, simulate

    sizes = []
    factors = exact._factors

    def counted(*args):
        out = factors(*args)
        sizes.append(out.size)
        return out

    monkeypatch.setattr(exact, "_factors", counted)
    simulate(scenario, "res-2375")
    assert "about 20,000 complex numbers for the flagship" in README
    assert "20,000 complex numbers" in MODEL_DOC
    assert round(sum(sizes), -4) == 20_000


def test_exact_error_bound_on_the_shipped_scenarios_is_at_most_1e_13():
    from councilsim import compare

    assert "at most 1e-13 on the shipped scenarios" in MODEL_DOC
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        assert max(r.std_error for r in compare(load_scenario(path))) <= 1e-13, path.name


def test_rival_drafts_fail_short_of_votes_not_by_veto():
    # "Scenarios against the record": the Russian texts S/2016/847 and S/2019/190.
    syria = load_scenario(REPO_ROOT / "scenarios" / "syria-2016-10.toml")
    russian = simulate(syria, "s-2016-847")
    assert {round(russian.p_no[code], 2) for code in ("FRA", "GBR", "USA")} == {0.81}
    assert round(1 - russian.p_short, 4) == 0.0015 and round(russian.p_short, 3) == 0.999
    assert max(russian.veto_prob.values()) < 0.001
    venezuela = load_scenario(REPO_ROOT / "scenarios" / "venezuela-2019-02.toml")
    counter = simulate(venezuela, "s-2019-190")
    assert {round(counter.p_no[code], 2) for code in ("FRA", "GBR", "USA")} == {0.95}
    assert round(counter.p_short, 3) == 0.998
