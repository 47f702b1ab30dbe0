"""The service's rule files (``service/rules/*.yaml``): read from the package and checked
against their model, a mistake named by file and field."""

from __future__ import annotations

from importlib import resources
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from openimr.errors import UserError
from openimr.yamlload import load_yaml

M = TypeVar("M", bound=BaseModel)


def packaged(name: str) -> str:
    """The text of a rule file shipped with openimr."""
    return resources.files("openimr.service").joinpath("rules", name).read_text(encoding="utf-8")


def validated(model: type[M], data: Any, source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise UserError(f"{where}: {first['msg']}", source=source) from None


def parsed(model: type[M], text: str, source: str) -> M:
    return validated(model, load_yaml(text, keep=True), source)
