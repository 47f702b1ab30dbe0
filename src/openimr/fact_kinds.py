"""The kinds of clinical fact: what intake makes and the review reads (``fact_kinds.yaml``).

Each kind declares its value: one scalar (``value``) or a record of typed ``fields``. The
typed model of a kind (``value_model``) checks a value where it is made and parses ISO date
text into dates; the pack's answers are validated against the declared fields."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model, model_validator

from openimr.yamlload import load_yaml

TypeName = Literal["str", "int", "float", "bool", "date", "list[str]", "list[int]"]
_TYPES: dict[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "date": dt.date,
    "list[str]": list[str],
    "list[int]": list[int],
}


class FactKind(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str
    value: TypeName | None = None
    fields: dict[str, TypeName] | None = None
    past_by_nature: bool = False

    @model_validator(mode="after")
    def _one_shape(self) -> FactKind:
        if (self.value is None) == (self.fields is None):
            raise ValueError("a fact kind declares either `value` or `fields`")
        return self


class FactKinds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: dict[str, FactKind]

    def has_field(self, kind: str, field: str) -> bool:
        declared = self.kinds[kind].fields
        return declared is not None and field in declared


@cache
def fact_kinds() -> FactKinds:
    text = resources.files("openimr").joinpath("fact_kinds.yaml").read_text(encoding="utf-8")
    return FactKinds.model_validate(load_yaml(text, keep=True))


class FactValue(BaseModel):
    """The value of a record-valued fact: typed fields (dates are dates), read by name.

    ``value["field"]`` and ``value.get("field")`` read like the plain dicts they replace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __getitem__(self, name: str) -> Any:
        if name not in type(self).model_fields:
            raise KeyError(name)
        return getattr(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        value = getattr(self, name, None) if name in type(self).model_fields else None
        return default if value is None else value

    def items(self):
        return self.model_dump().items()


@cache
def value_model(kind: str) -> type[FactValue]:
    """The typed model of a record-valued kind: every field optional, none other allowed."""
    declared = fact_kinds().kinds[kind].fields or {}
    fields: dict[str, Any] = {
        name: (_TYPES[type_name] | None, Field(default=None))
        for name, type_name in declared.items()
    }
    return create_model(f"{kind.title().replace('_', '')}Value", __base__=FactValue, **fields)


@cache
def _scalar(type_name: str) -> TypeAdapter:
    return TypeAdapter(_TYPES[type_name])


def typed_value(kind: str, value: Any) -> Any:
    """A fact's value checked against its kind and typed: a record's fields, or a scalar.
    An unknown kind, an unknown field or a value of the wrong type is a ValueError: a bug in
    the extraction rules, not a user's mistake."""
    info = fact_kinds().kinds.get(kind)
    if info is None:
        raise ValueError(f"unknown fact kind {kind!r} (see fact_kinds.yaml)")
    if info.fields is not None:
        return (
            value
            if isinstance(value, value_model(kind))
            else value_model(kind).model_validate(value)
        )
    return _scalar(info.value or "str").validate_python(value)
