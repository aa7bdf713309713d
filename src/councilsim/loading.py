"""Scenario files: TOML in, a validated :class:`~councilsim.models.Scenario` out.

The file format is documented in ``docs/scenario-format.md``. Every problem becomes one
:class:`~councilsim.errors.ScenarioError` naming the file, the line and column of a syntax error
or the field path of an invalid value (``member[3].uncertainty: must be > 0, got -1``).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from councilsim.errors import ScenarioError
from councilsim.models import Council, Scenario

__all__ = ["load_scenario", "parse_scenario", "scenario_from_document"]

#: Top-level tables of a scenario file and the model fields they feed.
_TABLES = {
    "scenario": "title, date, description, council, mood_sd",
    "council": "an inline council: members, veto_holders, threshold, name, names",
    "simulation": "method, draws, seed",
    "status_quo": "provisions in force before the vote, one key per kind",
    "bloc": "[[bloc]] entries: name, members, sd, why",
    "member": "[[member]] entries: code, support, ideal, salience, uncertainty, ...",
    "draft": "[[draft]] entries: id, title, provisions, procedural, obliged_abstain, ...",
    "catalog": "extra provision kinds, one table per kind",
}
_SCENARIO_KEYS = ("title", "date", "description", "council", "mood_sd")
# Model field names (Python API) and their names in a scenario file.
_FILE_NAMES = {"members": "member", "blocs": "bloc", "drafts": "draft"}


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        When the file cannot be read, is not valid TOML, or describes an invalid scenario.
    """
    name = os.fspath(path)
    try:
        raw = Path(name).read_bytes()
    except OSError as err:
        raise ScenarioError(f"cannot read the file: {err.strerror or err}", path=name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(f"not UTF-8 text (byte {err.start})", path=name) from None
    return parse_scenario(text, path=name)


def parse_scenario(text: str, *, path: str | None = None) -> Scenario:
    """Validate a scenario given as TOML text (``path`` is only used in messages)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if found:
            problem = message[: found.start()].strip()
            line, column = int(found.group(1)), int(found.group(2))
        else:  # "(at end of document)"
            problem, line, column = re.sub(r"\s*\(at [^)]*\)", "", message), None, None
        raise ScenarioError(f"TOML syntax error: {problem}", path=path, line=line, column=column) from None
    return scenario_from_document(document, path=path)


def scenario_from_document(document: dict[str, Any], *, path: str | None = None) -> Scenario:
    """Validate a parsed scenario document (the dict ``tomllib`` returns)."""
    fields = _document_to_fields(document, path)
    try:
        return Scenario(**fields)
    except ValidationError as err:
        field, problem = _first_error(err)
        raise ScenarioError(problem, path=path, field=field) from None


def _fail(problem: str, path: str | None, field: str | None = None) -> ScenarioError:
    return ScenarioError(problem, path=path, field=field)


def _table(value: Any, field: str, path: str | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"must be a table, got {_describe(value)}", path, field)
    return value


def _array_of_tables(value: Any, field: str, path: str | None) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _fail(f"must be an array of tables ([[{field}]] entries), got {_describe(value)}",
                    path, field)
    return value


def _document_to_fields(document: dict[str, Any], path: str | None) -> dict[str, Any]:
    unknown = [key for key in document if key not in _TABLES]
    if unknown:
        allowed = "; ".join(f"[{key}] ({what})" for key, what in _TABLES.items())
        raise _fail(f"unknown top-level key {unknown[0]!r}; allowed: {allowed}", path)
    head = _table(document.get("scenario", {}), "scenario", path)
    for key in head:
        if key not in _SCENARIO_KEYS:
            raise _fail(f"unknown key; allowed in [scenario]: {', '.join(_SCENARIO_KEYS)}",
                        path, f"scenario.{key}")
    fields: dict[str, Any] = {k: head[k] for k in ("title", "date", "description", "mood_sd")
                              if k in head}
    fields["council"] = _council(head.get("council"), document.get("council"), path)
    if "simulation" in document:
        fields["simulation"] = _table(document["simulation"], "simulation", path)
    if "catalog" in document:
        fields["catalog"] = _table(document["catalog"], "catalog", path)
    status_quo = _table(document.get("status_quo", {}), "status_quo", path)
    fields["status_quo"] = [_provision(kind, entry) for kind, entry in status_quo.items()]
    fields["blocs"] = _array_of_tables(document.get("bloc", []), "bloc", path)
    fields["members"] = _array_of_tables(document.get("member", []), "member", path)
    fields["drafts"] = _array_of_tables(document.get("draft", []), "draft", path)
    return fields


def _provision(kind: str, entry: Any) -> dict[str, Any]:
    # `kind = value` is short for `kind = { value = value }`.
    if isinstance(entry, dict):
        return {"kind": kind, **entry}
    return {"kind": kind, "value": entry}


def _council(named: Any, inline: Any, path: str | None) -> Council | dict[str, Any]:
    if named is not None and inline is not None:
        raise _fail("give the council either by name in [scenario] or as a [council] table, "
                    "not both", path, "council")
    if inline is not None:
        return _table(inline, "council", path)
    if named is None:
        raise _fail("no council given; set council = \"unsc-2017\" (any year 1946-2026) in "
                    "[scenario], or add a [council] table", path, "scenario.council")
    if not isinstance(named, str):
        raise _fail(f"must be a council name such as \"unsc-2017\", got {_describe(named)}",
                    path, "scenario.council")
    try:
        return Council.named(named)
    except ValueError as err:
        raise _fail(str(err), path, "scenario.council") from None


def _first_error(err: ValidationError) -> tuple[str | None, str]:
    """The first validation error as (field path in the file's terms, problem)."""
    detail = err.errors(include_url=False)[0]
    loc = list(detail["loc"])
    problem = _problem(detail)
    if loc and loc[0] == "status_quo" and len(loc) > 1:
        loc = ["status_quo", f"#{loc[1]}"] + loc[2:]
    # Cross-reference errors raised by the model carry their own path (in API terms).
    found = re.match(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): (.*)$", problem, re.S)
    if not loc and found:
        return _file_path(found.group(1)), found.group(2)
    parts = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + _FILE_NAMES.get(str(item), str(item)))
    return ("".join(parts) or None), problem


def _file_path(api_path: str) -> str:
    head, _, rest = api_path.partition("[")
    return _FILE_NAMES.get(head, head) + ("[" + rest if rest else "")


def _problem(detail: dict[str, Any]) -> str:
    kind, ctx, got = detail["type"], detail.get("ctx", {}), detail.get("input")
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
              "less_than_equal": "<="}
    if kind in bounds:
        limit = next(iter(ctx.values()))
        return f"must be {bounds[kind]} {limit}, got {_show(got)}"
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see docs/scenario-format.md for allowed keys)"
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"]))
    return f"{detail['msg'][0].lower()}{detail['msg'][1:]}, got {_show(got)}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {_show(value)}"
