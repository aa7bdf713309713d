"""Read-only building blocks for the frozen models (internal).

:class:`FrozenDict` is the mapping type of every mapping field on a model. A frozen pydantic
model only refuses *attribute* assignment; a plain ``dict`` field could still be changed in
place, after which cached results (the scenario's content hash, the stance tables keyed by it)
would describe a scenario that no longer exists. A FrozenDict cannot be changed, so such caches
cannot go stale.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import html
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, NoReturn, Self, get_args

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import core_schema

from councilsim.errors import InputError, ReadOnlyError, ScenarioError

__all__ = [
    "FrozenDict",
    "FrozenModel",
    "brief",
    "did_you_mean",
    "named_entries",
    "read_only",
    "read_only_fields",
    "validation_problem",
]


class FrozenDict(dict):
    """A ``dict`` that refuses changes; also the pydantic annotation of read-only mapping fields.

    Every read-only mapping of councilsim is one: model fields, the built-in catalog, and the
    recorded votes shared by the cached :class:`~councilsim.history.History`.

    Annotate a field ``FrozenDict[str, float]``: values are validated as ``dict[str, float]``
    would be and stored read-only; ``model_dump`` and the JSON Schema see an ordinary mapping.
    Unlike ``types.MappingProxyType`` it pickles (process pools), hashes (frozen models hash
    their fields) and compares equal to a dict with the same items.

    Examples
    --------
    >>> weights = FrozenDict({"oil_refined": 2.0})
    >>> weights == {"oil_refined": 2.0}
    True
    >>> weights["oil_refined"] = 3.0  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    councilsim.errors.ReadOnlyError: this mapping is read-only; change a copy, e.g. ...
    """

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ReadOnlyError(
            "this mapping is read-only; change a copy, e.g. dict(mapping) or "
            "{**mapping, key: value} (and build a new model from it)"
        )

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __repr__(self) -> str:
        return dict.__repr__(self)

    def copy(self) -> dict:
        """A plain, changeable ``dict`` with the same items."""
        return dict(self)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        key, value = get_args(source) or (Any, Any)
        return core_schema.no_info_after_validator_function(
            cls, handler.generate_schema(dict[key, value])
        )


def _admits_bool(annotation: Any) -> bool:
    """Whether a field's type takes true/false (``bool``, ``bool | float``, ...) anywhere."""
    return annotation is bool or any(_admits_bool(arg) for arg in get_args(annotation))


