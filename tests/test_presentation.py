"""One presentation layer: the result says what its uncertainty is, and the CLI, notebooks and
charts use the same words for it."""

from __future__ import annotations

import pytest

from councilsim import cli, simulate
from councilsim.presentation import comparison_table, engine_note, format_results


@pytest.fixture(scope="module")
def results(flagship):
    return {"exact": simulate(flagship, "res-2375"),
            "monte_carlo": simulate(flagship, "res-2375", method="monte_carlo", draws=5000,
                                    seed=3)}


def test_the_result_carries_its_kind_of_uncertainty(results):
    exact, mc = results["exact"], results["monte_carlo"]
    assert (exact.interval_kind, exact.interval_label) == ("error_bound",
                                                           "quadrature error bound")
    assert exact.ci == (max(0.0, exact.p_adopted - exact.std_error),
                        min(1.0, exact.p_adopted + exact.std_error))
    assert (mc.interval_kind, mc.interval_label) == ("confidence_95", "95% confidence interval")
    assert exact.interval_text() == f"quadrature error ≤ {exact.std_error:.1e}"
    assert mc.interval_text() == f"95% CI [{mc.ci[0]:.3f}, {mc.ci[1]:.3f}]"
    assert (engine_note(exact), engine_note(mc)) == ("exact", "Monte Carlo, 5,000 draws, seed 3")


def test_the_cli_prints_the_shared_forms(capsys, flagship_path, results):
    for fmt in ("table", "csv", "json"):
        assert cli.main(["run", str(flagship_path), "--draft", "res-2375", "--format", fmt]) == 0
        assert capsys.readouterr().out.rstrip("\n") == format_results(
            [results["exact"]], fmt).rstrip("\n")
    assert cli.main(["compare", str(flagship_path)]) == 0
    assert "res-2375" in capsys.readouterr().out
    assert comparison_table([results["exact"]]).splitlines()[2].startswith("res-2375")


def test_charts_name_the_exact_interval_an_error_bound(results):
    pytest.importorskip("matplotlib")
    from councilsim.plot import _interval_text

    assert "quadrature error ≤" in _interval_text(results["exact"])
    assert "95%" not in _interval_text(results["exact"])
    assert "95% CI [" in _interval_text(results["monte_carlo"])
