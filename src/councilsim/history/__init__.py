"""The historical record of Security Council votes, and checks of the rules against it.

- :func:`load_history` returns the bundled record (1946-2025) as a :class:`History` of
  :class:`RecordedVote`, after verifying the files against ``MANIFEST.toml``; with
  ``records=[...]`` it adds users' own drafts and votes files (:mod:`councilsim.history.extra`).
- :func:`replay` applies the Art. 27 rules (:mod:`councilsim.rules`) to every recorded vote and
  reports which outcomes they reproduce (:class:`ReplayReport`).
- :func:`calibrate` estimates members' stances from the recorded votes (:class:`Calibration`);
  :func:`calibrated_scenario` puts them into a scenario.
- :func:`backtest` predicts each year's votes from the years before and scores the forecasts
  against a base-rate and a persistence baseline (:class:`BacktestResult`).

Provenance, columns and known problems of the data: ``councilsim/data/unsc/SOURCE.md``.
"""

from councilsim.history.adapter import calibrated_scenario
from councilsim.history.backtest import BacktestResult, TextPrediction, backtest
from councilsim.history.calibration import (
    Calibration,
    MemberEstimate,
    TextContext,
    agenda_groups,
    calibrate,
)
from councilsim.history.extra import ExtraRecordError, load_history
from councilsim.history.record import (
    BUNDLED,
    ITEM_TYPES,
    RECORD_FILES,
    TOPIC_GROUPS,
    History,
    RecordedVote,
    RecordIntegrityError,
    Tally,
    verify_record,
)
from councilsim.history.replay import (
    EXPLAINED_STATUSES,
    SKIP_NO_MEMBER_VOTES,
    SKIP_WITHOUT_VOTE,
    Mismatch,
    ReplayReport,
    replay,
)

__all__ = [
    "BUNDLED",
    "EXPLAINED_STATUSES",
    "ITEM_TYPES",
    "RECORD_FILES",
    "SKIP_NO_MEMBER_VOTES",
    "SKIP_WITHOUT_VOTE",
    "TOPIC_GROUPS",
    "BacktestResult",
    "Calibration",
    "ExtraRecordError",
    "History",
    "MemberEstimate",
    "Mismatch",
    "RecordIntegrityError",
    "RecordedVote",
    "ReplayReport",
    "Tally",
    "TextContext",
    "TextPrediction",
    "agenda_groups",
    "backtest",
    "calibrate",
    "calibrated_scenario",
    "load_history",
    "replay",
    "verify_record",
]
