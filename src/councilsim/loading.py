"""Scenario files: TOML in, a validated :class:`~councilsim.models.Scenario` out.

The file format is documented in ``docs/scenario-format.md``. Every problem becomes one
:class:`~councilsim.errors.ScenarioError` naming the file, the line and column of a syntax error
or the field path of an invalid value (``member[3].uncertainty: must be > 0, got -1``).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from councilsim.errors import ScenarioError
from councilsim.history import calibrate, calibrated_scenario, load_history
from councilsim.history.calibration import FORECAST_SETTINGS as DEFAULTS
from councilsim.models import Council, Scenario, did_you_mean

__all__ = ["load_scenario", "parse_scenario", "scenario_file_schema", "scenario_from_document"]

#: Top-level tables of a scenario file and the model fields they feed.
_TABLES = {
    "scenario": "title, date, description, council, mood_sd",
    "council": "an inline council: members, veto_holders, threshold, name, names",
    "simulation": "method, draws, seed",
    "status_quo": "provisions in force before the vote, one key per kind",
    "camps": "named groups of members that affinities respond to, one key per camp",
    "bloc": "[[bloc]] entries: name, members, sd, loadings, why",
    "member": "[[member]] entries: code, support, ideal, salience, uncertainty, ...",
    "draft": "[[draft]] entries: id, title, provisions, sponsors, rivals, amendment, ...",
    "catalog": "extra provision kinds, one table per kind",
    "calibration": "stances estimated from the recorded votes: topic, since, before, "
                   "half_life, effects",
}
_CALIBRATION_KEYS = ("topic", "since", "before", "half_life", "effects")
_SCENARIO_KEYS = ("title", "date", "description", "council", "mood_sd", "calibration")
# Scenario model fields that a file sets in its [scenario] table.
_IN_SCENARIO_TABLE = frozenset(_SCENARIO_KEYS) - {"council", "calibration"}
# pydantic's tags for the members of the union ``Provision.value`` (bool | float | str).
_VALUE_UNION_TAGS = frozenset({"bool", "float", "str"})
_DATE_ERRORS = frozenset({"date_type", "date_parsing", "date_from_datetime_inexact",
                          "date_from_datetime_parsing", "date_future", "date_past"})
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
        text = raw.decode("utf-8-sig")  # tolerate the byte-order mark some Windows editors write
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1  # in bytes
        raise ScenarioError(f"not UTF-8 text: byte 0x{raw[err.start]:02x} cannot be decoded; "
                            "save the file as UTF-8", path=name, line=line, column=column) from None
    return parse_scenario(text, path=name)


def parse_scenario(text: str, *, path: str | None = None) -> Scenario:
    """Validate a scenario given as TOML text (``path`` is only used in messages)."""
    try:
        document = tomllib.loads(text)
    except RecursionError:
        raise ScenarioError("TOML syntax error: arrays or tables nested too deeply",
                            path=path) from None
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if found:
            problem = message[: found.start()].strip()
            line, column = int(found.group(1)), int(found.group(2))
        else:  # "(at end of document)"
            problem, line, column = re.sub(r"\s*\(at [^)]*\)", "", message), None, None
        raise ScenarioError(f"TOML syntax error: {problem}", path=path, line=line,
                            column=column) from None
    return scenario_from_document(document, path=path)


def scenario_from_document(document: dict[str, Any], *, path: str | None = None) -> Scenario:
    """Validate a parsed scenario document (the dict ``tomllib`` returns)."""
    if not isinstance(document, dict):
        raise _fail(f"a scenario document must be a table, got {_describe(document)}", path)
    if not document:
        raise _fail("the file is empty (or holds only comments); a scenario needs at least "
                    "a [scenario] table with council = \"unsc-YYYY\"", path)
    fields = _document_to_fields(document, path)
    calibration = fields.pop("calibration", None)
    try:
        scenario = Scenario(**fields)
    except ValidationError as err:
        kinds = [entry["kind"] for entry in fields["status_quo"]]
        field, problem = _first_error(err, kinds)
        raise ScenarioError(problem, path=path, field=field) from None
    if calibration is None:
        return scenario
    try:
        return calibrated_scenario(scenario, calibration)
    except (ValueError, ValidationError) as err:
        raise _fail(str(err), path, "calibration") from None


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
        raise _fail(f"unknown top-level key {unknown[0]!r}{did_you_mean(unknown[0], _TABLES)}; "
                    f"allowed: {allowed}", path)
    head = _table(document.get("scenario", {}), "scenario", path)
    for key in head:
        if key not in _SCENARIO_KEYS:
            raise _fail(f"unknown key{did_you_mean(key, _SCENARIO_KEYS)}; allowed in [scenario]: "
                        f"{', '.join(_SCENARIO_KEYS)}", path, f"scenario.{key}")
    fields: dict[str, Any] = {k: head[k] for k in _IN_SCENARIO_TABLE if k in head}
    fields["council"] = _council_of_file(head.get("council"), document.get("council"), path)
    if "simulation" in document:
        fields["simulation"] = _table(document["simulation"], "simulation", path)
    if "catalog" in document:
        fields["catalog"] = _table(document["catalog"], "catalog", path)
    status_quo = _table(document.get("status_quo", {}), "status_quo", path)
    fields["status_quo"] = [_provision(kind, entry, path) for kind, entry in status_quo.items()]
    if "camps" in document:
        fields["camps"] = _table(document["camps"], "camps", path)
    fields["blocs"] = _array_of_tables(document.get("bloc", []), "bloc", path)
    fields["members"] = _array_of_tables(document.get("member", []), "member", path)
    fields["drafts"] = _array_of_tables(document.get("draft", []), "draft", path)
    if "calibration" in head and "calibration" in document:
        raise _fail("give the calibration either in [scenario] or as a [calibration] table, "
                    "not both", path, "calibration")
    request = head.get("calibration", document.get("calibration"))
    if request is not None:
        fields["calibration"] = _requested_calibration(_table(request, "calibration", path), path)
    return fields


def _requested_calibration(request: dict[str, Any], path: str | None) -> Any:
    """The calibration a ``[calibration]`` table asks for.

    The scenario is then filled from it by :func:`councilsim.history.adapter.calibrated_scenario`
    (its merge policy: what the file states wins; the calibration fills the rest).
    """
    for key in request:
        if key not in _CALIBRATION_KEYS:
            raise _fail(f"unknown key{did_you_mean(key, _CALIBRATION_KEYS)}; allowed in "
                        f"[calibration]: {', '.join(_CALIBRATION_KEYS)}", path,
                        f"calibration.{key}")
    topic, effects = request.get("topic"), request.get("effects")
    half_life = request.get("half_life")
    if topic is not None and not isinstance(topic, str):
        raise _fail(f"must be a topic group name, got {_describe(topic)}", path,
                    "calibration.topic")
    if effects is not None and (not isinstance(effects, list)
                                or not all(isinstance(e, str) for e in effects)):
        raise _fail(f"must be a list of names, got {_describe(effects)}", path,
                    "calibration.effects")
    if half_life is not None and (isinstance(half_life, bool)
                                  or not isinstance(half_life, int | float) or half_life <= 0):
        raise _fail(f"must be a number of years > 0, got {_show(half_life)}", path,
                    "calibration.half_life")
    dates = {}
    for key in ("since", "before"):
        value = request.get(key)
        if value is not None and not isinstance(value, dt.date):
            try:
                value = dt.date.fromisoformat(str(value))
            except ValueError:
                raise _fail(f"must be a date such as 2017-08-01, got {_show(value)}", path,
                            f"calibration.{key}") from None
        dates[key] = value
    try:
        return _calibration(topic, dates["since"], dates["before"], half_life,
                            None if effects is None else tuple(effects))
    except ValueError as err:
        raise _fail(str(err), path, "calibration") from None


@lru_cache(maxsize=16)
def _calibration(topic, since, before, half_life, effects):
    # Calibrating takes seconds; scenarios loaded again in one session reuse the estimate.
    # What the table leaves out takes the published forecasts' settings.
    if since is None and before is not None and DEFAULTS["window"]:
        since = dt.date(before.year - int(DEFAULTS["window"]), 1, 1)
    options = {key: DEFAULTS[key] for key in ("effect_sd", "axis", "axis_nodes", "rival_spread",
                                              "nodes", "tolerance")}
    return calibrate(load_history(), topic=topic, since=since, before=before,
                     half_life=DEFAULTS["half_life"] if half_life is None else half_life,
                     effects=DEFAULTS["effects"] if effects is None else effects,
                     standard_errors=False, **options)


def _provision(kind: str, entry: Any, path: str | None) -> dict[str, Any]:
    # `kind = value` is short for `kind = { value = value }`.
    if isinstance(entry, dict):
        if "kind" in entry:
            raise _fail("unknown key 'kind': in [status_quo] the key names the kind, as in "
                        "worker_cap = { value = \"freeze\" }", path, f"status_quo.{kind}.kind")
        return {"kind": kind, **entry}
    return {"kind": kind, "value": entry}


def _council_of_file(named: Any, inline: Any, path: str | None) -> Council | dict[str, Any]:
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


def _first_error(err: ValidationError, status_quo_kinds: list[str]) -> tuple[str | None, str]:
    """Return the first validation error as (field path in the file's terms, problem).

    ``status_quo_kinds`` lists the kinds of ``[status_quo]`` in file order, so that an error in
    the model's ``status_quo[i]`` is reported under the key the file uses (``status_quo.<kind>``).
    """
    detail = err.errors(include_url=False)[0]
    loc = list(detail["loc"])
    problem = _problem(detail)
    if len(loc) >= 2 and loc[-2] == "value" and loc[-1] in _VALUE_UNION_TAGS:
        # Provision.value is a union: report the field, not the union member pydantic tried.
        loc = loc[:-1]
        got = _show(detail.get("input"))
        problem = f"must be true or false, a number or a level name, got {got}"
    if detail["type"] in _DATE_ERRORS:
        problem = f"must be a date such as 2017-09-11, got {_show(detail.get('input'))}"
    # Cross-reference errors raised by the model carry their own path (in API terms).
    found = re.match(r"^([a-z_]+(?:\[\d+\])?(?:\.[\w-]+(?:\[\d+\])?)*): (.*)$", problem, re.S)
    if not loc and found:
        return _file_path(found.group(1), status_quo_kinds), found.group(2)
    if not loc:
        return None, problem
    head, rest = str(loc[0]), loc[1:]
    if head == "status_quo" and rest and isinstance(rest[0], int):
        head, rest = _status_quo_key(rest[0], status_quo_kinds), rest[1:]
        if rest == ["kind"]:
            rest = []
    elif head in _IN_SCENARIO_TABLE:
        head = f"scenario.{head}"
    else:
        head = _FILE_NAMES.get(head, head)
    parts = [head]
    for item in rest:
        parts.append(f"[{item}]" if isinstance(item, int) else f".{item}")
    return "".join(parts), problem


def _status_quo_key(index: int, kinds: list[str]) -> str:
    return f"status_quo.{kinds[index]}" if 0 <= index < len(kinds) else f"status_quo[{index}]"


def _file_path(api_path: str, status_quo_kinds: list[str]) -> str:
    """Translate a model path (``members[2].code``, ``status_quo[0].kind``) to the file's terms."""
    sq = re.match(r"^status_quo\[(\d+)\](.*)$", api_path)
    if sq:
        rest = "" if sq.group(2) == ".kind" else sq.group(2)
        return _status_quo_key(int(sq.group(1)), status_quo_kinds) + rest
    head, _, rest = api_path.partition("[")
    return _FILE_NAMES.get(head, head) + ("[" + rest if rest else "")


def _problem(detail: dict[str, Any]) -> str:
    kind, ctx, got = detail["type"], detail.get("ctx", {}), detail.get("input")
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
              "less_than_equal": "<="}
    if kind in bounds:
        limit = next(iter(ctx.values()))
        return f"must be {bounds[kind]} {_number(limit)}, got {_show(got)}"
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see docs/scenario-format.md for allowed keys)"
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"]))
    return f"{detail['msg'][0].lower()}{detail['msg'][1:]}, got {_show(got)}"


