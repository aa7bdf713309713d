"""docs/api.md says "parameter names and defaults are as in the code": each signature written
there names the function's parameters, in the code's order."""

from __future__ import annotations

import importlib
import inspect
import re

from paths import REPO_ROOT

API_PAGE = REPO_ROOT / "docs" / "api.md"
#: The modules whose public functions docs/api.md documents.
MODULES = ("councilsim", "councilsim.analysis", "councilsim.history", "councilsim.plot",
           "councilsim.loading", "councilsim.history.calibration", "councilsim.history.logistic",
           "councilsim.history.backtest", "councilsim.history.scoring")


def _public_functions() -> dict[str, object]:
    found = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for attribute in getattr(module, "__all__", ()):
            value = getattr(module, attribute)
            if inspect.isfunction(value):
                found.setdefault(attribute, value)
    return found


def _documented_names(parameters: str) -> list[str]:
    """Parameter names of a written signature: defaults, ``*`` and ``**`` dropped."""
    names, depth, quoted, current = [], 0, False, ""
    for char in parameters + ",":
        quoted ^= char == '"'
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0 and not quoted:
            name = current.split("=")[0].strip().lstrip("*")
            if name:
                names.append(name)
            current = ""
        else:
            current += char
    return names


def _documented_signatures() -> list[tuple[str, list[str]]]:
    text = API_PAGE.read_text(encoding="utf-8")
    return [(m.group(1), _documented_names(m.group(2)))
            for m in re.finditer(r"`(\w+)\(([^`]*)\)`", text)]


def test_every_documented_signature_names_the_codes_parameters_in_order():
    functions = _public_functions()
    checked, wrong = 0, []
    for name, documented in _documented_signatures():
        if name not in functions or documented in ([], ["..."]):  # "f(...)": elided on purpose
            continue
        code = [p for p in inspect.signature(functions[name]).parameters]
        checked += 1
        if documented != code:
            wrong.append(f"{name}: docs/api.md {documented}, code {code}")
    assert not wrong, "\n".join(wrong)
    assert checked >= 25  # the page's tables were read


def test_the_reader_sees_a_wrong_signature():
    assert _documented_names('a, b=(1, 2), *, c="x, y", **kw') == ["a", "b", "c", "kw"]


def test_the_results_the_page_says_have_a_chart_have_one():
    from councilsim.analysis import (
        BlockingCoalitions,
        CouncilComparison,
        PowerIndices,
        Sensitivity,
        SweepResult,
    )
    from councilsim.history.backtest import BacktestResult
    from councilsim.results import Comparison, SimulationResult

    text = API_PAGE.read_text(encoding="utf-8")
    for result in (SimulationResult, SweepResult, Sensitivity, PowerIndices, BlockingCoalitions,
                   CouncilComparison, BacktestResult, Comparison):
        assert f"`{result.__name__}`" in text and callable(getattr(result, "plot", None)), result
