"""Words that name services, drugs, body regions, sides and spinal levels, found in text.

The words are data: ``rules/services.yaml``, ``rules/drugs.yaml``, ``rules/regions.yaml``.
Every kind and region named there must be in the one vocabulary (``vocabulary.yaml``);
the loaders refuse the file otherwise. Pure regular expressions: no NLP import.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import Field, model_validator

from openimr.intake.grouped import alternation
from openimr.intake.needles import Sieves, text_pieces
from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules
from openimr.vocabulary import vocabulary

SERVICES_FILE = "services.yaml"
DRUGS_FILE = "drugs.yaml"
REGIONS_FILE = "regions.yaml"


@dataclass(frozen=True, order=True)
class Hit:
    """A word or phrase found in a text: its span and what it means."""

    start: int
    end: int
    value: str
    text: str


def whole_words(patterns: list[str]) -> str:
    """One alternation of ``patterns`` that only matches whole words."""
    return r"(?<![\w])" + alternation(patterns) + r"(?![\w])"


class ServiceRule(RuleModel):
    kind: str
    patterns: list[str]


class ServiceRules(RuleModel):
    services: list[ServiceRule]

    @model_validator(mode="after")
    def _known_kinds(self) -> ServiceRules:
        known = vocabulary().service_kinds
        for rule in self.services:
            if rule.kind not in known:
                raise ValueError(f"unknown service kind {rule.kind!r} (not in vocabulary.yaml)")
        return self


class DrugInfo(RuleModel):
    kind: str
    generic: str
    mme_factor: float | None = None


class DrugRules(RuleModel):
    drugs: dict[str, DrugInfo]
    strength: str
    forms: list[str]
    salts: list[str] = Field(default_factory=list)
    releases: dict[str, list[str]] = Field(default_factory=dict)
    count: list[str]
    amount: str
    dosing: dict[str, int | None]

    @model_validator(mode="after")
    def _medication_kinds(self) -> DrugRules:
        vocab = vocabulary()
        for name, info in self.drugs.items():
            if info.kind not in vocab.service_kinds:
                raise ValueError(f"drug {name!r}: unknown service kind {info.kind!r}")
            if vocab.family_of(info.kind) != "medications":
                raise ValueError(f"drug {name!r}: {info.kind!r} is not a medication kind")
        return self


class RegionRules(RuleModel):
    regions: dict[str, list[str]]
    sides: dict[str, list[str]]
    level_regions: dict[str, str]

    @model_validator(mode="after")
    def _known_terms(self) -> RegionRules:
        vocab = vocabulary()
        for region in [*self.regions, *self.level_regions.values()]:
            if region not in vocab.body_regions:
                raise ValueError(f"unknown body region {region!r} (not in vocabulary.yaml)")
        for side in self.sides:
            if side not in vocab.sides:
                raise ValueError(f"unknown side {side!r} (not in vocabulary.yaml)")
        return self


KEPT_TEXTS = 8
KEPT_REGIONS_FROM = 500  # the regions of texts this long are kept (the last few)


def _kept(kept: dict[str, tuple[Hit, ...]], text: str, find: Any) -> list[Hit]:
    """``find(text)``, from ``kept`` when the text was read lately."""
    if text not in kept:
        if len(kept) >= KEPT_TEXTS:
            del kept[next(iter(kept))]
        kept[text] = tuple(find(text))
    return list(kept[text])


class Lexicon:
    """Compiled rules. Built once per process (``lexicon()``)."""

    def __init__(self) -> None:
        self.service_rules = load_rules(SERVICES_FILE, ServiceRules)
        self.drug_rules = load_rules(DRUGS_FILE, DrugRules)
        self.region_rules = load_rules(REGIONS_FILE, RegionRules)
        # Several readers of one text ask for its services and drugs: found once, the last
        # few texts' kept (a list is copied out, so a reader's changes stay its own).
        self._services_of: dict[str, tuple[Hit, ...]] = {}
        self._drugs_of: dict[str, tuple[Hit, ...]] = {}
        self._regions_of: dict[str, tuple[Hit, ...]] = {}  # (whole texts: several readers)
        self.services = [
            (r.kind, compile_pattern(whole_words(r.patterns), SERVICES_FILE))
            for r in self.service_rules.services
        ]
        names = sorted(self.drug_rules.drugs, key=len, reverse=True)
        self.drug_names = compile_pattern(
            whole_words([re.escape(n).replace(r"\ ", r"\s+") for n in names]), DRUGS_FILE
        )
        self.strength = compile_pattern(whole_words([self.drug_rules.strength]), DRUGS_FILE)
        self.forms = compile_pattern(whole_words(self.drug_rules.forms), DRUGS_FILE)
        between = whole_words(self.drug_rules.salts + self.drug_rules.forms)
        self.before_strength = compile_pattern(rf"(?:\s*(?:{between}))*", DRUGS_FILE)
        self.releases = [
            (name, compile_pattern(whole_words(words), DRUGS_FILE))
            for name, words in self.drug_rules.releases.items()
        ]
        self.count = [compile_pattern(p, DRUGS_FILE) for p in self.drug_rules.count]
        self.amount = compile_pattern(self.drug_rules.amount, DRUGS_FILE)
        self.dosing = [
            (compile_pattern(whole_words([p]), DRUGS_FILE), per_day)
            for p, per_day in self.drug_rules.dosing.items()
        ]
        self.regions = [
            (region, compile_pattern(whole_words(patterns), REGIONS_FILE))
            for region, patterns in self.region_rules.regions.items()
        ]
        self.sides = [
            (side, compile_pattern(whole_words(patterns), REGIONS_FILE))
            for side, patterns in self.region_rules.sides.items()
        ]
        # Which services and regions a text can name at all (needles.py).
        self.service_sieves = Sieves(rx for _, rx in self.services)
        self.region_sieves = Sieves(rx for _, rx in self.regions)
        letters = "".join(self.region_rules.level_regions)
        self.levels = compile_pattern(
            rf"(?<![\w])(?P<a>[{letters}])(?P<an>\d{{1,2}})"
            rf"(?:\s*(?:-|–|/|to|through)\s*(?P<b>[{letters}])?(?P<bn>\d{{1,2}}))?(?![\w])",
            REGIONS_FILE,
        )

    # -- services -------------------------------------------------------------------
    def find_services(self, text: str) -> list[Hit]:
        """Every service named in ``text``, earlier rules winning where spans overlap."""
        return _kept(self._services_of, text, self._find_services)

    def _find_services(self, text: str) -> list[Hit]:
        taken: list[Hit] = []  # disjoint, in text order
        passing = self.service_sieves.passing(text_pieces(text))
        for (kind, regex), may in zip(self.services, passing, strict=True):
            if not may:
                continue  # no match in the text (needles.py)
            for m in regex.finditer(text):
                # Of the hits taken that start before this match ends, the last ends
                # latest: it is the only one that can overlap the match.
                i = bisect.bisect_left(taken, (m.end(),), key=lambda h: (h.start,))
                if i == 0 or taken[i - 1].end <= m.start():
                    taken.insert(i, Hit(m.start(), m.end(), kind, m.group()))
        return sorted(taken)

    def first_service(self, text: str) -> Hit | None:
        """The service a title names: the first rule (in file order) that matches."""
        for kind, regex in self.services:
            if m := regex.search(text):
                return Hit(m.start(), m.end(), kind, m.group())
        return None

    # -- drugs ------------------------------------------------------------------------
    def find_drugs(self, text: str) -> list[Hit]:
        """Drug names in ``text``, in order; ``value`` is the key in drugs.yaml."""
        return _kept(self._drugs_of, text, self._find_drugs)

    def _find_drugs(self, text: str) -> list[Hit]:
        hits = []
        for m in self.drug_names.finditer(text):
            key = re.sub(r"\s+", " ", m.group().lower())
            hits.append(Hit(m.start(), m.end(), key, m.group()))
        return hits

    def release_of(self, words: str) -> str | None:
        """The release a drug's words name ("sulfate ER": extended), if any."""
        return next((name for name, rx in self.releases if rx.search(words)), None)

    def drug_info(self, key: str) -> DrugInfo:
        return self.drug_rules.drugs[key]

    # -- regions, sides, levels -------------------------------------------------------
    def find_regions(self, text: str) -> list[Hit]:
        """Body regions named in ``text``, in order."""
        if len(text) < KEPT_REGIONS_FROM:  # a sentence or a title: read again
            return self._find_regions(text)
        return _kept(self._regions_of, text, self._find_regions)

    def _find_regions(self, text: str) -> list[Hit]:
        passing = self.region_sieves.passing(text_pieces(text))
        hits = [
            Hit(m.start(), m.end(), region, m.group())
            for (region, regex), may in zip(self.regions, passing, strict=True)
            if may
            for m in regex.finditer(text)
        ]
        return sorted(hits)

    def find_sides(self, text: str) -> list[Hit]:
        hits = [
            Hit(m.start(), m.end(), side, m.group())
            for side, regex in self.sides
            for m in regex.finditer(text)
        ]
        return sorted(hits)

    def find_levels(self, text: str) -> list[tuple[Hit, str]]:
        """Spinal levels, normalised ("L4-5" -> "L4-L5"), each with the region it implies."""
        found = []
        for m in self.levels.finditer(text):
            a = m["a"].upper()
            level = f"{a}{int(m['an'])}"
            if m["bn"]:
                level += f"-{(m['b'] or a).upper()}{int(m['bn'])}"
            region = self.region_rules.level_regions[a]
            found.append((Hit(m.start(), m.end(), level, m.group()), region))
        return found


@cache
def lexicon() -> Lexicon:
    return Lexicon()


def unique(values: list[str]) -> list[str]:
    """Values in first-seen order, without repeats (deterministic output)."""
    return list(dict.fromkeys(values))