def _number(value: Any) -> str:
    """``0.0`` as ``0``, other numbers as Python writes them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {_show(value)}"


def scenario_file_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a scenario file, as ``tomllib`` parses it.

    It describes the file's own layout (``[scenario]``, ``[[member]]``, ``[status_quo]`` with
    one key per kind, ...), which differs from the shape of the :class:`Scenario` model
    (``Scenario.model_json_schema()``). TOML dates appear as ISO strings (``"2017-09-11"``).
    Cross-references (member codes, kinds, levels) are checked by the loader, not the schema.
    """
    model = Scenario.model_json_schema()
    defs = copy.deepcopy(model["$defs"])
    props = model["properties"]
    entry = copy.deepcopy(defs["Provision"])
    entry["properties"].pop("kind")
    entry["required"] = [key for key in entry.get("required", []) if key != "kind"]
    entry["title"] = "StatusQuoEntry"
    entry["description"] = ("A measure in force: the key in [status_quo] names the kind; give "
                            "exactly one of 'value' or 'severity'.")
    defs["StatusQuoEntry"] = entry
    calibration = {
        "type": "object",
        "additionalProperties": False,
        "description": "Stances calibrated on the recorded votes fill what the file leaves "
                       "unset (docs/scenario-format.md, [calibration]).",
        "properties": {
            "topic": {"type": "string", "description": "topic group of the votes used"},
            "since": {"type": "string", "format": "date", "description": "first date used"},
            "before": {"type": "string", "format": "date",
                       "description": "only votes before this date"},
            "half_life": {"type": "number", "exclusiveMinimum": 0,
                          "description": "years for a vote's weight to halve"},
            "effects": {"type": "array", "items": {"type": "string"},
                        "description": "effects of pre-vote facts to estimate"},
        },
    }
    scenario_table = {
        "type": "object",
        "additionalProperties": False,
        "description": "Title, date, description, the council by name, and the mood shock.",
        "properties": {
            **{key: props[key] for key in ("title", "date", "description", "mood_sd")},
            "calibration": calibration,
            "council": {
                "type": "string",
                "description": "'unsc-YYYY' (1946-2026) or a bundled model such as 'g4-2005'; "
                               "or leave it out and give a [council] table",
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "councilsim scenario file",
        "description": "A scenario TOML file (docs/scenario-format.md).",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "scenario": scenario_table,
            "council": {"$ref": "#/$defs/Council"},
            "simulation": {"$ref": "#/$defs/SimulationSettings"},
            "status_quo": {
                "type": "object",
                "description": "Measures in force before the vote, one key per provision kind.",
                "additionalProperties": {
                    "anyOf": [{"type": "boolean"}, {"type": "number"}, {"type": "string"},
                              {"$ref": "#/$defs/StatusQuoEntry"}],
                },
            },
            "camps": props["camps"],
            "calibration": calibration,
            "bloc": {"type": "array", "items": {"$ref": "#/$defs/Bloc"}},
            "member": {"type": "array", "items": {"$ref": "#/$defs/Member"}},
            "draft": {"type": "array", "items": {"$ref": "#/$defs/Draft"}},
            "catalog": {
                "type": "object",
                "description": "Provision kinds added to or overriding the built-in catalog.",
                "additionalProperties": {"$ref": "#/$defs/ProvisionKind"},
            },
        },
        "oneOf": [
            {"required": ["council"],
             "properties": {"scenario": {"not": {"required": ["council"]}}}},
            {"required": ["scenario"],
             "properties": {"scenario": {"required": ["council"]}},
             "not": {"required": ["council"]}},
        ],
        "$defs": defs,
    }
