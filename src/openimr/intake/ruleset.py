"""Load extraction rule files (YAML under ``intake/rules``) and refuse what cannot be trusted.

Every rule file is validated against a pydantic model with unknown keys forbidden; any
problem (bad YAML, unknown key, bad regular expression, unknown vocabulary term) is a
``UserError`` that names the file.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from openimr.errors import UserError
from openimr.intake.first_chars import led
from openimr.intake.regex_cache import compile_cached
from openimr.yamlload import safe_load

RULES_PACKAGE = "openimr.intake.rules"

M = TypeVar("M", bound=BaseModel)


class RuleModel(BaseModel):
    """Base for rule files: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def rule_path(name: str) -> str:
    return f"src/openimr/intake/rules/{name}"


def read_rules(name: str) -> Any:
    """The parsed YAML of one rule file."""
    try:
        text = resources.files(RULES_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read rule file: {exc}", source=rule_path(name)) from None
    try:
        return safe_load(text, keep=True)
    except yaml.YAMLError as exc:
        raise UserError(f"invalid YAML: {exc}", source=rule_path(name)) from None


def load_rules(name: str, model: type[M]) -> M:
    """Read and validate one rule file against ``model``."""
    data = read_rules(name)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise UserError(f"invalid rules: {problems}", source=rule_path(name)) from None


def compile_pattern(pattern: str, name: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    try:
        return compile_cached(led(pattern, flags), flags)
    except re.error as exc:
        raise UserError(f"bad pattern {pattern!r}: {exc}", source=rule_path(name)) from None
