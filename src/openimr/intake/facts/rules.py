"""The fact rule files: facts.yaml, the finding files in findings/ (one topic each) and
context.yaml (validated on load). The kinds of fact they make are the shared vocabulary's
(``openimr/fact_kinds.yaml``)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pydantic import Field, model_validator

from openimr.fact_kinds import fact_kinds
from openimr.intake.ruleset import RULES_PACKAGE, RuleModel, load_rules
from openimr.model import Assertion


class SimpleFamily(RuleModel):
    kind: str
    label: str
    value_key: str | None = None
    keep_negation: bool = True
    targets: dict[str, list[str]]
    results: dict[str, list[str]] = Field(default_factory=dict)
    own_negation: bool = False
    """True: the phrases word their own negations ("none identified", "not a candidate"),
    so ConText's negation counts only when a negating word stands in the mention's clause
    (between semicolons) outside the mention itself."""
    clause_ends: list[str] = Field(default_factory=list)
    """With own_negation: words that also end a clause, beside ConText's terminators and
    the semicolon (", and she ...")."""
    not_negating: list[str] = Field(default_factory=list)
    """With own_negation: look-alikes of negations, beside ConText's ("no matter")."""
    keep_hypothetical: bool = True
    """False: the phrase itself states a plan, goal or purpose ("SCS trial planned"), so
    ConText's hypothetical is not applied."""
    keep_uncertain: bool = True
    """False: the phrase itself states the uncertainty ("etiology unclear"), so ConText's
    uncertain is not applied."""
    unless: list[str] = Field(default_factory=list)
    """A mention whose sentence matches one of these is no fact (a sentence that quotes
    the guideline or a reviewer's reasons, not the patient's record)."""
    unless_before: list[str] = Field(default_factory=list)
    """A mention preceded in its clause by one of these is no fact (a relative's
    history: "her brother is in recovery")."""
    requires: list[str] = Field(default_factory=list)
    """A mention counts only when its sentence matches every one of these."""


class PriorTreatmentRules(RuleModel):
    cues: list[str]
    counts: list[str]
    planned: list[str]
    planned_window: int
    planned_after: int
    received: list[str]
    none_before: str
    none_after: str
    post_operative_before: str
    """Words just before a treatment's name placing it after the operation ("post-op PT")."""
    post_operative_after: str
    """The same said after the name, in its clause ("PT since the surgery"), read within
    ``post_operative_window`` characters and before the next treatment named."""
    post_operative_window: int
    modality_words: dict[str, list[str]]
    durations: list[str]
    exclude_kinds: list[str]
    authorized: list[str] = Field(default_factory=list)
    """What utilization review allowed of the request (group n): "6 visits were authorized",
    "modified to 6 sessions". The disputed item is what is left of the same course."""


class PainReliefRules(RuleModel):
    patterns: list[str]
    duration: str


class SurgeryRules(RuleModel):
    date_window: int
    year: str


class ImagingRules(RuleModel):
    modalities: dict[str, list[str]]
    findings: dict[str, list[str]]
    severity: str
    report_sections: list[str]
    report_window: int


class DiagnosisRules(RuleModel):
    patterns: list[str]


class URRules(RuleModel):
    cue: str
    action: str
    what: str
    reason: str


class MedicationDurationRules(RuleModel):
    """How long a drug has been taken, said after its name in the same sentence."""

    for_period: list[str]
    """Patterns with groups n (a number) and unit (day/week/month/year words)."""
    since: list[str]
    """Patterns with group date (a date or a year)."""
    weeks_per_unit: dict[str, float]
    new_start: list[str]
    """First prescribed now: no weeks on the drug before."""
    supply: list[str]
    """The supply asked for, said in the text (groups n, unit)."""


class StatedMedRules(RuleModel):
    """A total daily morphine-equivalent dose the records state (group mg)."""

    patterns: list[str]
    unless: list[str] = Field(default_factory=list)
    """A sentence with one of these speaks of a limit or a guideline, not of the dose."""


