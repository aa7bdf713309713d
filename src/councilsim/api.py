"""The public entry points: :func:`simulate` and :func:`compare` (orchestration only)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from councilsim._progress import ProgressLike, offset, progress_reporter
from councilsim._version import __version__
from councilsim.errors import ArgumentTypeError, InputError
from councilsim.exact import DEFAULT_NODES, ExactTooCostly, run_exact, run_exact_many
from councilsim.models import Draft, Scenario
from councilsim.montecarlo import resolve_seed, run_monte_carlo
from councilsim.options import EngineOptions, Method, SeedLike
from councilsim.results import Comparison, SimulationResult, simulation_result
from councilsim.votemodel import VoteLaw, VoteModel, VoteSampler

__all__ = ["compare", "simulate"]

#: Reads a scenario file. Files are the io layer's business, above this one, so the package root
#: (``councilsim/__init__.py``) installs the reader; see docs/architecture.md.
_scenario_reader: list[Callable[[str | os.PathLike], Scenario]] = []


def set_scenario_reader(reader: Callable[[str | os.PathLike], Scenario]) -> None:
    """Install the function that turns a scenario file's path into a Scenario (internal)."""
    _scenario_reader[:] = [reader]


def as_scenario(scenario: Scenario | str | os.PathLike) -> Scenario:
    """``scenario`` itself, or the scenario read from the file at that path (internal)."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | os.PathLike):
        if not _scenario_reader:
            raise RuntimeError("no scenario reader installed; import councilsim first")
        return _scenario_reader[0](scenario)
    raise ArgumentTypeError(
        f"scenario must be a Scenario or a path to a TOML file, got {type(scenario).__name__}")


def simulate(
    scenario: Scenario | str | os.PathLike,
    draft: str | Draft | None = None,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: Method | None = None,
    model: VoteModel | None = None,
    nodes: int | None = None,
    keep_draws: bool = False,
    decisive: bool = True,
    chunk_draws: int | None = None,
    executor: Executor | None = None,
    progress: ProgressLike = None,
    options: EngineOptions | None = None,
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
    progress : bool or callable, optional
        ``True`` draws a progress bar over the Monte Carlo tasks (in a terminal or a notebook);
        a callable is called as ``progress(done, total)`` after each task.
    options : EngineOptions, optional
        method, draws, seed, nodes, model and executor in one object; the keyword arguments
        above, when given, take precedence over it.

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
    scenario = as_scenario(scenario)
    options = EngineOptions.of(options, method=method, draws=draws, seed=seed, nodes=nodes,
                               model=model, executor=executor)
    job = _Job.make(scenario, draft, options, keep_draws=keep_draws)
    with progress_reporter(progress, f"simulating {job.draft.id}") as report:
        return job.run(decisive=decisive, chunk_draws=chunk_draws, progress=report)


@dataclass(frozen=True)
class _Job:
    """One draft checked and prepared for an engine: what :func:`simulate` runs."""

    scenario: Scenario
    draft: Draft
    prepared: VoteLaw | VoteSampler
    options: EngineOptions
    method: str
    nodes: int
    veto: np.ndarray
    threshold: int
    veto_holders: tuple[str, ...]
    keep_draws: bool

    @classmethod
    def make(cls, scenario: Scenario, draft, options: EngineOptions, *, keep_draws) -> _Job:
        if isinstance(draft, Draft):
            scenario.check_draft(draft)  # a draft from elsewhere meets the scenario's own checks
        else:
            draft = scenario.draft(draft)
        method = options.method or ("monte_carlo" if keep_draws else scenario.simulation.method)
        nodes = options.nodes
        prepared = options.vote_model.prepare(scenario, draft)
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
        return cls(scenario, draft, prepared, options, method, int(nodes or DEFAULT_NODES), veto,
                   threshold, veto_holders, bool(keep_draws))

    @property
    def exact_first(self) -> bool:
        """Whether the exact engine is tried (``auto`` falls back to Monte Carlo if too costly)."""
        return (self.method in ("auto", "exact") and isinstance(self.prepared, VoteLaw)
                and not self.keep_draws)

    def run(self, *, decisive, chunk_draws, progress) -> SimulationResult:
        """The exact engine when it applies and its grids stay reasonable, else Monte Carlo."""
        if self.exact_first:
            try:
                return self.exact_result(
                    run_exact(self.prepared, nodes=self.nodes, decisive=decisive)
                )
            except ExactTooCostly:
                if self.method == "exact":
                    raise
        options = self.options
        root = resolve_seed(self.scenario.simulation.seed if options.seed is None else options.seed)
        raw = run_monte_carlo(
            self.prepared,
            veto=self.veto,
            threshold=self.threshold,
            draws=int(options.draws or self.scenario.simulation.draws),
            seed=root,
            chunk_draws=chunk_draws,
            executor=options.executor,
            keep_draws=self.keep_draws,
            progress=progress,
        )
        return self._result(raw, method="monte_carlo", nodes=None, seed=int(root.entropy))

    def exact_result(self, raw) -> SimulationResult:
        return self._result(raw, method="exact", nodes=self.nodes, seed=None)

    def _result(self, raw, **engine) -> SimulationResult:
        return simulation_result(
            raw,
            codes=self.scenario.council.members,
            veto_holders=self.veto_holders,
            procedural=self.draft.procedural,
            draft_id=self.draft.id,
            scenario_hash=self.scenario.content_hash(),
            version=__version__,
            scenario_title=self.scenario.title,
            draft_title=self.draft.title,
            names=self.scenario.council.names,
            **engine,
        )


def simulate_texts(
    scenario: Scenario,
    drafts: list[str | Draft],
    options: EngineOptions,
    *,
    keep_draws: bool = False,
    decisive: bool = True,
    chunk_draws: int | None = None,
    progress: ProgressLike = None,
) -> list[SimulationResult]:
    """:func:`simulate` for several drafts of one scenario; the same results, faster (internal).

    The texts the exact engine takes are evaluated together
    (:func:`councilsim.exact.run_exact_many`), which saves most of numpy's per-call cost in
    sweeps and searches; the others (and any the exact grids cannot handle) run one by one,
    exactly as :func:`simulate` runs them.
    """
    jobs = [_Job.make(scenario, draft, options, keep_draws=keep_draws) for draft in drafts]
    results: list[SimulationResult | None] = [None] * len(jobs)
    exact = [i for i, job in enumerate(jobs) if job.exact_first]
    try:
        outcomes = run_exact_many([jobs[i].prepared for i in exact],
                                  nodes=int(options.nodes or DEFAULT_NODES), decisive=decisive)
    except ExactTooCostly:
        exact, outcomes = [], []  # each job decides alone: exact raises again, auto falls back
    for i, raw in zip(exact, outcomes, strict=True):
        results[i] = jobs[i].exact_result(raw)
    with progress_reporter(progress, "simulating") as report:
        return [
            result if result is not None else job.run(
                decisive=decisive, chunk_draws=chunk_draws,
                progress=offset(report, i, len(jobs)),
            )
            for i, (result, job) in enumerate(zip(results, jobs, strict=True))
        ]


def compare(
    scenario: Scenario | str | os.PathLike,
    drafts: str | list[str] | None = None,
    *,
    options: EngineOptions | None = None,
    keep_draws: bool = False,
    decisive: bool = True,
    chunk_draws: int | None = None,
    progress: ProgressLike = None,
    **engine: Any,
) -> Comparison:
    """Simulate several drafts of one scenario (all of them by default).

    Parameters
    ----------
    scenario : Scenario or path
    drafts : str or list of str, optional
        Draft ids, in the order wanted (one id alone is a list of one); all the scenario's
        drafts when None.
    options, keep_draws, decisive, chunk_draws, progress, **engine
        As for :func:`simulate` (``engine``: its method, draws, seed, nodes, model, executor;
        ``progress=True`` draws one bar for all the drafts). With Monte Carlo, one seed serves
        every draft (common random numbers), so differences between drafts are not noise.

    Returns
    -------
    Comparison
    """
    scenario = as_scenario(scenario)
    if drafts is None:
        ids = [draft.id for draft in scenario.drafts]
    else:
        ids = [drafts] if isinstance(drafts, str) else list(drafts)
    if not ids:
        raise InputError("the scenario has no drafts to compare")
    twice = sorted({draft for draft in ids if ids.count(draft) > 1})
    if twice:
        raise InputError(f"draft ids listed more than once: {', '.join(map(str, twice))}")
    options = EngineOptions.of(options, **engine)
    options = replace(options, seed=options.root_entropy(scenario))
    results = simulate_texts(scenario, ids, options, keep_draws=keep_draws, decisive=decisive,
                             chunk_draws=chunk_draws, progress=progress)
    return Comparison(dict(zip(ids, results, strict=True)))
