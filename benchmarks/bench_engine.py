"""Engine speed: exact latency and Monte Carlo throughput against numpy's bare normal rate.

Run: python benchmarks/bench_engine.py [--quick]
Prints a table; the README quotes its numbers. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np

import councilsim as cs
from councilsim.exact import run_exact
from councilsim.montecarlo import BLOCK_DRAWS
from councilsim.votemodel import RandomUtilityModel

FLAGSHIP = Path(__file__).resolve().parents[1] / "scenarios" / "dprk-2017-09.toml"


def median_seconds(call, *, repeat: int) -> float:
    call()  # warm caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def normal_rate(variates_per_draw: int, *, blocks: int) -> float:
    """Draws per second numpy achieves generating only the normals one draw needs, in the
    engine's block shape: the ceiling for any Monte Carlo engine of this model."""
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(blocks):
        rng.standard_normal((variates_per_draw, BLOCK_DRAWS))
    return blocks * BLOCK_DRAWS / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeat, draws = (20, 500_000) if args.quick else (200, 4_000_000)

    scenario = cs.load_scenario(FLAGSHIP)
    rows = []
    for draft in scenario.drafts:
        law = RandomUtilityModel().prepare(scenario, draft)
        rows.append((f"exact, {draft.id}", median_seconds(lambda: run_exact(law), repeat=repeat)))
    law = RandomUtilityModel().prepare(scenario, scenario.drafts[-1])
    simulate_exact = median_seconds(lambda: cs.simulate(scenario, "res-2375"), repeat=repeat)

    variates = 1 + len(scenario.blocs) + scenario.council.seats
    blocks = -(-draws // BLOCK_DRAWS)
    ceiling = normal_rate(variates, blocks=blocks)
    mc_seconds = median_seconds(
        lambda: cs.simulate(scenario, "res-2375", method="monte_carlo", draws=draws, seed=1),
        repeat=3,
    )
    mc_rate = draws / mc_seconds

    print(f"councilsim {cs.__version__} | numpy {np.__version__} | Python "
          f"{platform.python_version()} | {platform.machine()} | scenario {FLAGSHIP.name} "
          f"({scenario.council.seats} members, {len(scenario.blocs)} blocs)")
    print()
    print("| measure | value |")
    print("| --- | --- |")
    for label, seconds in rows:
        print(f"| {label}: median latency (engine only) | {seconds * 1e3:.2f} ms |")
    print(f"| exact, res-2375: median simulate() incl. model preparation | "
          f"{simulate_exact * 1e3:.2f} ms |")
    print(f"| Monte Carlo throughput ({draws:,} draws, one core) | {mc_rate / 1e6:.2f} M draws/s |")
    print(f"| numpy bare normals, {variates} per draw (the ceiling) | {ceiling / 1e6:.2f} M draws/s |")
    print(f"| Monte Carlo / ceiling | {mc_rate / ceiling:.2f} |")


if __name__ == "__main__":
    main()
