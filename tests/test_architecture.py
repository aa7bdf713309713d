"""The layers of docs/architecture.md hold: imports go one way, none hide in functions, and
``import councilsim`` stays light."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import councilsim

PACKAGE = Path(councilsim.__file__).parent
ROOT = Path(__file__).resolve().parents[1]
# The package root wires the layers together and the CLI sits on top: both may import late.
ABOVE_ALL = {"__init__.py", "__main__.py", "cli.py"}


def _env() -> dict[str, str]:
    """The environment of a child process that imports this very copy of councilsim."""
    source = str(PACKAGE.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [source, *filter(None, [os.environ.get("PYTHONPATH")])])}


def test_import_linter_contract_is_kept():
    executable = shutil.which("lint-imports")
    assert executable, "lint-imports is missing: pip install -e '.[dev]' (import-linter)"
    proc = subprocess.run([executable, "--config", str(ROOT / "pyproject.toml")],
                          capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def _late_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every councilsim import inside a function."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if inside and isinstance(child, ast.ImportFrom):
                if child.level or (child.module or "").split(".")[0] == "councilsim":
                    found.append((child.lineno, child.module or "."))
            elif inside and isinstance(child, ast.Import):
                found.extend((child.lineno, a.name) for a in child.names
                             if a.name.split(".")[0] == "councilsim")
            visit(child, inside)

    visit(tree, False)
    return found


def test_no_councilsim_import_inside_a_function_below_the_cli():
    late = [f"{path.relative_to(PACKAGE)}:{line}: {module}"
            for path in sorted(PACKAGE.rglob("*.py")) if path.name not in ABOVE_ALL
            or path.parent != PACKAGE
            for line, module in _late_imports(ast.parse(path.read_text()))]
    assert not late, "imports hidden in functions (import-linter cannot order them):\n" + (
        "\n".join(late))


def test_the_scan_finds_late_imports():
    code = "def f():\n    from councilsim.api import simulate\n    import numpy\n"
    assert _late_imports(ast.parse(code)) == [(2, "councilsim.api")]


def test_import_councilsim_stays_light():
    heavy = ("scipy.optimize", "matplotlib", "pandas", "councilsim.history",
             "councilsim.history.record", "councilsim.loading", "councilsim.plot")
    code = ("import sys, councilsim\n"
            f"print(' '.join(m for m in {heavy!r} if m in sys.modules))\n"
            "councilsim.load_scenario\n"  # the lazy names load on first use
            "print('councilsim.loading' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded, lazily = proc.stdout.splitlines()
    assert loaded == "", f"import councilsim loaded {loaded}"
    assert lazily == "True"


def test_lazy_public_names_and_paths_work_through_the_root(flagship_path):
    assert councilsim.load_history is councilsim.history.load_history
    assert councilsim.simulate(flagship_path, "res-2375").draft_id == "res-2375"
    assert {"load_scenario", "load_history", "calibrate", "backtest"} <= set(dir(councilsim))


def test_no_private_name_is_imported_across_modules():
    private = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("councilsim"):
                private += [f"{path.relative_to(PACKAGE)}:{node.lineno}: {alias.name}"
                            for alias in node.names
                            if alias.name.startswith("_") and alias.name != "__version__"]
    assert not private, "\n".join(private)


def test_every_module_states_its_public_names():
    # __all__ decides the public API; only the version file and the -m entry point have none.
    missing = [str(path.relative_to(PACKAGE)) for path in sorted(PACKAGE.rglob("*.py"))
               if path.name not in ("__main__.py", "_version.py")
               and not any(isinstance(node, ast.Assign)
                           and any(getattr(t, "id", None) == "__all__" for t in node.targets)
                           for node in ast.parse(path.read_text()).body)]
    assert not missing, missing
