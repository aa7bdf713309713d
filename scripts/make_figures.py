"""Regenerate the figures in docs/images/ that the README and docs embed.

    python scripts/make_figures.py                      # all figures, full 2000-2025 backtest
    python scripts/make_figures.py --backtest short     # a 2022-2023 backtest (seconds)
    python scripts/make_figures.py --backtest none      # skip the reliability diagram

Every figure comes from the flagship scenario (scenarios/dprk-2017-09.toml) or the bundled record,
with the exact engine, so a rerun gives the same pictures. Files are written atomically (a
temporary file, then a rename): a failed run never leaves a half-written PNG behind.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import councilsim as cs  # noqa: E402
from councilsim import plot  # noqa: E402
from councilsim.cli import atomic_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "dprk-2017-09.toml"
DPI = 150


def save(ax_or_figure, path: Path) -> None:
    """Save a chart as PNG through a temporary file in the same folder, then rename it."""
    figure = getattr(ax_or_figure, "figure", ax_or_figure)
    try:
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format="png", dpi=DPI)  # tmp ends in .tmp: say the format
    finally:
        plt.close(figure)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def scenario_figures(out: Path) -> None:
    """The charts of the flagship scenario: tallies, votes, the oil sweep, tornado, power."""
    scenario = cs.load_scenario(FLAGSHIP)
    names = scenario.council.names
    comparison = cs.compare(scenario)

    fig, axes = plt.subplots(1, 3, figsize=(19, 5.0), layout="constrained")
    for result, ax in zip(comparison, axes, strict=True):
        plot.tally(result, ax=ax)
    save(fig, out / "tally-drafts.png")

    result = comparison["res-2375"]
    save(plot.tally(result), out / "tally-res-2375.png")
    save(plot.vote_heatmap(result), out / "votes-res-2375.png")

    # The refined-oil cap on the adopted text: on the first US draft the other provisions keep
    # it vetoed whatever the cap, and the curve would be flat near zero.
    oil = cs.sweep(scenario, "res-2375", "oil_refined", np.linspace(0, 4_500_000, 46), target=0.85)
    save(plot.sweep_curves(oil, names=names), out / "sweep-oil-refined-res-2375.png")

    # A freshly loaded scenario: sensitivity() edits copies of the scenario, and a copy of one
    # that has already been simulated inherits its cached content hash (bug reported), so the
    # member parameters would all show zero effect.
    sensitivity = cs.sensitivity(cs.load_scenario(FLAGSHIP), "res-2375")
    save(plot.tornado(sensitivity, top=15, names=names), out / "tornado-res-2375.png")

    save(plot.power_bars(cs.compare_councils(scenario, "res-2375")), out / "power-councils.png")


def reliability_figure(out: Path, which: str, jobs: int) -> None:
    """The reliability diagram of a backtest over the ``which`` window."""
    try:
        from councilsim.history.backtest import backtest
    except ImportError:
        print("councilsim.history.backtest is not available: reliability diagram skipped")
        return
    years = {"full": (2000, 2025), "short": (2022, 2023)}[which]
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs) as executor:  # years in parallel; identical results
        result = backtest(start=years[0], end=years[1], executor=executor)
    print(f"backtest {years[0]}-{years[1]}: {result.n_texts} texts, "
          f"{time.perf_counter() - start:.0f} s")
    save(plot.reliability(result), out / "reliability-backtest.png")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images",
                        help="folder for the PNG files (default docs/images)")
    parser.add_argument("--backtest", choices=["full", "short", "none"], default="full",
                        help="backtest window of the reliability diagram (full: 2000-2025, "
                             "a few minutes; short: 2022-2023)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes for the backtest")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    scenario_figures(args.out)
    if args.backtest != "none":
        reliability_figure(args.out, args.backtest, max(1, args.jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
