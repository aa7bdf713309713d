"""councilsim: simulate votes of the UN Security Council.

Estimate how likely a draft resolution is to be adopted, who vetoes it, who is decisive, and what
text would pass, from members' stances with correlated uncertainty — exactly or by Monte Carlo.

This package root sits above every layer (docs/architecture.md). It imports the layers up to the
analyses; the record (:mod:`councilsim.history`), scenario files (:mod:`councilsim.loading`) and
charts (:mod:`councilsim.plot`) load on first use, so ``import councilsim`` stays light. It also
installs the two upward hooks: reading a scenario file for the API, and charts for results.
"""

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

from councilsim._version import __version__
from councilsim.analysis import (
    blocking_coalitions,
    compare_councils,
    negotiate,
    power_indices,
    sensitivity,
    sweep,
    sweep_grid,
)
from councilsim.api import compare, set_scenario_reader, simulate
from councilsim.errors import (
    CouncilsimError,
    DataIntegrityError,
    EngineLimitError,
    InputError,
    LeakageError,
    ScenarioError,
)
from councilsim.models import Bloc, Council, Draft, Member, Provision, Scenario, SimulationSettings
from councilsim.options import EngineOptions, Provenance
from councilsim.results import Comparison, SimulationResult, set_chart_renderers
from councilsim.rules import adopted, adopted_array
from councilsim.votemodel import RandomUtilityModel, VoteLaw, VoteModel, VoteSampler

__all__ = [
    "Bloc",
    "Comparison",
    "Council",
    "CouncilsimError",
    "DataIntegrityError",
    "Draft",
    "EngineLimitError",
    "EngineOptions",
    "InputError",
    "LeakageError",
    "Member",
    "Provenance",
    "Provision",
    "RandomUtilityModel",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "SimulationSettings",
    "VoteLaw",
    "VoteModel",
    "VoteSampler",
    "__version__",
    "adopted",
    "adopted_array",
    "backtest",
    "blocking_coalitions",
    "calibrate",
    "compare",
    "compare_councils",
    "load_history",
    "load_scenario",
    "negotiate",
    "power_indices",
    "sensitivity",
    "simulate",
    "sweep",
    "sweep_grid",
]

#: Public names whose modules load on first use: name -> module.
_LAZY = {
    "backtest": "councilsim.history",
    "calibrate": "councilsim.history",
    "load_history": "councilsim.history",
    "load_scenario": "councilsim.loading",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'councilsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _read_scenario_file(path):
    return import_module("councilsim.loading").load_scenario(path)


def _charts() -> Mapping[str, Callable[..., Any]]:
    plot = import_module("councilsim.plot")
    return {name: getattr(plot, name) for name in plot.__all__}


set_scenario_reader(_read_scenario_file)
set_chart_renderers(_charts)