class CareHoursRules(RuleModel):
    """Home care hours asked for, as the records state them (facts.yaml ``care_hours``)."""

    services: list[str]
    asked: list[str]
    unless: list[str] = Field(default_factory=list)
    per_week: list[str]
    around_the_clock: list[str]
    per_day: list[str]
    times_a_day: dict[str, int]
    days_a_week: list[str]
    fixed_days: dict[str, int]
    visits_a_week: list[str]
    hours_a_visit: list[str]


class FactRules(RuleModel):
    simple: list[SimpleFamily]
    medication_duration: MedicationDurationRules
    prior_treatment: PriorTreatmentRules
    pain_relief: PainReliefRules
    pain_score: list[str]
    stated_med: StatedMedRules | None = None
    care_hours: CareHoursRules | None = None
    surgery: SurgeryRules
    imaging: ImagingRules
    diagnosis: DiagnosisRules
    ur_history: URRules

    @model_validator(mode="after")
    def _known_kinds(self) -> FactRules:
        known = fact_kinds()
        for family in self.simple:
            if family.kind not in known.kinds:
                raise ValueError(f"unknown fact kind {family.kind!r} (not in fact_kinds.yaml)")
            # The fields a family fills must be the fields its kind declares.
            fields = ([family.value_key] if family.value_key else []) + (
                ["result"] if family.results else []
            )
            for field in fields:
                if not known.has_field(family.kind, field):
                    raise ValueError(
                        f"fact kind {family.kind!r} declares no field {field!r} "
                        "(fact_kinds.yaml), yet its rules fill it"
                    )
        return self


class FindingsFile(RuleModel):
    """One topic's findings (rules/findings/*.yaml): phrase families, read like facts.yaml's
    ``simple`` families, kept apart so that a reader finds a topic's words in one file."""

    simple: list[SimpleFamily]


FINDINGS = "findings"


def finding_files() -> list[str]:
    """The finding files of phrase families, by name, as paths under the rules package
    (not the files a model of their own reads: ``DEDICATED``)."""
    folder = resources.files(RULES_PACKAGE).joinpath(FINDINGS)
    return sorted(
        f"{FINDINGS}/{p.name}"
        for p in folder.iterdir()
        if p.name.endswith(".yaml") and f"{FINDINGS}/{p.name}" not in DEDICATED
    )


@cache
def fact_rules() -> FactRules:
    rules = load_rules("facts.yaml", FactRules)
    extra = [family for name in finding_files() for family in load_rules(name, FindingsFile).simple]
    if not extra:
        return rules
    return FactRules.model_validate({**rules.model_dump(), "simple": [*rules.simple, *extra]})


# --- injections (rules/findings/injections*.yaml) -----------------------------------------


class DurationUnit(RuleModel):
    weeks: float
    """The weeks one of the unit makes."""
    words: list[str]


class InjectionRules(RuleModel):
    """Which injection a passage names, whether given or planned, the relief it gave and how
    the requested one is to be done (findings/injections.yaml)."""

    kinds: dict[str, list[str]]
    steroid_words: list[str]
    planned_cues: list[str]
    prior_cues: list[str]
    clause_breaks: list[str]
    side_letters: dict[str, list[str]]
    past_year: list[str]
    negations: list[str]
    negations_after: str
    place_after: str
    exam_kinds: list[str]
    not_examined: str
    count_before: str
    count_after: str
    rule_statements: list[str]
    percent: list[str]
    fractions: dict[int, list[str]]
    no_relief: list[str]
    little_relief: list[str]
    relief_words: list[str]
    scores: list[str]
    durations: list[str]
    not_durations: list[str]
    until: list[str]
    amounts: dict[str, int]
    units: dict[str, DurationUnit]
    block_results: dict[Literal["positive", "negative"], list[str]]
    other_treatments: list[str]
    guidance: dict[str, list[str]]
    approach: dict[str, list[str]]

    @model_validator(mode="after")
    def _groups(self) -> InjectionRules:
        for name, patterns, groups in (
            ("percent", self.percent, ["pct"]),
            ("scores", self.scores, ["before", "after"]),
            ("durations", self.durations, ["unit"]),
            ("until", self.until, ["date"]),
        ):
            for pattern in patterns:
                missing = [g for g in groups if f"(?P<{g}>" not in pattern]
                if missing:
                    raise ValueError(f"{name} pattern {pattern!r} lacks group {missing[0]!r}")
        if "unspecified" not in self.kinds:
            raise ValueError("kinds must name the `unspecified` injection")
        return self


