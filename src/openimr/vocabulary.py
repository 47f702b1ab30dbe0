"""The one documented vocabulary: service kinds, families, body regions, sides.

The terms and their meanings live in ``vocabulary.yaml`` beside this module; this
module only loads them and offers validators so that models reject unknown names.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel

from openimr.yamlload import safe_load


class ServiceKindInfo(BaseModel):
    family: str
    label: str
    description: str


class Calendar(BaseModel):
    days_per_week: float
    days_per_year: float
    months_per_year: float

    @property
    def days_per_month(self) -> float:
        return self.days_per_year / self.months_per_year

    @property
    def weeks_per_month(self) -> float:
        return self.days_per_month / self.days_per_week


class Vocabulary(BaseModel):
    service_families: dict[str, str]
    service_kinds: dict[str, ServiceKindInfo]
    body_regions: dict[str, str]
    phases: dict[str, str]
    phases_named_only: list[str]
    search_sequence: dict[str, str]
    calendar: Calendar
    sides: dict[str, str]

    def family_of(self, service: str) -> str:
        return self.service_kinds[service].family


@cache
def vocabulary() -> Vocabulary:
    text = resources.files("openimr").joinpath("vocabulary.yaml").read_text(encoding="utf-8")
    vocab = Vocabulary.model_validate(safe_load(text, keep=True))
    for name, info in vocab.service_kinds.items():
        if info.family not in vocab.service_families:
            raise ValueError(f"vocabulary.yaml: service kind {name!r} has unknown family")
    if unknown := set(vocab.phases_named_only) - set(vocab.phases):
        raise ValueError(f"vocabulary.yaml: phases_named_only names unknown phases {unknown}")
    return vocab


def _member_of(section: str) -> Any:
    def check(value: str) -> str:
        terms = getattr(vocabulary(), section)
        if value not in terms:
            raise ValueError(f"{value!r} is not a known {section[:-1].replace('_', ' ')}")
        return value

    return AfterValidator(check)


ServiceKind = Annotated[str, _member_of("service_kinds")]
ServiceFamily = Annotated[str, _member_of("service_families")]
BodyRegion = Annotated[str, _member_of("body_regions")]
Side = Annotated[str, _member_of("sides")]
Phase = Annotated[str, _member_of("phases")]
