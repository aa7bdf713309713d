"""Scenario files: TOML in, a validated :class:`~councilsim.models.Scenario` out.

The file format is documented in ``docs/scenario-format.md``. Every problem becomes one
:class:`~councilsim.errors.ScenarioError` naming the file, the line and column of a syntax error
or the field path of an invalid value (``member[3].uncertainty: must be >= 1e-06, got -1``).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import tomllib
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import tomli_w

from councilsim._frozen import did_you_mean, named_entries
from councilsim.catalog import ImplausibleValueWarning
from councilsim.errors import ScenarioError
from councilsim.history import calibrate, calibrated_scenario, load_history
from councilsim.history.calibration import FORECAST_SETTINGS as DEFAULTS
from councilsim.history.calibration import date_problem, window_start
from councilsim.models import DEFAULT_CAMPS, Council, Scenario, SimulationSettings

__all__ = [
    "load_scenario",
    "parse_scenario",
    "scenario_file_schema",
    "scenario_from_document",
    "scenario_toml",
]

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
    if not name.strip():
        raise ScenarioError("no scenario file given (an empty path); give a .toml file")
    if Path(name).is_dir():
        raise ScenarioError("is a folder; give a scenario .toml file", path=name)
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
    return _scenario(document, path, text)


def scenario_from_document(document: dict[str, Any], *, path: str | None = None) -> Scenario:
    """Validate a parsed scenario document (the dict ``tomllib`` returns)."""
    return _scenario(document, path, None)


def _scenario(document: Any, path: str | None, text: str | None) -> Scenario:
    """Validate a document, naming the file, line and field of any error or warning.

    The line is found when the text is given; the field is in the file's terms, with entries
    named by code (``member[8] (RUS).salience``).
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ImplausibleValueWarning)
            scenario = _validate(document, path)
    except ScenarioError as err:
        if err.line is not None or err.field is None or text is None:
            raise
        # The text is scanned for positions only when there is something to point at.
        raise ScenarioError(err.problem, path=path, line=_KeyLines(text).line_of(err.field),
                            field=err.field) from None
    lines = _KeyLines(text) if caught and text is not None else None
    for warning in caught:
        message = str(warning.message)
        if issubclass(warning.category, ImplausibleValueWarning):
            api_field, _, problem = message.partition(": ")
            entries = {"members": scenario.members, "blocs": scenario.blocs,
                       "drafts": scenario.drafts}
            field = _file_path(named_entries(api_field, entries),
                               [p.kind for p in scenario.status_quo])
            where = (path or "<scenario>") + (f":{lines.line_of(field)}" if lines else "")
            message = f"{where}: {field}: {problem}"
        warnings.warn(message, warning.category, stacklevel=3)
    return scenario


def _validate(document: Any, path: str | None) -> Scenario:
    if not isinstance(document, dict):
        raise _fail(f"a scenario document must be a table, got {_describe(document)}", path)
    if not document:
        raise _fail("the file is empty (or holds only comments); a scenario needs at least "
                    "a [scenario] table with council = \"unsc-YYYY\"", path)
    fields = _document_to_fields(document, path)
    calibration = fields.pop("calibration", None)
    try:
        scenario = Scenario(**fields)
    except ScenarioError as err:
        kinds = [entry.get("kind") for entry in fields["status_quo"]]
        field = _file_path(err.field, kinds) if err.field else None
        raise ScenarioError(err.problem, path=path, field=field) from None
    if calibration is None:
        return scenario
    try:
        return calibrated_scenario(scenario, calibration)
    except ValueError as err:
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
        raise _fail(f"unknown top-level key{did_you_mean(unknown[0], _TABLES)}; "
                    f"allowed: {allowed}", path, unknown[0])
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
    if "camps" in document:
        fields["camps"] = _table(document["camps"], "camps", path)
    status_quo = _table(document.get("status_quo", {}), "status_quo", path)
    fields["status_quo"] = [_provision(kind, entry, path) for kind, entry in status_quo.items()]
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
    history = load_history()
    for key, value in dates.items():
        if (problem := date_problem(history, key, value)) is not None:
            raise _fail(problem, path, f"calibration.{key}")
    try:
        return _calibration(topic, dates["since"], dates["before"], half_life,
                            None if effects is None else tuple(effects))
    except ValueError as err:
        raise _fail(str(err), path, "calibration") from None


