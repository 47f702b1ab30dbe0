"""The reviewer roster: who the review organisation may send a case to, in one vocabulary.

A reviewer's specialties are named through ``rules/specialties.yaml`` (labels and aliases:
"PM&R", "Physiatry", "Ortho"), so that assignment compares keys, never spellings; an
unknown specialty is refused with the nearest known names. The reviewer requirements and
the licence states live in ``rules/reviewers.yaml``; both files are read here by small typed
loaders and checked once.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from openimr.errors import UserError
from openimr.model import Model, Reviewer, Verification
from openimr.service.ruledata import packaged, validated
from openimr.vocabulary import vocabulary
from openimr.yamlload import load_yaml

RULES = "rules"
SPECIALTIES_FILE = "specialties.yaml"
REVIEWERS_FILE = "reviewers.yaml"


class _Data(BaseModel):
    """A rules-file section: unknown keys are typos, not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------
# specialties.yaml


class SpecialtyInfo(_Data):
    label: str
    physician: bool
    """An MD/DO specialty: the letter calls its reviewer a physician reviewer."""
    aliases: list[str] = Field(default_factory=list)


class Scope(_Data):
    service_kinds: list[str] = Field(default_factory=list)
    service_families: list[str] = Field(default_factory=list)


class SimilarGroup(_Data):
    description: str
    members: list[str] = Field(min_length=2)
    scope: Scope | None = Field(default=None, alias="for")
    """None: the group applies to every case."""

    def applies(self, service_kinds: Iterable[str]) -> bool:
        if self.scope is None:
            return True
        vocab = vocabulary()
        return any(
            kind in self.scope.service_kinds or vocab.family_of(kind) in self.scope.service_families
            for kind in service_kinds
        )


class Source(_Data):
    citation: str
    verification: Verification


class Specialties(_Data):
    source: Source
    specialties: dict[str, SpecialtyInfo]
    similar: dict[str, SimilarGroup]
    service_specialties: dict[str, list[str]]
    _names: dict[str, str] = PrivateAttr(default_factory=dict)
    """Every normalised key, label and alias -> its specialty key (built by the loader)."""

    def key_of(self, name: str) -> str | None:
        """The specialty key a name (key, label or alias, in any case) stands for."""
        return self._names.get(name_key(name))

    def label(self, key: str) -> str:
        return self.specialties[key].label

    def for_service(self, kind: str) -> list[str]:
        """The specialties that treat a service kind (order of the data file)."""
        return list(self.service_specialties.get(kind, []))

    def similar_groups(self, a: str, b: str, service_kinds: Iterable[str]) -> list[str]:
        """Names of the groups, applying to a case disputing ``service_kinds``, that make two
        different specialties similar; empty when they are not."""
        kinds = list(service_kinds)
        return [
            name
            for name, group in self.similar.items()
            if a != b and a in group.members and b in group.members and group.applies(kinds)
        ]


