"""councilsim: simulate votes of the UN Security Council.

Estimate how likely a draft resolution is to be adopted, who vetoes it, who is decisive, and what
text would pass, from members' stances with correlated uncertainty — exactly or by Monte Carlo.
"""

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
from councilsim.api import compare, simulate
from councilsim.errors import (
    CouncilsimError,
    DataIntegrityError,
    EngineLimitError,
    InputError,
    LeakageError,
    ScenarioError,
)
from councilsim.history import backtest, calibrate, load_history
from councilsim.loading import load_scenario
from councilsim.models import Bloc, Council, Draft, Member, Provision, Scenario, SimulationSettings
from councilsim.options import EngineOptions, Provenance
from councilsim.results import Comparison, SimulationResult
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