@lru_cache(maxsize=16)
def _calibration(topic, since, before, half_life, effects):
    # Calibrating takes seconds; scenarios loaded again in one session reuse the estimate.
    # What the table leaves out takes the published forecasts' settings.
    if since is None and before is not None:
        since = window_start(before, DEFAULTS["window"])
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


def _status_quo_key(index: int, kinds: list[str]) -> str:
    return f"status_quo.{kinds[index]}" if 0 <= index < len(kinds) else f"status_quo[{index}]"


def _file_path(api_path: str, status_quo_kinds: list[str]) -> str:
    """Translate a model path to the file's terms.

    ``members[2] (RUS).code`` becomes ``member[2] (RUS).code``, ``status_quo[0].kind``
    ``status_quo.<kind>``, ``date`` ``scenario.date``.
    """
    sq = re.match(r"^status_quo\[(\d+)\](.*)$", api_path)
    if sq:
        rest = "" if sq.group(2) == ".kind" else sq.group(2)
        return _status_quo_key(int(sq.group(1)), status_quo_kinds) + rest
    head = re.match(r"^[a-z_]+", api_path)
    name = head.group(0) if head else ""
    if name in _IN_SCENARIO_TABLE:
        return f"scenario.{api_path}"
    return _FILE_NAMES.get(name, name) + api_path[len(name):]


class _KeyLines:
    """Where each key of a TOML text is written: the line of a field path, found in the text.

    ``tomllib`` gives no positions, so the text is scanned: table headers (``[[member]]`` counted
    to index the entries), keys (dotted ones too) and the inline tables of multi-line arrays
    (``provisions = [ {...}, {...} ]``). A path is placed at its longest prefix found.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
    _KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
                      r"(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple, int] = {}
        counts: dict[tuple, int] = {}
        table: tuple = ()
        array: tuple | None = None  # the key of a multi-line array being read
        depth, entries, in_string = 0, 0, None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is None and depth == 0:
                header = self._HEADER.match(line)
                if header:
                    parts = self._parts(header.group(2))
                    if header.group(1) == "[[":
                        base = self._resolve(parts)
                        counts[base] = counts.get(base, -1) + 1
                        self.lines.setdefault(base, number)
                        table = (*base, counts[base])
                    else:
                        table = self._resolve(parts)
                    self.lines.setdefault(table, number)
                    continue
                key = self._KEY.match(line)
                if key:
                    path = (*table, *self._parts(key.group(1)))
                    self.lines.setdefault(path, number)
                    array, entries = path, 0
                    line = line[key.end():]
            # Track brackets and strings so that lines inside values are not read as keys.
            i = 0
            while i < len(line):
                if in_string:
                    if line.startswith(in_string, i) and (in_string[0] == "'"
                                                          or line[i - 1:i] != "\\"):
                        i += len(in_string)
                        in_string = None
                        continue
                    i += 1
                    continue
                char = line[i]
                if char == "#":
                    break
                if char in "\"'":
                    in_string = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else char
                    i += len(in_string)
                    continue
                if char in "[{":
                    depth += 1
                    if char == "{" and depth == 2 and array is not None:
                        self.lines.setdefault((*array, entries), number)
                        entries += 1
                elif char in "]}":
                    depth = max(0, depth - 1)
                i += 1
            if in_string and len(in_string) == 1:
                in_string = None  # a basic string ends with its line
            if depth == 0 and in_string is None:
                array = None

    def _resolve(self, parts: list[str]) -> tuple:
        """A header's path with the current entry index of every array of tables in it."""
        resolved: list = []
        for part in parts:
            resolved.append(part)
            latest = max((path[len(resolved)] for path in self.lines
                          if len(path) > len(resolved) and tuple(path[:len(resolved)])
                          == tuple(resolved) and isinstance(path[len(resolved)], int)),
                         default=None)
            if latest is not None and part != parts[-1]:
                resolved.append(latest)
        return tuple(resolved)

    @staticmethod
    def _parts(dotted: str) -> list[str]:
        return [part.strip().strip("\"'") for part in re.findall(
            r"\"[^\"]*\"|'[^']*'|[^.]+", dotted)]

    def line_of(self, field: str) -> int | None:
        """The line of ``field`` (``member[8] (RUS).ideal.oil``) or of its nearest parent."""
        field = re.sub(r" \([^)]*\)", "", field)
        path: list = []
        for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field):
            path.append(int(index) if index else name)
        for end in range(len(path), 0, -1):
            if tuple(path[:end]) in self.lines:
                return self.lines[tuple(path[:end])]
        return None


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