class SacroiliacRules(RuleModel):
    """Sacroiliac provocation tests and their results (findings/injections_sacroiliac.yaml)."""

    tests: dict[str, list[str]]
    positive: list[str]
    negative: list[str]
    counts: list[str]
    count_subject: list[str]


class GeneratorRules(RuleModel):
    """Other pain generators and whether each was excluded or is still open
    (findings/injections_generators.yaml)."""

    generators: dict[str, list[str]]
    excluded: list[str]
    open: list[str]


class DiagnosisVocabulary(RuleModel):
    """The words a reader of diagnoses needs: the headings and phrases that open a list of
    them, the conditions the narrative names, and the words that make one not current
    (findings/diagnoses.yaml, read by ``intake/facts/diagnoses.py``)."""

    section_heads: list[str]
    dictated_heads: list[str]
    not_heading_after: str
    section_ends: list[str]
    named_list_heads: list[str]
    complaints: dict[str, list[str]]
    not_body_parts: list[str]
    item_numbers: str
    narrative_words: list[str]
    negations: list[str]
    negations_after: list[str]
    uncertain: list[str]
    hypothetical: list[str]
    not_items: str
    resolved: list[str]
    family: list[str]
    not_patient: list[str]
    reason_words: list[str]
    reason_gap: str
    post_operative: list[str]
    post_operative_narrative: list[str]
    post_operative_window: int
    procedures: dict[str, list[str]]
    text_words: dict[str, list[str]]
    conditions: dict[str, list[str]]


INJECTIONS = f"{FINDINGS}/injections.yaml"
SACROILIAC = f"{FINDINGS}/injections_sacroiliac.yaml"
GENERATORS = f"{FINDINGS}/injections_generators.yaml"
DIAGNOSES = f"{FINDINGS}/diagnoses.yaml"
DEDICATED = {INJECTIONS, SACROILIAC, GENERATORS, DIAGNOSES}
"""Finding files a model of their own reads (not phrase families)."""


@cache
def injection_rules() -> InjectionRules:
    return load_rules(INJECTIONS, InjectionRules)


@cache
def sacroiliac_rules() -> SacroiliacRules:
    return load_rules(SACROILIAC, SacroiliacRules)


@cache
def generator_rules() -> GeneratorRules:
    return load_rules(GENERATORS, GeneratorRules)


@cache
def diagnosis_vocabulary() -> DiagnosisVocabulary:
    return load_rules(DIAGNOSES, DiagnosisVocabulary)


Category = Literal[
    "NEGATED_EXISTENCE",
    "POSSIBLE_EXISTENCE",
    "HISTORICAL",
    "HYPOTHETICAL",
    "FAMILY",
    "TERMINATE",
    "PSEUDO",
]
Direction = Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"]


class ContextRule(RuleModel):
    literal: str
    category: Category
    direction: Direction
    pattern: str | None = None
    max_scope: int | None = None
    allowed_types: list[str] | None = None
    excluded_types: list[str] | None = None
    spans_list: bool = False
    """Its scope runs through a list of clauses ("no documentation of A; B; or C"): not cut
    at clause bounds, only at the sentence's end."""


class ClauseRules(RuleModel):
    """Where a modifier's scope ends: the clause it is in (context.yaml ``clauses``)."""

    always_end: list[str]
    separators: list[str]
    conjunctions: list[str]
    openers: list[str]


class SectionRules(RuleModel):
    """Headings of a note's sections (context.yaml ``sections``): what follows a plan or
    request heading, up to the next heading or blank line, is hypothetical."""

    hypothetical: list[str]
    other: list[str]


class ContextRules(RuleModel):
    categories: dict[str, Assertion]
    clauses: ClauseRules
    sections: SectionRules | None = None
    rules: list[ContextRule]


@cache
def context_rules() -> ContextRules:
    return load_rules("context.yaml", ContextRules)
