"""The public entry points: :func:`simulate` and :func:`compare` (orchestration only)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from councilsim._version import __version__
from councilsim.errors import InputError
from councilsim.exact import DEFAULT_NODES, MAX_NODES, ExactTooCostly, run_exact, run_exact_many
from councilsim.models import Draft, Scenario
from councilsim.montecarlo import resolve_seed, run_monte_carlo
from councilsim.results import Comparison, SimulationResult
from councilsim.votemodel import RandomUtilityModel, VoteLaw, VoteModel, VoteSampler

__all__ = ["compare", "simulate"]

Method = Literal["auto", "exact", "monte_carlo"]
_METHODS = ("auto", "exact", "monte_carlo")


def _as_scenario(scenario: Scenario | str | os.PathLike) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | os.PathLike):
        from councilsim.loading import load_scenario

        return load_scenario(scenario)
    raise TypeError(f"scenario must be a Scenario or a path to a TOML file, got {type(scenario)}")


def _simulate_iv(method: str, draws: int | None, nodes: int | None) -> None:
    if method not in _METHODS:
        raise InputError(f"method must be one of {', '.join(_METHODS)}; got {method!r}")
    if draws is not None and (isinstance(draws, bool) or not isinstance(draws, int | np.integer)
                              or draws < 1):
        raise InputError(f"draws must be a positive integer, got {draws!r}")
    whole = isinstance(nodes, int | np.integer) and not isinstance(nodes, bool)
    if nodes is not None and (not whole or not 2 <= nodes <= MAX_NODES):
        raise InputError(f"nodes must be an integer from 2 to {MAX_NODES}, got {nodes!r}")


def simulate(
    scenario: Scenario | str | os.PathLike,
    draft: str | Draft | None = None,
    *,
    draws: int | None = None,
    seed: None | int | np.random.SeedSequence | np.random.Generator = None,
    method: Method | None = None,
    model: VoteModel | None = None,
    nodes: int | None = None,
    keep_draws: bool = False,
    decisive: bool = True,
    chunk_draws: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Estimate how a draft resolution fares: adoption, vetoes, votes, decisive members.

    Parameters
    ----------
    scenario : Scenario or path
        The situation, or a path to a scenario TOML file.
    draft : str or Draft, optional
        The draft's id (or a Draft); may be omitted when the scenario has exactly one.
    draws : int, optional
        Monte Carlo draws (default: the scenario's ``simulation.draws``).
    seed : None, int, SeedSequence or Generator, optional
        Monte Carlo seed (default: the scenario's ``simulation.seed``, else fresh entropy, which is
        recorded in the result).
    method : {"auto", "exact", "monte_carlo"}, optional
        ``auto`` (default) uses the exact engine when the model gives a
        :class:`~councilsim.votemodel.VoteLaw` and its grids stay reasonable, Monte Carlo
        otherwise; ``keep_draws=True`` implies Monte Carlo.
    model : VoteModel, optional
        The vote model; :class:`~councilsim.votemodel.RandomUtilityModel` by default.
    nodes : int, optional
        Least number of points of the exact engine's mood grid (finer when the scenario needs).
    keep_draws : bool
        Keep the raw simulated votes in ``result.votes`` (Monte Carlo).
    decisive : bool
        Compute each member's P(decisive) with the exact engine. ``False`` leaves
        ``p_decisive`` empty and saves about 40% of its work: for sweeps and searches that
        evaluate many texts. (Monte Carlo counts it anyway: it costs little there.)
    chunk_draws : int, optional
        Draws per Monte Carlo task; affects speed and memory, never the numbers.
    executor : concurrent.futures.Executor, optional
        Runs Monte Carlo tasks in parallel; results are identical for any executor.
    progress : callable, optional
        ``progress(done, total)`` after each Monte Carlo task.

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> from councilsim import Council, Draft, Scenario, simulate
    >>> scenario = Scenario(council=Council.unsc(2017), drafts=[Draft(id="d")], mood_sd=0)
    >>> round(simulate(scenario).p_adopted, 6)  # everyone indifferent, no shared shocks
    0.006969
    """
    scenario = _as_scenario(scenario)
    job = _Job.make(scenario, draft, method=method, draws=draws, nodes=nodes, model=model,
                    keep_draws=keep_draws)
    return job.run(decisive=decisive, draws=draws, seed=seed, chunk_draws=chunk_draws,
                   executor=executor, progress=progress)


