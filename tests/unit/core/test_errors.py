"""One error root: what councilsim raises on purpose is a CouncilsimError; the rest are bugs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import councilsim
from councilsim import Council, Draft, Scenario, cli, simulate
from councilsim.catalog import builtin_catalog, severity_of
from councilsim.errors import (
    CouncilsimError,
    DataIntegrityError,
    EngineLimitError,
    InputError,
    LeakageError,
    ScenarioError,
)
from councilsim.exact import ExactTooCostly
from councilsim.history import RecordIntegrityError

SOURCE = Path(councilsim.__file__).parent
SCENARIO = Scenario(council=Council.unsc(2017), drafts=[Draft(id="d")])


def test_hierarchy():
    assert issubclass(InputError, CouncilsimError) and issubclass(InputError, ValueError)
    assert issubclass(ScenarioError, InputError)
    for error in (EngineLimitError, DataIntegrityError, LeakageError):
        assert issubclass(error, CouncilsimError) and not issubclass(error, ValueError)
    # The two older types keep ValueError among their bases: existing handlers still catch them.
    assert issubclass(ExactTooCostly, EngineLimitError) and issubclass(ExactTooCostly, ValueError)
    assert issubclass(RecordIntegrityError, DataIntegrityError)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: simulate(SCENARIO, method="fast"), "method must be one of"),
    (lambda: simulate(SCENARIO, draws=0), "draws must be a positive integer"),
    (lambda: SCENARIO.draft("nope"), "unknown draft id 'nope'"),
    (lambda: Council.named("nowhere"), "unknown council 'nowhere'"),
    (lambda: severity_of("oil_refined", builtin_catalog()["oil_refined"], value="all"),
     "unknown level 'all'"),
    (lambda: councilsim.sweep(SCENARIO, "d", "oil_refined", [], severity=True),
     "must not be empty"),
    (lambda: councilsim.load_history().filter(member="XXX"), "never sat on the Council"),
    (lambda: SCENARIO.member("DEU"), "'DEU' is not on the council"),
    (lambda: councilsim.adopted_array(["Y"] * 15, SCENARIO.council), "integer vote codes"),
    (lambda: councilsim.adopted_array([7] * 15, SCENARIO.council), "from 7 to 7"),
    (lambda: simulate(SCENARIO, method="monte_carlo", draws=10, chunk_draws=0), "chunk_draws"),
    (lambda: simulate(SCENARIO, method="monte_carlo", draws=10, chunk_draws="x"), "chunk_draws"),
    (lambda: simulate(SCENARIO, seed=-5), "seed must be a whole number >= 0"),
    (lambda: Scenario.model_validate_json('{"council": 3}'), "council: input should be"),
    (lambda: councilsim.load_history()["S/2099/1"], "no recorded vote with id 'S/2099/1'"),
    (lambda: councilsim.load_history()[10**6], "no recorded vote at position 1000000"),
])
def test_bad_input_is_an_input_error(call, message):
    with pytest.raises(InputError, match=message):
        call()


@pytest.mark.parametrize(("call", "message"), [
    (lambda: simulate(None), "scenario must be a Scenario or a path"),
    (lambda: simulate(SCENARIO, seed=1.5), "seed must be None, a non-negative int"),
    (lambda: simulate(SCENARIO, seed="abc"), "seed must be None, a non-negative int"),
    (lambda: simulate(SCENARIO, options={"draws": 10}), "options must be an EngineOptions"),
    (lambda: simulate(SCENARIO, executor="x"), "executor must have submit and map"),
    (lambda: simulate(SCENARIO, model="x"), "model must be a vote model"),
    (lambda: councilsim.EngineOptions(seed="abc"), "seed must be None"),
    (lambda: councilsim.sweep(SCENARIO, 5, "oil_refined", [0.5], severity=True),
     "draft must be a draft id"),
    (lambda: councilsim.power_indices(5), "council must be a Council"),
    (lambda: councilsim.adopted({}, 5), "council must be a Council or its name"),
    (lambda: Council.unsc("2017"), "year must be a whole number"),
    (lambda: SCENARIO.council.names.__setitem__("X", "x"), "read-only"),
])
def test_an_argument_of_the_wrong_type_is_a_councilsim_error_and_a_type_error(call, message):
    with pytest.raises(CouncilsimError, match=message) as info:
        call()
    assert isinstance(info.value, TypeError)


def _raises_and_asserts(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            found.append((node.lineno, "assert (removed by python -O)"))
        elif (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
              and isinstance(node.exc.func, ast.Name)
              and node.exc.func.id in ("ValueError", "TypeError", "KeyError", "IndexError")):
            found.append((node.lineno, f"bare {node.exc.func.id}"))
    return found


def test_no_bare_value_or_type_error_and_no_assert_guard_in_the_package():
    problems = [f"{path.relative_to(SOURCE)}:{line}: {what}"
                for path in sorted(SOURCE.rglob("*.py"))
                for line, what in _raises_and_asserts(ast.parse(path.read_text()))]
    assert not problems, "\n".join(problems)


def test_the_scan_finds_what_it_looks_for():
    code = "def f(x):\n    assert x\n    raise ValueError('no')\n    raise TypeError('no')\n"
    assert [what for _, what in _raises_and_asserts(ast.parse(code))] == [
        "assert (removed by python -O)", "bare ValueError", "bare TypeError"]


def test_cli_reports_a_councilsim_error_as_bad_input(capsys, flagship_path):
    assert cli.main(["run", str(flagship_path), "--draft", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("councilsim: error: unknown draft id 'nope'") and "Traceback" not in err


@pytest.mark.parametrize("error", [ValueError("a bug"), KeyError("a bug"), RuntimeError("a bug")])
def test_cli_reports_anything_else_as_a_bug(monkeypatch, capsys, flagship_path, error):
    def broken(args):
        raise error

    monkeypatch.setattr(cli, "_cmd_validate", broken)
    assert cli.main(["validate", str(flagship_path)]) == 1
    err = capsys.readouterr().err
    assert f"internal error: {type(error).__name__}" in err
    assert "This is a bug in councilsim" in err and "report it" in err
