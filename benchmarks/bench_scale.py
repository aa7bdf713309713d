"""Speed and scale: every measure of the README's "Speed" table in one run.

Run: python benchmarks/bench_scale.py [--quick]

Measures, on the machine at hand: exact latency per scenario; Monte Carlo throughput against
numpy's bare normal-generation rate (measured in the same run); the time to pin P(adopted) to
+-0.001; a 1,000-point exact sweep; one backtest year; Monte Carlo on two cores against one; and
the same model written as a straightforward per-draw Python loop — what a user of a general
agent-based framework would write — as a ratio. Prints a markdown table. Latencies are medians,
throughputs the best of interleaved runs; all depend on the machine and on what else it is
doing.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

import councilsim as cs
from councilsim.exact import run_exact, run_exact_many
from councilsim.montecarlo import BLOCK_DRAWS
from councilsim.votemodel import RandomUtilityModel, VoteLaw

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "dprk-2017-09.toml"


def call_seconds(call, *, repeat: int) -> list[float]:
    """Seconds taken by each of ``repeat`` calls, after one call that warms the caches."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def median_seconds(call, *, repeat: int) -> float:
    return statistics.median(call_seconds(call, repeat=repeat))


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def normal_rate(variates: int, draws: int) -> float:
    """Draws per second of numpy generating only the normals a draw needs (the ceiling)."""
    rng = np.random.default_rng(0)
    blocks = -(-draws // BLOCK_DRAWS)
    start = time.perf_counter()
    for _ in range(blocks):
        rng.standard_normal((variates, BLOCK_DRAWS))
    return blocks * BLOCK_DRAWS / (time.perf_counter() - start)


def per_draw_loop(law: VoteLaw, draws: int, seed: int) -> float:
    """The model as a plain loop over draws and members: one agent decision at a time."""
    rng = np.random.default_rng(seed)
    adopted = 0
    for _ in range(draws):
        mood = rng.standard_normal()
        shocks = [rng.standard_normal() for _ in law.bloc_sd]
        yes, vetoed = 0, False
        for i in range(law.seats):
            utility = law.mean[i] + law.mood_sd * mood + law.sd[i] * rng.standard_normal()
            if law.bloc[i] >= 0:
                utility += law.bloc_sd[law.bloc[i]] * shocks[law.bloc[i]]
            if rng.random() < law.p_absent[i] or law.obliged_abstain[i]:
                continue
            if utility > law.yes_above[i]:
                yes += 1
            elif utility < law.no_below[i] and law.veto[i]:
                vetoed = True
        adopted += yes >= law.threshold and not vetoed
    return adopted / draws


def east_west(scenario: cs.Scenario) -> cs.Scenario:
    """``scenario`` with RUS, CHN (+1) and USA, GBR, FRA, JPN (-1) in one bloc."""
    others = [b for b in scenario.blocs if b.name not in ("western", "russia-china")]
    bloc = cs.Bloc(name="east-west", members=("RUS", "CHN", "USA", "GBR", "FRA", "JPN"), sd=0.6,
                   loadings={"USA": -1.0, "GBR": -1.0, "FRA": -1.0, "JPN": -1.0})
    return scenario.model_copy(update={"blocs": (bloc, *others)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and draws")
    args = parser.parse_args()
    repeat, draws, loop_draws = (20, 400_000, 2_000) if args.quick else (200, 4_000_000, 20_000)
    rows: list[tuple[str, str]] = []

    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        scenario = cs.load_scenario(path)
        for draft in scenario.drafts:
            law = RandomUtilityModel().prepare(scenario, draft)
            seconds = median_seconds(lambda law=law: run_exact(law), repeat=repeat)
            rows.append((f"exact latency, {path.stem} / {draft.id}", f"{seconds * 1e3:.2f} ms"))
            if path == FLAGSHIP and draft.id == "res-2375":
                seconds = median_seconds(lambda law=law: run_exact(law, decisive=False),
                                         repeat=repeat)
                rows.append((f"exact latency, {path.stem} / {draft.id}, without P(decisive)",
                             f"{seconds * 1e3:.2f} ms"))

    # Correlated opposition: the flagship with its western and russia-china blocs merged into
    # one east-west bloc whose two sides load +1 and -1 (the exact engine's product grid).
    scenario = east_west(cs.load_scenario(FLAGSHIP))
    for draft in scenario.drafts:
        law = RandomUtilityModel().prepare(scenario, draft)
        seconds = median_seconds(lambda law=law: run_exact(law), repeat=repeat)
        rows.append((f"exact latency, {FLAGSHIP.stem} with an east-west bloc / {draft.id}",
                     f"{seconds * 1e3:.2f} ms"))

    scenario = cs.load_scenario(FLAGSHIP)
    draft = "res-2375"
    # The headline latency: what a user's simulate() call costs (checks, engine, result), timed
    # call by call in rounds spread over the run, so that a burst of load on a shared machine
    # moves the median little; the best call shows what the machine does when quiet.
    samples = []
    for _ in range(5):
        samples += call_seconds(lambda: cs.simulate(scenario, draft), repeat=repeat)
    rows.append((f"simulate() exact, {FLAGSHIP.stem} / {draft}: median (best)",
                 f"{statistics.median(samples) * 1e3:.2f} ms ({min(samples) * 1e3:.2f} ms)"))
    # The sweep's 1,000 texts (refined-oil cap from 0 to 4.5 M barrels/year), prepared once.
    base = scenario.draft("us-first-draft")
    others = [p for p in base.provisions if p.kind != "oil_refined"]
    laws = [
        RandomUtilityModel().prepare(scenario, base.model_copy(update={"provisions": (
            *others, cs.Provision(kind="oil_refined", value=float(value)))}))
        for value in np.linspace(0, 4_500_000, 1000)
    ]
    seconds = median_seconds(lambda: run_exact_many(laws, decisive=False), repeat=3)
    rows.append(("exact engine, the sweep's 1,000 texts in batches (run_exact_many)",
                 f"{seconds * 1e3:.0f} ms"))

    law = RandomUtilityModel().prepare(scenario, scenario.draft(draft))
    variates = 1 + len(law.bloc_sd) + law.seats
    mc = dict(method="monte_carlo", draws=draws, seed=1)
    # Throughputs: best of interleaved runs, so that a burst of load on a shared machine does
    # not favour one side of the ratio.
    ceiling, one_core = 0.0, math.inf
    for _ in range(5):
        ceiling = max(ceiling, normal_rate(variates, draws))
        start = time.perf_counter()
        cs.simulate(scenario, draft, **mc)
        one_core = min(one_core, time.perf_counter() - start)
    rate = draws / one_core
    rows.append(("Monte Carlo throughput, one core", f"{rate / 1e6:.2f} M draws/s"))
    rows.append((f"numpy bare normals ({variates} per draw), same run",
                 f"{ceiling / 1e6:.2f} M draws/s"))
    rows.append(("Monte Carlo / numpy ceiling", f"{rate / ceiling:.2f}"))

    p = cs.simulate(scenario, draft).p_adopted
    needed = math.ceil(1.959963984540054**2 * p * (1 - p) / 0.001**2)
    reach = median_seconds(
        lambda: cs.simulate(scenario, draft, method="monte_carlo", draws=needed, seed=2), repeat=3
    )
    rows.append((f"time to P(adopted) +-0.001 (95%; {needed:,} draws)", f"{reach:.2f} s"))

    # Two cores against one: best of interleaved runs again, so both see the same machine.
    with ProcessPoolExecutor(max_workers=2) as pool:
        cs.simulate(scenario, draft, executor=pool, **mc)  # start the workers
        serial, parallel = math.inf, math.inf
        for _ in range(4):
            serial = min(serial, timed(lambda: cs.simulate(scenario, draft, **mc)))
            parallel = min(parallel, timed(
                lambda: cs.simulate(scenario, draft, executor=pool, **mc)))
    rows.append(("Monte Carlo, two cores / one core (speed-up)", f"{serial / parallel:.2f}x"))

    try:
        from councilsim.analysis import sweep
    except ImportError:
        sweep = None
    if callable(sweep):
        values = np.linspace(0, 4_500_000, 1000)
        seconds = median_seconds(
            lambda: sweep(scenario, "us-first-draft", "oil_refined", values), repeat=3
        )
        rows.append(("1,000-point exact sweep (oil_refined, us-first-draft)", f"{seconds:.2f} s"))

    try:
        from councilsim.history import backtest
    except ImportError:
        backtest = None
    if callable(backtest):
        start = time.perf_counter()
        backtest(start=2017, end=2017)
        rows.append(("one backtest year (2017: calibrate, predict every text)",
                     f"{time.perf_counter() - start:.1f} s"))

    loop_seconds = min(
        timed(lambda: per_draw_loop(law, loop_draws, 3)) for _ in range(3)
    )
    loop_rate = loop_draws / loop_seconds
    rows.append(("per-draw Python loop, same model", f"{loop_rate:,.0f} draws/s"))
    rows.append(("vectorised engine / per-draw loop", f"{rate / loop_rate:,.0f}x"))

    print(f"councilsim {cs.__version__} | numpy {np.__version__} | Python "
          f"{platform.python_version()} | {platform.machine()} | {platform.system()}")
    print()
    print("| measure | value |")
    print("| --- | --- |")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
