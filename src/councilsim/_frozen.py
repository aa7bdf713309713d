"""Read-only building blocks for the frozen models (internal).

:class:`FrozenDict` is the mapping type of every mapping field on a model. A frozen pydantic
model only refuses *attribute* assignment; a plain ``dict`` field could still be changed in
place, after which cached results (the scenario's content hash, the stance tables keyed by it)
would describe a scenario that no longer exists. A FrozenDict cannot be changed, so such caches
cannot go stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn, Self, get_args

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic_core import core_schema

__all__ = ["FrozenDict", "FrozenModel"]


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
    TypeError: this mapping is read-only; change a copy, e.g. dict(mapping) or ...
    """

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
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


class FrozenModel(BaseModel):
    """Base of councilsim's models: frozen, no unknown fields, and copies that are validated.

    Pydantic's own ``model_copy(update=...)`` sets the new values without checking them, so a
    copy could hold what the constructor refuses (a negative uncertainty, an unknown member).
    Here the updated copy is built like any other model, and refused the same way.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, with ``update`` applied and validated like any other instance.

        Raises
        ------
        pydantic.ValidationError
            When an updated value (or an unknown field name) is refused.
        """
        if update:
            return self.model_validate({**dict(self), **update})
        return super().model_copy(deep=deep)
