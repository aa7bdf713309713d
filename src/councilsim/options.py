"""How to compute: one :class:`EngineOptions` for simulate, compare and every analysis.

Options are written once, checked once, and resolved once against the scenario's
``[simulation]`` table and the common seed (:meth:`EngineOptions.resolve`); every result then
carries one :class:`Provenance` record of what was used.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from councilsim._version import __version__
from councilsim.errors import ArgumentTypeError, EngineLimitError, InputError
from councilsim.exact import DEFAULT_NODES, MAX_NODES, quadrature_groups
from councilsim.models import Draft, Scenario
from councilsim.montecarlo import check_seed, resolve_seed
from councilsim.votemodel import RandomUtilityModel, VoteLaw, VoteModel

__all__ = ["METHODS", "EngineOptions", "Method", "Provenance", "SeedLike"]

Method = Literal["auto", "exact", "monte_carlo"]
#: The engines a caller may ask for; ``auto`` is exact when it applies, else Monte Carlo.
METHODS: tuple[str, ...] = ("auto", "exact", "monte_carlo")
SeedLike = None | int | np.random.SeedSequence | np.random.Generator

_FIELDS = ("method", "draws", "seed", "nodes", "model", "executor")


@dataclass(frozen=True, kw_only=True)
class EngineOptions:
    """Which engine, and its settings; checked when built.

    Parameters
    ----------
    method : {"auto", "exact", "monte_carlo"}, optional
        Default: the scenario's ``simulation.method`` (normally ``auto``).
    draws : int, optional
        Monte Carlo draws; default the scenario's ``simulation.draws``.
    seed : None, int, SeedSequence or Generator, optional
        Monte Carlo seed; default the scenario's ``simulation.seed``, else fresh entropy (which
        is recorded, so the run can be repeated).
    nodes : int, optional
        Least number of points of the exact engine's mood grid.
    model : VoteModel, optional
        The vote model; :class:`~councilsim.votemodel.RandomUtilityModel` by default.
    executor : concurrent.futures.Executor, optional
        Runs independent tasks in parallel; results are identical for any executor.

    Raises
    ------
    InputError
        For an unknown method, or draws or nodes out of range.

    Examples
    --------
    >>> EngineOptions(method="monte_carlo", draws=10_000).draws
    10000
    >>> EngineOptions(method="fast")
    Traceback (most recent call last):
    ...
    councilsim.errors.InputError: method must be one of auto, exact, monte_carlo; got 'fast'
    """

    method: Method | None = None
    draws: int | None = None
    seed: SeedLike = None
    nodes: int | None = None
    model: VoteModel | None = None
    executor: Executor | None = None

    def __post_init__(self) -> None:
        if self.method is not None and self.method not in METHODS:
            raise InputError(f"method must be one of {', '.join(METHODS)}; got {self.method!r}")
        draws = self.draws
        if draws is not None and (isinstance(draws, bool) or not isinstance(draws, int | np.integer)
                                  or draws < 1):
            raise InputError(f"draws must be a positive integer, got {draws!r}")
        nodes = self.nodes
        whole = isinstance(nodes, int | np.integer) and not isinstance(nodes, bool)
        if nodes is not None and (not whole or not 2 <= nodes <= MAX_NODES):
            raise InputError(f"nodes must be an integer from 2 to {MAX_NODES}, got {nodes!r}")
        check_seed(self.seed)
        if self.model is not None and not callable(getattr(self.model, "prepare", None)):
            raise ArgumentTypeError(
                "model must be a vote model (an object with a prepare(scenario, draft) method), "
                f"got {self.model!r}")
        if self.executor is not None and not all(
                callable(getattr(self.executor, name, None)) for name in ("submit", "map")):
            raise ArgumentTypeError(
                "executor must have submit and map methods (a concurrent.futures.Executor), "
                f"got {self.executor!r}")

    @classmethod
    def of(cls, options: EngineOptions | None = None, **keywords: Any) -> EngineOptions:
        """``options`` with the keyword arguments that are not None laid over it.

        The public functions keep their keyword arguments (``method=``, ``draws=``, ...) and
        build their options here, so ``simulate(s, draws=1000)`` and
        ``simulate(s, options=EngineOptions(draws=1000))`` are the same call.
        """
        unknown = sorted(set(keywords) - set(_FIELDS))
        if unknown:
            raise ArgumentTypeError(
                f"unknown engine options {unknown}; allowed: {', '.join(_FIELDS)}")
        given = {name: value for name, value in keywords.items() if value is not None}
        if options is None:
            return cls(**given)
        if not isinstance(options, EngineOptions):
            raise ArgumentTypeError(f"options must be an EngineOptions, got {options!r}")
        return replace(options, **given) if given else options

    @property
    def vote_model(self) -> VoteModel:
        """The vote model to use (the default model when none was given)."""
        return self.model or RandomUtilityModel()

    def resolve(self, scenario: Scenario, draft: Draft | None = None) -> EngineOptions:
        """These options made concrete for ``scenario``: what an analysis runs with.

        ``method`` becomes ``"exact"`` or ``"monte_carlo"`` (``auto`` is exact when the vote
        model gives a :class:`~councilsim.votemodel.VoteLaw` for ``draft`` — the scenario's
        first draft by default — and the exact grids stay reasonable); ``draws`` and ``seed``
        (an integer, one for every text: common random numbers) are filled from the scenario
        for Monte Carlo and set to None for exact; ``nodes`` is the exact engine's (the
        default when not given), recorded as :func:`councilsim.simulate` records it.

        Raises
        ------
        InputError
            When ``method="exact"`` is asked of a vote model without an exact form.
        """
        method = self.method or scenario.simulation.method
        if method != "monte_carlo":
            exact = self._exact_applies(scenario, draft)
            if method == "exact" and exact is None:
                raise InputError("this vote model has no exact form; use method='monte_carlo'")
            method = "exact" if exact else "monte_carlo"
        if method == "exact":
            return replace(self, method="exact", draws=None, seed=None,
                           nodes=int(self.nodes or DEFAULT_NODES))
        return replace(self, method="monte_carlo",
                       draws=int(self.draws or scenario.simulation.draws),
                       seed=self.root_entropy(scenario))

    def _exact_applies(self, scenario: Scenario, draft: Draft | None) -> bool | None:
        """True if exact applies and is affordable, False if too costly, None if no exact form."""
        draft = draft if draft is not None else (scenario.drafts[0] if scenario.drafts else
                                                 Draft(id="-"))
        prepared = self.vote_model.prepare(scenario, draft)
        if not isinstance(prepared, VoteLaw):
            return None
        try:
            quadrature_groups(prepared, int(self.nodes or DEFAULT_NODES))
        except EngineLimitError:
            return False
        return True

    def root_entropy(self, scenario: Scenario) -> int:
        """The Monte Carlo seed, resolved once: this ``seed``, the scenario's, or fresh entropy."""
        return int(resolve_seed(scenario.simulation.seed if self.seed is None else self.seed)
                   .entropy)

    def root_seed(self) -> np.random.SeedSequence | None:
        """The root ``SeedSequence`` of resolved Monte Carlo options (None for exact)."""
        return None if self.seed is None else np.random.SeedSequence(int(self.seed))

    def without_executor(self) -> EngineOptions:
        """These options for one task of an analysis (tasks are mapped over the executor)."""
        return replace(self, executor=None) if self.executor is not None else self

    def provenance_fields(self) -> dict[str, Any]:
        """``method``, ``draws``, ``seed`` and ``nodes`` of resolved options, for a result."""
        return {"method": self.method, "draws": self.draws, "seed": self.seed,
                "nodes": self.nodes}

    def provenance(self, scenario: Scenario) -> Provenance:
        """The provenance record of a result computed with these resolved options."""
        return Provenance(method=str(self.method), draws=self.draws, nodes=self.nodes,
                          seed=self.seed, scenario_hash=scenario.content_hash(),
                          version=__version__)


@dataclass(frozen=True)
class Provenance:
    """What produced a result: engine, its settings, the scenario's hash and the version.

    Attributes
    ----------
    method : str
        ``"exact"`` or ``"monte_carlo"``: the engine actually used.
    draws : int or None
        Monte Carlo draws (per text), None for exact.
    nodes : int or None
        Least number of points of the exact engine's mood grid, when given or used.
    seed : int or None
        Entropy of the root seed (Monte Carlo), None for exact.
    scenario_hash : str
        SHA-256 of the scenario's canonical JSON.
    version : str
        councilsim version.
    """

    method: str
    draws: int | None
    nodes: int | None
    seed: int | None
    scenario_hash: str
    version: str

    @classmethod
    def of(cls, result: Any) -> Provenance:
        """The record of a result that stores these attributes itself."""
        return cls(**{name: getattr(result, name, None) for name in cls.__dataclass_fields__}
                   | {"version": getattr(result, "version", None) or __version__})

    def to_dict(self) -> Mapping[str, Any]:
        """The record as plain Python values."""
        return dict(self.__dict__)