def scenario_toml(scenario: Scenario) -> str:
    """Write a scenario as TOML text that :func:`load_scenario` reads back identically.

    Only what differs from the models' defaults is written; a council that equals the named
    council it is called after (``unsc-2017``, a bundled reform model) is written by name, any
    other as a ``[council]`` table.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    str
        The TOML text (``parse_scenario(scenario_toml(s)) == s``).
    """
    head: dict[str, Any] = {"title": scenario.title}
    if scenario.date is not None:
        head["date"] = scenario.date
    if scenario.description is not None:
        head["description"] = scenario.description
    document: dict[str, Any] = {"scenario": head}
    council = scenario.council
    if _is_named_council(council):
        head["council"] = council.name
    else:
        document["council"] = council.model_dump(exclude_defaults=True) | {
            "members": list(council.members), "threshold": council.threshold}
    head["mood_sd"] = scenario.mood_sd
    if scenario.camps != DEFAULT_CAMPS:
        document["camps"] = {name: list(codes) for name, codes in scenario.camps.items()}
    if scenario.simulation != SimulationSettings():
        document["simulation"] = scenario.simulation.model_dump(exclude_none=True)
    if scenario.catalog:
        document["catalog"] = {
            name: kind.model_dump(exclude_defaults=True) | {"label": kind.label,
                                                            "scale": kind.scale}
            for name, kind in scenario.catalog.items()
        }
    if scenario.status_quo:
        entries = {p.kind: p.model_dump(exclude_none=True, exclude={"kind"})
                   for p in scenario.status_quo}
        # `kind = value` when every entry is just a value; else all tables, since the writer puts
        # plain values before tables and the order of the status quo is part of the scenario.
        short = all(list(entry) == ["value"] for entry in entries.values())
        document["status_quo"] = {kind: entry["value"] if short else entry
                                  for kind, entry in entries.items()}
    for key, items, first in (("bloc", scenario.blocs, "name"),
                              ("member", scenario.members, "code"),
                              ("draft", scenario.drafts, "id")):
        if items:
            document[key] = [{first: getattr(item, first)}
                             | _without_none(item.model_dump(exclude_defaults=True))
                             for item in items]
    return ("# Written by councilsim (councilsim.loading.scenario_toml)\n\n"
            + tomli_w.dumps(document, multiline_strings=True))


def _without_none(data: Any) -> Any:
    # TOML has no null: a None inside a provision list means "not given".
    if isinstance(data, dict):
        return {key: _without_none(value) for key, value in data.items() if value is not None}
    if isinstance(data, list | tuple):
        return [_without_none(value) for value in data]
    return data


def _is_named_council(council: Council) -> bool:
    if not council.name:
        return False
    try:
        return Council.named(council.name) == council
    except ValueError:
        return False


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
            "camps": props["camps"],
            "status_quo": {
                "type": "object",
                "description": "Measures in force before the vote, one key per provision kind.",
                "additionalProperties": {
                    "anyOf": [{"type": "boolean"}, {"type": "number"}, {"type": "string"},
                              {"$ref": "#/$defs/StatusQuoEntry"}],
                },
            },
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
