"""The notebooks are documentation that runs: each one executes without error, and none is stored
with outputs (they are rebuilt when run, and stored outputs go stale and bloat diffs)."""

from __future__ import annotations

import json
import time

import pytest
from paths import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds per cell
NOTEBOOK_BUDGET = 60  # seconds per notebook on 2 cores, kernel start included


def test_there_are_notebooks():
    names = [path.name for path in PATHS]
    assert names[:4] == ["01-quickstart.ipynb", "02-dprk-2017.ipynb",
                         "03-power-and-reform.ipynb", "04-history-and-backtest.ipynb"]


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(path):
    # Plain JSON, so this check runs even without nbformat installed.
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {number} has stored outputs"
            assert cell.get("execution_count") is None, f"cell {number} has an execution count"


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_notebook_runs(path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="running notebooks needs nbformat")
    nbclient = pytest.importorskip("nbclient", reason="running notebooks needs nbclient")
    pytest.importorskip("ipykernel", reason="running notebooks needs ipykernel (kernel 'python3')")
    # The kernel inherits the environment: no display, and no stray output files elsewhere.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silences a debugger warning
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},  # relative paths as in Jupyter
        allow_errors=False,
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    seconds = time.perf_counter() - start
    errors = [
        output for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.outputs if output.get("output_type") == "error"
    ]
    assert not errors
    assert seconds < NOTEBOOK_BUDGET, (
        f"{path.name} took {seconds:.0f} s; notebooks must run in under a minute"
    )
