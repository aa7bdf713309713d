"""Fixtures shared by the test suite.

pytest puts this file's folder (``tests/``) on ``sys.path`` (rootdir-relative conftest, no
``__init__.py``), so every test module, in whatever sub-folder, imports the shared hypothesis
strategies as the plain module ``strategies``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from paths import REPO_ROOT as ROOT


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder."""
    return ROOT


@pytest.fixture(scope="session")
def scenario_paths() -> list[Path]:
    """Every scenario file shipped in ``scenarios/``."""
    return sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="session")
def flagship_path() -> Path:
    """The flagship scenario of the README's Quickstart (DPRK, September 2017)."""
    return ROOT / "scenarios" / "dprk-2017-09.toml"


@pytest.fixture(scope="session")
def flagship(flagship_path):
    """The flagship scenario, loaded once per session (models are immutable: safe to share)."""
    from councilsim import load_scenario

    return load_scenario(flagship_path)


@pytest.fixture(scope="session")
def history():
    """The bundled record, loaded once per session (a History is read-only: safe to share)."""
    from councilsim.history import load_history

    return load_history()
