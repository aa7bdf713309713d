"""councilsim.plot: each chart runs on real results and draws what it claims; the CLI's --plot.

Charts are checked through the artists matplotlib keeps (bars, lines with their ``gid``, tick
labels, image arrays), not by comparing pixels, so the tests survive restyling.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from paths import REPO_ROOT

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")  # before pyplot is imported anywhere: no display needed
import matplotlib.pyplot as plt  # noqa: E402

import councilsim as cs  # noqa: E402
from councilsim import plot  # noqa: E402
from councilsim.cli import EXIT_BAD_INPUT, EXIT_OK, main  # noqa: E402

ROOT = REPO_ROOT
FLAGSHIP = ROOT / "scenarios" / "dprk-2017-09.toml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scenario():
    return cs.load_scenario(FLAGSHIP)


@pytest.fixture(scope="module")
def result(scenario):
    return cs.simulate(scenario, "res-2375")


@pytest.fixture(scope="module")
def oil_sweep(scenario):
    # On res-2375, P(adopted) peaks near 0.86 around a 3.5M-barrel cap: it crosses 0.85 twice.
    return cs.sweep(scenario, "res-2375", "oil_refined", np.linspace(0, 4.5e6, 19), target=0.85)


def _lines(ax, gid):
    return [line for line in ax.get_lines() if line.get_gid() == gid]


# -- importing councilsim does not import matplotlib ----------------------------------------


def test_importing_councilsim_does_not_import_matplotlib():
    code = (
        "import sys, councilsim, councilsim.plot, councilsim.analysis, councilsim.history\n"
        "from councilsim.cli import main\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
        "assert 'ipywidgets' not in sys.modules, 'ipywidgets was imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


# -- tally ----------------------------------------------------------------------------------


def test_tally_has_a_bar_per_count_and_the_threshold_line(result):
    ax = plot.tally(result)
    seats = len(result.tally) - 1
    bars = [bar for container in ax.containers for bar in container]
    # Stacked at and above the threshold (adopted, then vetoed): heights add up per count.
    centres = np.array([bar.get_x() + bar.get_width() / 2 for bar in bars])
    heights = np.array([bar.get_height() for bar in bars])
    np.testing.assert_allclose(np.unique(centres), np.arange(seats + 1))
    assert seats == 15
    per_count = np.bincount(np.round(centres).astype(int), weights=heights)
    np.testing.assert_allclose(per_count, result.tally, atol=1e-15)
    labels = {container.get_label(): container for container in ax.containers}
    vetoed = labels["vetoed (enough votes, a veto holder's no)"]
    assert sum(bar.get_height() for bar in vetoed) == pytest.approx(result.p_vetoed, abs=1e-12)
    assert sum(bar.get_height() for bar in labels["adopted"]) == pytest.approx(
        result.p_adopted, abs=1e-12)
    assert "quadrature error ≤" in ax.get_title() and "95%" not in ax.get_title()
    (line,) = _lines(ax, "threshold")
    # Between threshold - 1 and threshold votes: bars right of the line have enough votes.
    assert set(line.get_xdata()) == {result.threshold - 0.5}
    texts = " ".join(t.get_text() for t in ax.texts)
    assert f"vetoed: {100 * result.p_vetoed:.1f}%" in texts
    assert "res-2375" in ax.get_title() and f"{result.p_adopted:.3f}" in ax.get_title()
    assert "Yes votes" in ax.get_xlabel()


def test_result_plot_method_and_existing_axes(result):
    fig, (left, right) = plt.subplots(1, 2)
    assert result.plot(ax=left) is left
    assert result.plot("votes", ax=right) is right
    with pytest.raises(ValueError, match="tally, votes"):
        result.plot("pie")


def test_a_comparison_plots_one_tally_panel_per_draft(scenario):
    comparison = cs.compare(scenario)
    figure = comparison.plot(columns=2)
    shown = [ax for ax in figure.axes if ax.get_visible()]
    assert len(shown) == len(comparison) == 3 and len(figure.axes) == 4
    assert all(len(_lines(ax, "threshold")) == 1 for ax in shown)
    with pytest.raises(cs.InputError, match="at least one"):
        plot.tallies([])


def test_procedural_tally_says_no_veto():
    council = cs.Council.unsc(2022)
    scenario = cs.Scenario(council=council, drafts=[cs.Draft(id="p", procedural=True)])
    ax = plot.tally(cs.simulate(scenario))
    assert any("no veto" in t.get_text() for t in ax.texts)


# -- heatmap --------------------------------------------------------------------------------


def test_heatmap_has_one_row_per_member_and_marks_permanent_members(result):
    ax = plot.vote_heatmap(result)
    (image,) = ax.get_images()
    members = list(result.vote_probs)
    assert image.get_array().shape == (len(members), 4) == (15, 4)
    np.testing.assert_allclose(image.get_array()[members.index("RUS")],
                               [result.vote_probs["RUS"][v] for v in "YNAX"])
    labels = ax.get_yticklabels()
    assert len(labels) == 15
    bold = {label.get_text().split(" (")[0] for label in labels if label.get_fontweight() == "bold"}
    assert bold == {"China", "France", "Russian Federation", "United Kingdom", "United States"}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["yes", "no", "abstain", "absent"]
    assert len(ax.texts) == 15 * 4  # every cell annotated
    assert len(ax.figure.axes) == 2  # the heatmap and its colorbar


def test_heatmap_falls_back_to_codes_without_names():
    council = cs.Council(members=["AA", "BB", "CC"], veto_holders=["AA"], threshold=2)
    ax = plot.vote_heatmap(cs.simulate(cs.Scenario(council=council, drafts=[cs.Draft(id="d")])))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["AA  · veto", "BB", "CC"]


# -- sweep ----------------------------------------------------------------------------------


def test_sweep_marks_each_crossing_in_real_units(oil_sweep, scenario):
    assert len(oil_sweep.crossings) == 2  # the data cross the target twice
    ax = plot.sweep_curves(oil_sweep, names=scenario.council.names)
    marks = _lines(ax, "crossing")
    where = sorted(float(m.get_xdata()[0]) for m in marks)
    assert where == pytest.approx(sorted(oil_sweep.crossings))
    assert all(float(m.get_ydata()[0]) == pytest.approx(0.85) for m in marks)
    (target,) = _lines(ax, "target")
    assert set(target.get_ydata()) == {0.85}
    assert ax.get_xlabel() == "Refined petroleum supplied to the DPRK (barrels/year)"
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"P(adopted)", "P(veto) Russian Federation", "P(veto) China"} <= set(labels)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), oil_sweep.p_adopted)


def test_sweep_without_crossing_has_no_marker(scenario):
    # At the default target 0.5 P(adopted) stays above it on this range: nothing crosses.
    flat = cs.sweep(scenario, "res-2375", "oil_refined", np.linspace(0, 4.5e6, 7))
    assert flat.crossings == ()
    ax = plot.sweep_curves(flat)
    assert _lines(ax, "crossing") == []
    assert "stays above 50%" in ax.get_title()


def test_sweep_over_levels_uses_the_level_names(scenario):
    levels = cs.sweep(scenario, "res-2375", "maritime_interdiction",
                      ["none", "flag_consent", "port_seizure", "force"])
    ax = plot.sweep_curves(levels)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["none", "flag_consent",
                                                            "port_seizure", "force"]
    assert "severity" in ax.get_xlabel()


# -- tornado --------------------------------------------------------------------------------


def test_tornado_has_top_bars_widest_first():
    # A freshly loaded scenario: sensitivity must not meet an earlier simulation of the same
    # object (see the report on the content-hash cache).
    sens = cs.sensitivity(cs.load_scenario(FLAGSHIP), "res-2375")
    ax = plot.tornado(sens, top=7)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 7
    assert len(ax.patches) == 2 * 7  # a low and a high bar per parameter
    widest = sorted(sens.rows, key=lambda r: -abs(r.swing))[0]
    assert labels[0].startswith("Council: mood_sd") and widest.parameter == "mood_sd"
    (base,) = [line for line in ax.get_lines() if "as given" in line.get_label()]
    assert set(base.get_xdata()) == {sens.p_adopted}
    with pytest.raises(ValueError, match="top"):
        plot.tornado(sens, top=0)


# -- power ----------------------------------------------------------------------------------


def test_power_bars_from_a_council_comparison_and_from_names(scenario):
    comparison = cs.compare_councils(scenario, "res-2375", ["g4-2005", "no-veto"])
    ax = plot.power_bars(comparison, index="shapley_shubik")
    veto, other = ax.containers
    assert veto[0].get_height() == pytest.approx(421 / 2145)  # today's permanent member
    assert other[0].get_height() == pytest.approx(4 / 2145)   # today's elected member
    assert np.isnan(veto[2].get_height())  # the no-veto council has no veto seat
    assert len(ax.get_xticklabels()) == 3
    ax = plot.power_bars(["unsc-2026", "g4-2005"])
    assert len(ax.containers) == 4  # Shapley-Shubik and Banzhaf, veto and other seats
    with pytest.raises(ValueError, match="index"):
        plot.power_bars(["unsc-2026"], index="gini")


# -- reliability ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_backtest():
    backtest = pytest.importorskip("councilsim.history.backtest").backtest
    return backtest(start=2022, end=2022, window=5, effects=())


def test_reliability_has_the_diagonal_and_the_model_bins(short_backtest):
    ax = plot.reliability(short_backtest)
    (diagonal,) = _lines(ax, "diagonal")
    assert list(diagonal.get_xdata()) == [0, 1] and list(diagonal.get_ydata()) == [0, 1]
    filled = [row for row in short_backtest.reliability if row["count"]]
    annotations = sorted(t.get_text() for t in ax.texts)
    assert annotations == sorted(f"n={row['count']}" for row in filled)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert any(label.startswith("model") for label in labels)
    assert any(label.startswith("persistence") for label in labels)


def test_reliability_accepts_a_plain_table():
    table = [{"low": 0.0, "high": 0.5, "count": 4, "mean_predicted": 0.3, "observed": 0.25},
             {"low": 0.5, "high": 1.0, "count": 0, "mean_predicted": None, "observed": None}]
    ax = plot.reliability(table)
    assert _lines(ax, "diagonal") and [t.get_text() for t in ax.texts] == ["n=4"]


# -- what-if explorer -----------------------------------------------------------------------


def test_what_if_changes_only_the_given_provision(scenario, result):
    same = plot.what_if(scenario, "res-2375", {})
    assert same.p_adopted == pytest.approx(result.p_adopted, abs=1e-12)
    embargo = plot.what_if(scenario, "res-2375", {"oil_refined": 0})
    swept = cs.sweep(scenario, "res-2375", "oil_refined", [0.0])
    assert embargo.p_adopted == pytest.approx(swept.p_adopted[0], abs=1e-12)
    assert embargo.p_adopted < result.p_adopted
    with pytest.raises(ValueError, match="unknown provision kind"):
        plot.what_if(scenario, "res-2375", {"oil_pipeline": 1})


def test_explorer_callback_updates_the_readout(scenario):
    pytest.importorskip("ipywidgets")
    box = plot.provision_explorer(scenario, "res-2375")
    assert set(box.controls) == {"oil_refined", "oil_crude", "worker_cap", "textile_ban",
                                 "maritime_interdiction"}
    oil = box.controls["oil_refined"]
    assert oil.value == 2_000_000 and oil.max == 4_500_000
    assert box.controls["maritime_interdiction"].value == "flag_consent"
    assert box.controls["textile_ban"].value is True
    start = box.readout.value
    oil.value = 0.0  # what dragging the slider does: the observer recomputes
    assert box.readout.value != start
    expected = plot.what_if(scenario, "res-2375", {"oil_refined": 0.0})
    assert f"{expected.p_adopted:.3f}" in box.readout.value
    assert box.update().p_adopted == pytest.approx(expected.p_adopted)
    assert f"{expected.p_adopted:.3f}" in plot.explorer_html(expected)


# -- CLI --plot -----------------------------------------------------------------------------


def test_cli_run_plot_writes_a_png(tmp_path, capsys):
    out = tmp_path / "tally.png"
    assert main(["run", str(FLAGSHIP), "--plot", str(out), "--format", "json"]) == EXIT_OK
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    assert "us-first-draft" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["tally.png"]  # no temporary file left


def test_cli_run_plot_one_draft(tmp_path):
    out = tmp_path / "one.png"
    assert main(["run", str(FLAGSHIP), "--draft", "res-2375", "--plot", str(out)]) == EXIT_OK
    assert out.read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.parametrize(
    ("file", "args", "message"),
    [
        (FLAGSHIP, ["--draft", "no-such-draft"], "unknown draft id"),
        (ROOT / "tests" / "data" / "bad" / "bad-level.toml", [], "bad-level.toml"),
    ],
)
def test_cli_run_plot_writes_nothing_when_the_run_fails(tmp_path, capsys, file, args, message):
    out = tmp_path / "chart.png"
    assert main(["run", str(file), "--plot", str(out), *args]) == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_run_plot_bad_path_or_format(tmp_path, capsys):
    assert main(["run", str(FLAGSHIP), "--plot", str(tmp_path / "missing" / "x.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["run", str(FLAGSHIP), "--plot", str(tmp_path / "x.doc")]) == 2
    assert "cannot write .doc" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_run_plot_without_matplotlib(tmp_path, capsys, monkeypatch):
    # None in sys.modules makes "import matplotlib..." raise ImportError, as if not installed.
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "x.png"
    assert main(["run", str(FLAGSHIP), "--plot", str(out)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "pip install 'councilsim[plot]'" in err and "Traceback" not in err
    assert not out.exists()


def test_cli_run_without_plot_never_imports_matplotlib():
    code = (
        "import sys\n"
        "from councilsim.cli import main\n"
        f"assert main(['run', {str(FLAGSHIP)!r}, '--format', 'json']) == 0\n"
        "assert 'matplotlib' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
