"""``from councilsim import *`` gives exactly the documented public API (as msprime checks)."""

from __future__ import annotations

import councilsim


def test_star_import_gives_exactly_all():
    namespace: dict = {}
    exec("from councilsim import *", namespace)
    namespace.pop("__builtins__")
    assert set(namespace) == set(councilsim.__all__)


def test_every_name_in_all_exists():
    missing = [name for name in councilsim.__all__ if not hasattr(councilsim, name)]
    assert not missing


def test_all_has_no_duplicates():
    # A name listed twice usually means another was meant.
    assert len(set(councilsim.__all__)) == len(councilsim.__all__)


def test_entry_points_are_public():
    for name in ("simulate", "compare", "Scenario", "Council", "SimulationResult", "__version__"):
        assert name in councilsim.__all__
