"""The historical record of Security Council votes, and checks of the rules against it.

- :func:`load_history` returns the bundled record (1946-2025) as a :class:`History` of
  :class:`RecordedVote`, after verifying the files against ``MANIFEST.toml``.
- :func:`replay` applies the Art. 27 rules (:mod:`councilsim.rules`) to every recorded vote and
  reports which outcomes they reproduce (:class:`ReplayReport`).

Provenance, columns and known problems of the data: ``councilsim/data/unsc/SOURCE.md``.
"""

from councilsim.history.record import (
    ITEM_TYPES,
    RECORD_FILES,
    TOPIC_GROUPS,
    History,
    RecordedVote,
    RecordIntegrityError,
    Tally,
    load_history,
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
    "EXPLAINED_STATUSES",
    "ITEM_TYPES",
    "RECORD_FILES",
    "SKIP_NO_MEMBER_VOTES",
    "SKIP_WITHOUT_VOTE",
    "TOPIC_GROUPS",
    "History",
    "Mismatch",
    "RecordIntegrityError",
    "RecordedVote",
    "ReplayReport",
    "Tally",
    "load_history",
    "replay",
    "verify_record",
]
