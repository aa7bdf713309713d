"""Where the tests find the repository's files, wherever a test module sits under tests/."""

from pathlib import Path

#: The tests folder (shared data under ``data/``).
TESTS_DIR = Path(__file__).resolve().parent
#: The repository root (scenarios/, notebooks/, docs/, README.md).
REPO_ROOT = TESTS_DIR.parent