def name_key(text: str) -> str:
    """A name as compared: accents, case, punctuation and "&"/"and" differences dropped."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"[.'’]", "", text)  # "M.D." and "O'Brien" are one word each
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def read_rules(name: str) -> Any:
    return load_yaml(packaged(name), keep=True)


def _validated(model: type[_Data], data: Any, source: str) -> Any:
    return validated(model, data, source)


@cache
def specialties() -> Specialties:
    """The specialty vocabulary, similarity groups and service map of specialties.yaml."""
    return load_specialties(read_rules(SPECIALTIES_FILE))


def load_specialties(raw: Any, source: str = f"service/{RULES}/{SPECIALTIES_FILE}") -> Specialties:
    """Parsed specialties.yaml, checked: unique spellings, known specialties and service
    kinds, every service kind of the vocabulary mapped."""
    data: Specialties = _validated(Specialties, raw, source)
    known = set(data.specialties)
    problems: list[str] = []
    names: dict[str, str] = {}
    for key, info in data.specialties.items():
        for spelling in (key.replace("_", " "), info.label, *info.aliases):
            norm = name_key(spelling)
            if names.setdefault(norm, key) != key:
                problems.append(f"{spelling!r} names both {names[norm]} and {key}")
    for name, group in data.similar.items():
        if unknown := [m for m in group.members if m not in known]:
            problems.append(f"similar.{name} names unknown specialties {unknown}")
        if group.scope is not None:
            vocab = vocabulary()
            bad = [k for k in group.scope.service_kinds if k not in vocab.service_kinds]
            bad += [f for f in group.scope.service_families if f not in vocab.service_families]
            if bad:
                problems.append(f"similar.{name}.for names unknown service kinds/families {bad}")
    kinds = set(vocabulary().service_kinds)
    if missing := sorted(kinds - set(data.service_specialties)):
        problems.append(f"service_specialties lacks service kinds {missing}")
    if extra := sorted(set(data.service_specialties) - kinds):
        problems.append(f"service_specialties names unknown service kinds {extra}")
    for kind, listed in data.service_specialties.items():
        if unknown := [s for s in listed if s not in known]:
            problems.append(f"service_specialties.{kind} names unknown specialties {unknown}")
    if problems:
        raise UserError("; ".join(problems), source=source)
    data._names = names
    return data


def specialty(name: str, *, field: str = "specialty") -> str:
    """The key of a specialty named by key, label or alias; a UserError naming ``field`` and
    the nearest known names otherwise."""
    data = specialties()
    if not isinstance(name, str) or not name.strip():
        raise UserError("a specialty must be a non-empty name", source=field)
    if (key := data.key_of(name)) is not None:
        return key
    spellings = {info.label: key for key, info in data.specialties.items()}
    for key, info in data.specialties.items():
        spellings.update(dict.fromkeys(info.aliases, key))
    close = difflib.get_close_matches(name, list(spellings), n=5, cutoff=0.6)
    close += difflib.get_close_matches(name_key(name), [name_key(s) for s in spellings], n=5)
    keys = [k for c in close if (k := data.key_of(c)) is not None]
    labels = [data.label(k) for k in dict.fromkeys(keys)][:3]
    hint = f"; did you mean {', '.join(labels)}?" if labels else ""
    raise UserError(
        f"unknown specialty {name!r}{hint} (the names are in service/{RULES}/{SPECIALTIES_FILE})",
        source=field,
    )


def specialty_list(values: Any, field: str) -> list[str]:
    """Specialty names -> keys, each once, in the order given."""
    if not isinstance(values, list):
        raise UserError("must be a list of specialty names", source=field)
    keys = [specialty(v, field=f"{field}[{i}]") for i, v in enumerate(values)]
    return list(dict.fromkeys(keys))


# ---------------------------------------------------------------------------------------
# reviewers.yaml


class Requirement(_Data):
    rule: str
    citation: str
    verification: Verification
    more_than: float | None = None
    at_least: float | None = None


class Preference(_Data):
    key: Literal["licensed_in_state", "exact_specialty", "lowest_load", "reviewer_id"]
    rule: str
    citation: str
    verification: Verification


class NameComparison(_Data):
    ignore_words: list[str]
    citation: str
    verification: Verification


REQUIREMENT_CODES = (
    "board_certified",
    "licensed",
    "years_in_practice",
    "hours_per_week",
    "no_affiliation",
    "specialty",
    "active",
)
"""The checks assignment knows how to make; the data file gives each its rule and citation."""


class ReviewerRules(_Data):
    requirements: dict[str, Requirement]
    preferences: list[Preference]
    name_comparison: NameComparison
    states: dict[str, str]


@cache
def reviewer_rules() -> ReviewerRules:
    """The requirements, preferences, name comparison and states of reviewers.yaml."""
    return load_reviewer_rules(read_rules(REVIEWERS_FILE))


def load_reviewer_rules(
    raw: Any, source: str = f"service/{RULES}/{REVIEWERS_FILE}"
) -> ReviewerRules:
    """Parsed reviewers.yaml, checked: exactly the known requirements with their thresholds,
    each preference once ending with the id, two-letter states."""
    rules: ReviewerRules = _validated(ReviewerRules, raw, source)
    problems = []
    if set(rules.requirements) != set(REQUIREMENT_CODES):
        problems.append(f"requirements must be exactly {list(REQUIREMENT_CODES)}")
    keys = [p.key for p in rules.preferences]
    if len(set(keys)) != len(keys) or keys[-1:] != ["reviewer_id"]:
        problems.append("preferences must name each key once and end with reviewer_id")
    for code, field in (("years_in_practice", "more_than"), ("hours_per_week", "at_least")):
        if code in rules.requirements and getattr(rules.requirements[code], field) is None:
            problems.append(f"requirements.{code} needs {field}")
    if bad := [s for s in rules.states if not re.fullmatch(r"[A-Z]{2}", s)]:
        problems.append(f"states must be two-letter codes, not {bad}")
    if problems:
        raise UserError("; ".join(problems), source=source)
    return rules


def state_code(value: Any, *, field: str) -> str:
    """A two-letter licence state, upper-cased; a UserError naming ``field`` otherwise."""
    states = reviewer_rules().states
    code = value.strip().upper() if isinstance(value, str) else value
    if code not in states:
        raise UserError(f"{value!r} is not a two-letter US state code (CA, NV, ...)", source=field)
    return code


def state_name(code: str) -> str:
    return reviewer_rules().states[code]


def _names(values: Any, field: str) -> list[str]:
    if not isinstance(values, list):
        raise UserError("must be a list of names", source=field)
    out = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise UserError("a name must be non-empty text", source=f"{field}[{i}]")
        out.append(" ".join(value.split()))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------
# The roster.


class ReviewerProfile(Model):
    """One reviewer on the roster: credentials, practice and affiliations."""

    id: str
    """Stable: assignments, loads and the audit trail refer to it."""
    name: str
    licence_states: list[str] = Field(default_factory=list)
    board_certifications: list[str] = Field(default_factory=list)
    """Specialty keys the reviewer is board certified in."""
    specialties: list[str] = Field(default_factory=list)
    """Specialty keys the reviewer practises (board certified or not)."""
    years_in_practice: float = Field(ge=0)
    hours_per_week: float = Field(ge=0, le=168)
    affiliations: list[str] = Field(default_factory=list)
    """Employers, claims administrators, insurers, medical groups and providers the reviewer
    works for or with: any that is a party to a case disqualifies the reviewer from it."""
    active: bool = True

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:-]*", value):
            raise UserError(
                f"{value!r} is not a reviewer id (letters, digits, '.', '_', ':', '-')",
                source="id",
            )
        return value

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise UserError("a reviewer's name must be non-empty text", source="name")
        return " ".join(value.split())

    @field_validator("licence_states", mode="before")
    @classmethod
    def _states(cls, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise UserError("must be a list of two-letter state codes", source="licence_states")
        codes = [state_code(v, field=f"licence_states[{i}]") for i, v in enumerate(value)]
        return list(dict.fromkeys(codes))

    @field_validator("board_certifications", "specialties", mode="before")
    @classmethod
    def _specialties(cls, value: Any, info: ValidationInfo) -> list[str]:
        return specialty_list(value, info.field_name or "specialties")

    @field_validator("affiliations", mode="before")
    @classmethod
    def _affiliations(cls, value: Any) -> list[str]:
        return _names(value, "affiliations")

    @property
    def practised(self) -> list[str]:
        """Every specialty the reviewer may be matched on: board certified or practised."""
        return list(dict.fromkeys([*self.board_certifications, *self.specialties]))

    def to_reviewer(
        self, kind: Literal["expert_reviewer", "physician_reviewer"] | None = None
    ) -> Reviewer:
        """The reviewer as a determination and its letter carry them. ``kind`` defaults to
        physician_reviewer when a board certification is an MD/DO specialty."""
        data = specialties()
        if kind is None:
            medical = any(data.specialties[s].physician for s in self.board_certifications)
            kind = "physician_reviewer" if medical else "expert_reviewer"
        return Reviewer(
            kind=kind,
            name=self.name,
            licensure=[state_name(s) for s in self.licence_states],
            specialties=[data.label(s) for s in self.board_certifications],
            board_certified=bool(self.board_certifications),
        )


def parse_roster(entries: Iterable[Mapping[str, Any]]) -> list[ReviewerProfile]:
    """Roster entries (as read from a file or a request) -> profiles, ids unique; every
    problem a UserError naming the entry and its field."""
    roster: list[ReviewerProfile] = []
    for i, entry in enumerate(entries):
        try:
            roster.append(ReviewerProfile.model_validate(entry))
        except UserError as error:
            raise UserError(str(error), source=f"roster[{i}]") from error
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(entry)"
            raise UserError(f"{where}: {first['msg']}", source=f"roster[{i}]") from error
    check_unique(roster)
    return roster


def check_unique(roster: Iterable[ReviewerProfile]) -> None:
    seen: set[str] = set()
    for reviewer in roster:
        if reviewer.id in seen:
            raise UserError(f"reviewer id {reviewer.id!r} appears twice", source="roster")
        seen.add(reviewer.id)