@functools.cache
def _fields_without_bool(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` whose type takes no true/false.

    Worked out once per model: the validator that uses it runs on every field of every model
    built (sweeps build thousands of drafts).
    """
    return frozenset(name for name, field in model.model_fields.items()
                     if not _admits_bool(field.annotation))


def read_only(value: Any) -> Any:
    """``value`` made read-only: mappings as FrozenDicts, arrays as read-only views, in tuples too.

    A view, so the caller's own array stays writeable; other values are returned as they are,
    a FrozenDict too (whoever built it made its values read-only).
    """
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, dict):
        return FrozenDict({key: read_only(item) for key, item in value.items()})
    if isinstance(value, tuple) and not hasattr(value, "_fields"):  # named tuples keep their type
        items = tuple(read_only(item) for item in value)
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, np.ndarray) and value.flags.writeable:
        view = value.view()
        view.flags.writeable = False
        return view
    return value


def read_only_fields(result: Any) -> None:
    """Make every mapping and array field of a frozen dataclass read-only, in place.

    Called from the ``__post_init__`` of the result dataclasses: ``frozen=True`` refuses
    attribute assignment only, and a result whose ``veto_prob`` could be edited in place would
    no longer be what its provenance says produced it.
    """
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        frozen = read_only(value)
        if frozen is not value:
            object.__setattr__(result, field.name, frozen)


class _ReadableErrors(type(BaseModel)):
    """Builds models so that bad input raises one readable :class:`ScenarioError`.

    pydantic's own error lists every problem with the input echoed back; a user needs the first
    problem, the field (``members[8] (RUS).salience``), and what is allowed. (Wrapping the call
    rather than defining ``__init__`` keeps pydantic validating nested models itself.)
    """

    def __call__(cls, *args: Any, **data: Any):
        try:
            return super().__call__(*args, **data)
        except ValidationError as err:
            field, problem = validation_problem(err, cls, data)
            raise ScenarioError(problem, field=field) from None


class FrozenModel(BaseModel, metaclass=_ReadableErrors):
    """Base of councilsim's models: frozen, no unknown fields, validated copies, clear errors.

    Bad input raises one :class:`~councilsim.errors.ScenarioError` naming the field and what is
    allowed, not pydantic's report.

    Pydantic's own ``model_copy(update=...)`` sets the new values without checking them, so a
    copy could hold what the constructor refuses (a negative uncertainty, an unknown member).
    Here the updated copy is built like any other model, and refused the same way.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """Validate ``obj`` (a dict or a model); bad input raises ``ScenarioError``."""
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as err:
            field, problem = validation_problem(err, cls, obj)
            raise ScenarioError(problem, field=field) from None

    @classmethod
    def model_validate_json(cls, json_data: str | bytes, **kwargs: Any) -> Self:
        """Validate a JSON document; bad input raises ``ScenarioError``."""
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as err:
            field, problem = validation_problem(err, cls, None)
            raise ScenarioError(problem, field=field) from None

    @field_validator("*", mode="before")
    @classmethod
    def _no_true_or_false_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic's lax mode reads true as 1 and false as 0 for a number; in a scenario that is
        # a slip (`support = true`, `ideal = { oil_refined = true }`), never an intent.
        if info.field_name not in _fields_without_bool(cls):
            return value
        items = value.values() if isinstance(value, Mapping) else (value,)
        if any(isinstance(item, bool) for item in items):
            raise InputError("true/false is not allowed here; write a number")
        return value

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, with ``update`` applied and validated like any other instance.

        Raises
        ------
        councilsim.ScenarioError
            When an updated value (or an unknown field name) is refused.
        """
        if update:
            copy = self.model_validate({**dict(self), **update})
            # Validation marks every field as set; what the original left to its default stays
            # unset, so that merges which respect explicit values (a calibration filling a
            # scenario) still see the difference.
            object.__setattr__(copy, "__pydantic_fields_set__",
                               set(self.model_fields_set) | set(update))
            return copy
        return super().model_copy(deep=deep)

    def __repr__(self) -> str:
        # The fields that differ from their defaults, long texts cut: a line or two, where
        # pydantic's repr of a scenario runs to 11,000 characters.
        shown = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if not field.is_required() and value == field.get_default(call_default_factory=True):
                continue
            shown.append(f"{name}={brief(value)}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
                       f"<td style='text-align:left'>{html.escape(brief(getattr(self, name)))}"
                       "</td></tr>"
                       for name in type(self).model_fields)
        return f"<b>{type(self).__name__}</b><table>{rows}</table>"


# pydantic's tags for the members of the union ``Provision.value`` (bool | float | str).
_VALUE_UNION_TAGS = frozenset({"bool", "float", "str"})
_DATE_ERRORS = frozenset({"date_type", "date_parsing", "date_from_datetime_inexact",
                          "date_from_datetime_parsing", "date_future", "date_past"})
_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
           "less_than_equal": "<="}
# A cross-reference error raised by a model validator names its field first: "members[2].code: ..."
_PATH_FIRST = re.compile(r"^([a-z_]+(?:\[\d+\])?(?:\.[\w-]+(?:\[\d+\])?)*): (.*)$", re.S)


def validation_problem(err: ValidationError, model: type[BaseModel],
                       data: object = None) -> tuple[str | None, str]:
    """The first problem of a validation error as (field path, what is wrong and allowed).

    The path is in the Python API's terms (``members[3].uncertainty``); entries of ``members``,
    ``drafts`` and ``blocs`` are also named by their code, id or name when ``data`` (the input)
    has it: ``members[8] (RUS).salience``.
    """
    detail = err.errors(include_url=False)[0]
    loc = list(detail["loc"])
    kind, got = detail["type"], detail.get("input")
    if kind in _BOUNDS:
        problem = f"must be {_BOUNDS[kind]} {_number(next(iter(detail['ctx'].values())))}, " \
                  f"got {_show(got)}"
    elif kind == "missing":
        problem = "required, but missing"
    elif kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        problem = f"unknown key {str(loc[-1])!r}" + (
            f"{did_you_mean(loc[-1], allowed)}; allowed: {', '.join(allowed)}" if allowed
            else " (check the spelling)")
    elif kind == "value_error":
        problem = str(detail.get("ctx", {}).get("error", detail["msg"]))
    elif kind in _DATE_ERRORS:
        problem = f"must be a date such as 2017-09-11, got {_show(got)}"
    elif kind == "too_short":
        least = detail.get("ctx", {}).get("min_length", 1)
        problem = f"must list at least {least} entr{'y' if least == 1 else 'ies'}, got none"
    else:
        problem = f"{detail['msg'][0].lower()}{detail['msg'][1:]}, got {_show(got)}"
    if len(loc) >= 2 and loc[-2] == "value" and loc[-1] in _VALUE_UNION_TAGS:
        # Provision.value is a union: report the field, not the union member pydantic tried.
        loc = loc[:-1]
        problem = f"must be true or false, a number or a level name, got {_show(got)}"
    elif len(loc) >= 3 and loc[0] == "ideal" and loc[-1] in {"float", "RealValue"}:
        # So is an ideal: a severity, or a value in the kind's unit.
        loc = loc[:-1]
        problem = (f"must be a severity from 0 to 1, or a value with its unit such as "
                   f"{{ value = 3_000_000, unit = \"barrels/year\" }}, got {_show(got)}")
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    field = field.lstrip(".") or None
    found = _PATH_FIRST.match(problem)
    if field is None and found:
        field, problem = found.group(1), found.group(2)
    return (named_entries(field, data) if field else None), problem


def _fields_at(model: type[BaseModel], loc: list) -> list[str]:
    """The keys allowed at ``loc`` inside ``model`` (empty when it is not a model's table)."""
    current: object = model
    for part in loc:
        if isinstance(part, int):
            continue
        inner = _model_in(current)
        if inner is not None and part in inner.model_fields:
            current = inner.model_fields[part].annotation
        elif _is_mapping(current):  # a dict key such as a kind name: look at the values
            current = typing.get_args(_strip_optional(current))[-1]
        else:
            return []
    inner = _model_in(current)
    return list(inner.model_fields) if inner is not None else []


def _strip_optional(annotation: object) -> object:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return args[0] if len(args) == 1 else annotation
    return annotation


def _is_mapping(annotation: object) -> bool:
    origin = typing.get_origin(_strip_optional(annotation))
    return isinstance(origin, type) and issubclass(origin, dict)


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model class an annotation holds (itself, or inside a tuple, list or dict's values)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (tuple, list) or origin is types.UnionType or origin is typing.Union:
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def named_entries(field: str, data: object) -> str:
    """``members[8].x`` as ``members[8] (RUS).x``: entries named by code, id or name."""

    def name(match: re.Match) -> str:
        key, index = match.group(1), int(match.group(2))
        entries = data.get(key) if isinstance(data, dict) else None
        try:
            entry = entries[index]
        except (TypeError, IndexError, KeyError):
            return match.group(0)
        attribute = {"members": "code", "blocs": "name", "drafts": "id"}[key]
        label = entry.get(attribute) if isinstance(entry, dict) else getattr(entry, attribute, None)
        return f"{match.group(0)} ({label})" if isinstance(label, str) else match.group(0)

    return re.sub(r"^(members|blocs|drafts)\[(\d+)\]", name, field)


def did_you_mean(key: object, allowed) -> str:
    close = difflib.get_close_matches(str(key), list(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _number(value: object) -> str:
    """``0.0`` as ``0``, other numbers as Python writes them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def brief(value: object, width: int = 60) -> str:
    """A value in at most about ``width`` characters: models by name, long texts cut."""
    if isinstance(value, BaseModel) and hasattr(value, "seats"):  # a council, by name
        text = getattr(value, "name", None) or f"{value.seats} seats"
    elif isinstance(value, tuple | list) and value and isinstance(value[0], BaseModel):
        names = [getattr(item, "code", None) or getattr(item, "id", None)
                 or getattr(item, "name", None) or getattr(item, "kind", "?") for item in value]
        text = f"[{len(value)}: {', '.join(map(str, names))}]"
    else:
        text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."

    @classmethod
    def model_validate(cls, obj: object, **kwargs: object):
        """Validate ``obj`` (a dict or a model); bad input raises :class:`ScenarioError`."""
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as err:
            field, problem = validation_problem(err, cls, obj)
            raise ScenarioError(problem, field=field) from None