@dataclass(frozen=True)
class _Job:
    """One draft checked and prepared for an engine: what :func:`simulate` runs."""

    scenario: Scenario
    draft: Draft
    prepared: VoteLaw | VoteSampler
    method: str
    nodes: int
    veto: np.ndarray
    threshold: int
    veto_holders: tuple[str, ...]
    keep_draws: bool

    @classmethod
    def make(cls, scenario: Scenario, draft, *, method, draws, nodes, model, keep_draws) -> _Job:
        if isinstance(draft, Draft):
            scenario.check_draft(draft)  # a draft from elsewhere meets the scenario's own checks
        else:
            draft = scenario.draft(draft)
        method = method or ("monte_carlo" if keep_draws else scenario.simulation.method)
        _simulate_iv(method, draws, nodes)
        prepared = (model or RandomUtilityModel()).prepare(scenario, draft)
        is_law = isinstance(prepared, VoteLaw)
        council = scenario.council
        if is_law and prepared.seats != council.seats:
            raise InputError(
                f"the vote model gave laws for {prepared.seats} members; the council has "
                f"{council.seats}"
            )
        if method == "exact" and not is_law:
            raise InputError("this vote model has no exact form; use method='monte_carlo'")
        if method == "exact" and keep_draws:
            raise InputError("keep_draws=True needs method='monte_carlo'")
        # The rule applied: the model's own when it states one (a VoteLaw), else the council's.
        if is_law:
            veto, threshold = prepared.veto, prepared.threshold
        else:
            veto = np.array([code in council.veto_holders and not draft.procedural
                             for code in council.members])
            threshold = council.threshold
        veto_holders = tuple(
            code for code, holds in zip(council.members, veto, strict=True) if holds
        )
        return cls(scenario, draft, prepared, method, int(nodes or DEFAULT_NODES), veto,
                   threshold, veto_holders, bool(keep_draws))

    @property
    def exact_first(self) -> bool:
        """Whether the exact engine is tried (``auto`` falls back to Monte Carlo if too costly)."""
        return (self.method in ("auto", "exact") and isinstance(self.prepared, VoteLaw)
                and not self.keep_draws)

    def run(self, *, decisive, draws, seed, chunk_draws, executor, progress) -> SimulationResult:
        """The exact engine when it applies and its grids stay reasonable, else Monte Carlo."""
        if self.exact_first:
            try:
                return self.exact_result(
                    run_exact(self.prepared, nodes=self.nodes, decisive=decisive)
                )
            except ExactTooCostly:
                if self.method == "exact":
                    raise
        settings = self.scenario.simulation
        root = resolve_seed(settings.seed if seed is None else seed)
        raw = run_monte_carlo(
            self.prepared,
            veto=self.veto,
            threshold=self.threshold,
            draws=int(draws or settings.draws),
            seed=root,
            chunk_draws=chunk_draws,
            executor=executor,
            keep_draws=self.keep_draws,
            progress=progress,
        )
        return self._result(raw, method="monte_carlo", nodes=None, seed=int(root.entropy))

    def exact_result(self, raw) -> SimulationResult:
        return self._result(raw, method="exact", nodes=self.nodes, seed=None)

    def _result(self, raw, **engine) -> SimulationResult:
        return SimulationResult.from_outcome(
            raw,
            codes=self.scenario.council.members,
            veto_holders=self.veto_holders,
            procedural=self.draft.procedural,
            draft_id=self.draft.id,
            scenario_hash=self.scenario.content_hash(),
            version=__version__,
            scenario_title=self.scenario.title,
            draft_title=self.draft.title,
            names=dict(self.scenario.council.names),
            **engine,
        )


def simulate_texts(
    scenario: Scenario,
    drafts: list[str | Draft],
    *,
    draws: int | None = None,
    seed: None | int | np.random.SeedSequence | np.random.Generator = None,
    method: Method | None = None,
    model: VoteModel | None = None,
    nodes: int | None = None,
    keep_draws: bool = False,
    decisive: bool = True,
    chunk_draws: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[SimulationResult]:
    """:func:`simulate` for several drafts of one scenario; the same results, faster (internal).

    The texts the exact engine takes are evaluated together
    (:func:`councilsim.exact.run_exact_many`), which saves most of numpy's per-call cost in
    sweeps and searches; the others (and any the exact grids cannot handle) run one by one,
    exactly as :func:`simulate` runs them.
    """
    jobs = [
        _Job.make(scenario, draft, method=method, draws=draws, nodes=nodes, model=model,
                  keep_draws=keep_draws)
        for draft in drafts
    ]
    results: list[SimulationResult | None] = [None] * len(jobs)
    exact = [i for i, job in enumerate(jobs) if job.exact_first]
    try:
        outcomes = run_exact_many([jobs[i].prepared for i in exact],
                                  nodes=int(nodes or DEFAULT_NODES), decisive=decisive)
    except ExactTooCostly:
        exact, outcomes = [], []  # each job decides alone: exact raises again, auto falls back
    for i, raw in zip(exact, outcomes, strict=True):
        results[i] = jobs[i].exact_result(raw)
    return [
        result if result is not None else job.run(
            decisive=decisive, draws=draws, seed=seed, chunk_draws=chunk_draws,
            executor=executor, progress=progress,
        )
        for result, job in zip(results, jobs, strict=True)
    ]


def shared_seed(
    scenario: Scenario, seed: None | int | np.random.SeedSequence | np.random.Generator
) -> int:
    """One seed, resolved once, for every text of a comparison or analysis.

    Common random numbers make differences between texts free of sampling noise, and the
    returned integer (the scenario's ``simulation.seed`` or fresh entropy when ``seed`` is None)
    repeats the whole run exactly.
    """
    return int(resolve_seed(scenario.simulation.seed if seed is None else seed).entropy)


def compare(
    scenario: Scenario | str | os.PathLike,
    drafts: list[str] | None = None,
    **options,
) -> Comparison:
    """Simulate several drafts of one scenario (all of them by default).

    Parameters
    ----------
    scenario : Scenario or path
    drafts : list of str, optional
        Draft ids, in the order wanted; all the scenario's drafts when None.
    **options
        Keyword options of :func:`simulate`. With Monte Carlo, one seed serves every draft
        (common random numbers), so differences between drafts are not noise.

    Returns
    -------
    Comparison
    """
    scenario = _as_scenario(scenario)
    ids = drafts if drafts is not None else [draft.id for draft in scenario.drafts]
    if not ids:
        raise InputError("the scenario has no drafts to compare")
    options["seed"] = shared_seed(scenario, options.get("seed"))
    return Comparison(dict(zip(ids, simulate_texts(scenario, ids, **options), strict=True)))
