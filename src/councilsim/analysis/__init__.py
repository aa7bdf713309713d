"""Analyses of drafts and Council rules.

* voting power: :func:`power_indices` (exact Shapley–Shubik and Banzhaf indices);
* one provision at a time: :func:`sweep`, :func:`sweep_grid`;
* which stance parameters matter: :func:`sensitivity`;
* what text would pass: :func:`negotiate`;
* who defeats a draft: :func:`blocking_coalitions`;
* reform models: :func:`compare_councils`, :func:`council_scenario`.
"""

from councilsim.analysis.coalitions import BlockingCoalitions, Coalition, blocking_coalitions
from councilsim.analysis.negotiate import (
    Change,
    Move,
    NegotiatedProvision,
    Negotiation,
    negotiate,
)
from councilsim.analysis.power import PowerIndices, power_indices
from councilsim.analysis.reform import (
    DEFAULT_COUNCILS,
    CouncilComparison,
    CouncilRow,
    average_elected_stance,
    compare_councils,
    council_scenario,
)
from councilsim.analysis.sensitivity import Sensitivity, SensitivityRow, sensitivity
from councilsim.analysis.sweep import SweepGrid, SweepResult, sweep, sweep_grid

__all__ = [
    "DEFAULT_COUNCILS",
    "BlockingCoalitions",
    "Change",
    "Coalition",
    "CouncilComparison",
    "CouncilRow",
    "Move",
    "NegotiatedProvision",
    "Negotiation",
    "PowerIndices",
    "Sensitivity",
    "SensitivityRow",
    "SweepGrid",
    "SweepResult",
    "average_elected_stance",
    "blocking_coalitions",
    "compare_councils",
    "council_scenario",
    "negotiate",
    "power_indices",
    "sensitivity",
    "sweep",
    "sweep_grid",
]
