"""The shape of a guideline pack: what a rule, a predicate and a golden case may say.

Every model forbids unknown keys, so a misspelt key in a pack file is a load error,
not a silently ignored rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from openimr.model import Citation, CriterionStatus, HierarchyLevel, Model, Request, Verification
from openimr.pack.answer_schema import AnsweredBy
from openimr.vocabulary import BodyRegion, Phase, ServiceKind, vocabulary

ID_PATTERN = r"^[a-z0-9][a-z0-9_.]*$"


def _iso_date(value: Any) -> Any:
    """Dates in a pack are ISO strings (YYYY-MM-DD); anything else is malformed."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"date {value!r} is not an ISO date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"date {value!r} is not a valid ISO date (YYYY-MM-DD)") from None


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]

PHASES: tuple[str, ...] = tuple(vocabulary().phases)
"""Where in a course of care a request sits (vocabulary.yaml ``phases``)."""

Recommendation = Literal["recommended", "option", "not_recommended", "physician_judgement"]

RequestMeasure = Literal["quantity", "per_week", "weeks", "total_with_prior", "levels"]
"""What a limit may measure on the request itself:
quantity: the number requested (visits, sessions, injections, units);
per_week: how many times a week (from the request's frequency);
weeks: for how many weeks (from the request's frequency);
total_with_prior: sessions already had of the same modality plus those requested;
levels: the number of spinal levels named."""


class ImpliedPhase(Model):
    """A phase a request that names none is read in, when a rule for that phase applies and
    the records place the request within the rule's own ``period`` (a number predicate)."""

    phase: Phase
    period: str
    basis: str


class FollowsOperation(Model):
    """Care that goes with an operation: when the operation is itself an item of the same
    case, such care is medically necessary only if the operation is."""

    operations: list[ServiceKind] = Field(min_length=1)
    services: list[ServiceKind] = Field(default_factory=list)
    """Services that exist only for an operation (an assistant surgeon, pre-operative tests)."""
    phases: list[Phase] = Field(default_factory=list)
    """Requests in these phases (care after the operation) go with it too."""
    basis: str


class SupplyRequired(Model):
    """A drug request must say how much is asked for (a count, an amount or a length of
    supply): without it no reviewer can certify it, however reasonable the drug."""

    families: list[str] = Field(min_length=1)
    """Service families (vocabulary.yaml) whose drug requests it applies to."""
    text: str
    gap: str
    basis: str


class PackInfo(Model):
    name: str
    version: str
    title: str
    description: str
    implied_phases: list[ImpliedPhase] = Field(default_factory=list)
    follows_operation: FollowsOperation | None = None
    supply_required: SupplyRequired | None = None


class PredicateDef(Model):
    """One term of the closed criteria vocabulary: a fact a criterion may ask about."""

    id: str = Field(pattern=ID_PATTERN)
    type: Literal["bool", "number", "choice", "set"]
    description: str
    fact: str
    """What in the records stands for it (how an extractor or a reviewer would find it)."""
    unit: str | None = None
    values: list[str] = Field(default_factory=list)
    """The allowed values of a ``choice`` or ``set`` predicate."""
    answered_by: AnsweredBy | None = None
    """How the engine answers it from the clinical facts (``pack/answer_schema.py``)."""
    physician_assessed: str | None = None
    """Instead of ``answered_by``: why only the physician reviewer can assess it from the
    records. Its criterion then needs the reviewer, and so does the item, unless another
    criterion is not met. A predicate a rule uses has one or the other."""

    @model_validator(mode="after")
    def _values_fit_type(self) -> PredicateDef:
        if self.type in ("choice", "set") and not self.values:
            raise ValueError(f"predicate {self.id!r} of type {self.type} needs values")
        if self.type in ("bool", "number") and self.values:
            raise ValueError(f"predicate {self.id!r} of type {self.type} takes no values")
        if self.answered_by is not None and self.physician_assessed is not None:
            raise ValueError(
                f"predicate {self.id!r} is either answered_by the records or physician_assessed,"
                " not both"
            )
        return self


class PredicateFile(Model):
    predicates: list[PredicateDef]


class Node(Model):
    """A criterion: either a leaf asking one predicate, or a group (all / any / at_least)."""

    id: str | None = Field(default=None, pattern=ID_PATTERN)
    text: str | None = None
    gap: str | None = None
    """What the records would have to show, said when the fact is not documented."""
    # leaf
    predicate: str | None = None
    expect: bool | None = None
    min: float | None = None
    max: float | None = None
    one_of: list[str] | None = None
    unstated: Literal["not_documented", "met"] = "not_documented"
    """When the records are silent: a documentation gap, or met for a bar the records would
    state if it applied (a program already completed for the injury, which bars repeating
    it): nobody documents that something did not happen."""
    # groups
    all: list[Node] | None = None
    any: list[Node] | None = None
    at_least: int | None = Field(default=None, ge=1)
    of: list[Node] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Node:
        shapes = [
            self.predicate is not None,
            self.all is not None,
            self.any is not None,
            self.at_least is not None,
        ]
        if sum(shapes) != 1:
            raise ValueError("a criterion is exactly one of: predicate, all, any, at_least")
        if self.at_least is not None and not self.of:
            raise ValueError("'at_least' needs 'of': the criteria to count")
        if self.of is not None and self.at_least is None:
            raise ValueError("'of' is only used with 'at_least'")
        if self.predicate is not None:
            if not (self.id and self.text and self.gap):
                raise ValueError(f"leaf {self.predicate!r} needs id, text and gap")
            comparisons = [self.expect is not None, self.one_of is not None]
            comparisons.append(self.min is not None or self.max is not None)
            if sum(comparisons) > 1:
                raise ValueError(f"leaf {self.id!r}: use one of expect, min/max, one_of")
        elif any(x is not None for x in (self.expect, self.min, self.max, self.one_of)):
            raise ValueError("expect, min, max and one_of belong on a leaf")
        if self.unstated == "met" and self.expect is not False:
            raise ValueError(f"criterion {self.id!r}: 'unstated: met' is for a bar (expect: false)")
        return self

    @property
    def children(self) -> list[Node]:
        return self.all or self.any or self.of or []

    def leaves(self) -> list[Node]:
        if self.predicate is not None:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]

    def ids(self) -> list[str]:
        own = [self.id] if self.id else []
        return own + [i for child in self.children for i in child.ids()]


class Limit(Model):
    """A quantity the guideline allows: visits, frequency, duration, dose, levels."""

    id: str = Field(pattern=ID_PATTERN)
    text: str
    gap: str
    of: RequestMeasure | None = None
    predicate: str | None = None
    """A number predicate (a fact) to compare instead of the request, e.g. the daily MED."""
    min: float | None = None
    max: float | None = None
    unit: str
    when: Node | None = None
    """The limit applies only when this is met (e.g. a diagnosis-specific visit count)."""
    unstated: Literal["not_documented", "skip"] = "not_documented"
    """When the request does not state the measure: a documentation gap, or nothing to check
    (a frequency the request does not state cannot exceed the guideline's)."""
    unknown_when: Literal["not_documented", "skip"] = "not_documented"
    """When the records leave its ``when`` undocumented: a documentation gap, or the limit
    does not apply (a diagnosis's visit allowance when no listed diagnosis is named)."""

    @model_validator(mode="after")
    def _well_formed(self) -> Limit:
        if (self.of is None) == (self.predicate is None):
            raise ValueError(f"limit {self.id!r}: give exactly one of 'of' and 'predicate'")
        if self.min is None and self.max is None:
            raise ValueError(f"limit {self.id!r}: give min, max or both")
        return self


class RuleException(Model):
    """The guideline's "however": when `when` is met, the named limits no longer bind."""

    id: str = Field(pattern=ID_PATTERN)
    text: str
    gap: str
    when: Node
    lifts: list[str] = Field(min_length=1)
    """Ids of limits (or ``recommendation``) this exception sets aside."""


class RuleCitation(Citation):
    """A rule's source. Unlike a letter's citation, nothing here may be left out."""

    guideline: str
    edition: str
    regulation: str
    section: str
    pages: str | None = None
    pages_note: str | None = None
    """Why there are no pages (an online guideline), when ``pages`` is empty."""
    hierarchy_level: HierarchyLevel
    verification: Verification
    url: str | None = None

    @model_validator(mode="after")
    def _pages_or_reason(self) -> RuleCitation:
        if not self.pages and not self.pages_note:
            raise ValueError("citation needs pages, or pages_note saying why there are none")
        return self

    def as_citation(self) -> Citation:
        return Citation(
            guideline=self.guideline,
            edition=self.edition,
            regulation=self.regulation,
            section=self.section,
            pages=self.pages,
            hierarchy_level=self.hierarchy_level,
            verification=self.verification,
        )


class Effective(Model):
    """Dates a rule is in force, both inclusive; ``to`` empty = still in force."""

    from_: IsoDate = Field(alias="from")
    to: IsoDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"effective 'to' {self.to} is before 'from' {self.from_}")
        return self

    def covers(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.to is None or day <= self.to)

    def overlaps(self, other: Effective) -> bool:
        ends = self.to or dt.date.max
        other_ends = other.to or dt.date.max
        return self.from_ <= other_ends and other.from_ <= ends


class Edition(Model):
    """A later edition of the same rule: the guideline re-issued with the rule's content
    unchanged, so the rule is not copied; only its dates, its citation and what is said of
    the carry-over change."""

    effective: Effective
    citation: RuleCitation
    notes: list[str] = Field(default_factory=list)
    """About this edition (e.g. that the carry-over is believed, not verified)."""


class AppliesTo(Model):
    services: list[ServiceKind] = Field(default_factory=list)
    body_regions: list[BodyRegion] = Field(default_factory=list)
    """Empty: any region."""
    region_named: bool = False
    """Only for a request that names one of ``body_regions`` (an operation on the knee is
    not read into a title that names no part)."""
    phases: list[Phase] = Field(default_factory=list)
    """Empty: any phase."""
    conditions: list[str] = Field(default_factory=list)
    """Diagnoses the rule is written for (values of the ``diagnoses`` predicate). A rule
    naming conditions applies only when the facts document one of them."""
    drugs: list[str] = Field(default_factory=list)
    """Drug names (generic or brand, lower case) the request must name; empty: any drug."""
    names: list[str] = Field(default_factory=list)
    """Words (lower case) the request must contain to name a device or product, e.g. a knee
    brace among other equipment; empty: any."""

    @model_validator(mode="after")
    def _lower_case_words(self) -> AppliesTo:
        for word in self.drugs + self.names:
            if word != word.lower() or not word.strip():
                raise ValueError(f"drugs and names are matched in lower case: {word!r}")
        return self

    def scope_key(self) -> tuple[tuple[str, ...], ...]:
        return (
            tuple(sorted(self.services)),
            tuple(sorted(self.drugs)),
            tuple(sorted(self.names)),
            tuple(sorted(self.body_regions)),
            tuple(sorted(self.phases)),
            tuple(sorted(self.conditions)),
        )


class Rule(Model):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    statement: str
    """What the guideline recommends, in our own words."""
    citation: RuleCitation
    effective: Effective
    editions: list[Edition] = Field(default_factory=list)
    """Later editions carrying the same content, each with its own dates and citation: the
    rule is in force over the union of its ranges and cites the edition of the day."""
    applies_to: AppliesTo
    recommendation: Recommendation
    limits: list[Limit] = Field(default_factory=list)
    criteria: Node | None = None
    exceptions: list[RuleException] = Field(default_factory=list)
    not_modelled: list[str] = Field(default_factory=list)
    """What the rule leaves to the physician reviewer."""
    notes: list[str] = Field(default_factory=list)
    catch_all: bool = False
    """The rule for services no other rule covers: routes to physician judgement."""
    judgement_reason: str | None = None
    """Why a ``physician_judgement`` rule leaves the item to the reviewer, said in the
    determination (e.g. the edition's text for the topic is not encoded)."""

    # set by the loader from the file the rule came from
    topic: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _catch_all_or_services(self) -> Rule:
        if self.catch_all and self.recommendation != "physician_judgement":
            raise ValueError("the catch-all rule must have recommendation physician_judgement")
        if self.judgement_reason and self.recommendation != "physician_judgement":
            raise ValueError("judgement_reason belongs on a physician_judgement rule")
        if not self.catch_all and not self.applies_to.services:
            raise ValueError("applies_to.services is empty (only the catch-all may omit it)")
        return self

    @model_validator(mode="after")
    def _editions_apart(self) -> Rule:
        ranges = self.ranges()
        for index, one in enumerate(ranges):
            for other in ranges[index + 1 :]:
                if one.overlaps(other):
                    raise ValueError(
                        f"editions overlap: {one.from_}..{one.to or 'open'} and "
                        f"{other.from_}..{other.to or 'open'}"
                    )
        return self

    def ranges(self) -> list[Effective]:
        """Every range the rule is in force over: its first edition's, then the later ones'."""
        return [self.effective] + [edition.effective for edition in self.editions]

    def covers(self, day: dt.date) -> bool:
        return any(effective.covers(day) for effective in self.ranges())

    def on(self, day: dt.date) -> Rule | None:
        """The rule as in force on ``day``: its dates, citation and notes those of the
        edition of that day (the rule itself for its first edition); None if not in force."""
        if self.effective.covers(day):
            return self
        for edition in self.editions:
            if edition.effective.covers(day):
                return self.model_copy(
                    update={
                        "effective": edition.effective,
                        "citation": edition.citation,
                        "notes": [*self.notes, *edition.notes],
                    }
                )
        return None

    def criterion_ids(self) -> list[str]:
        ids = ["recommendation"] + [limit.id for limit in self.limits]
        ids += self.criteria.ids() if self.criteria else []
        return ids


class RuleFile(Model):
    topic: str = Field(pattern=ID_PATTERN)
    rules: list[dict[str, Any]] = Field(min_length=1)
    """Validated one by one, so that an error can name its rule."""


class Expectation(Model):
    rule: str
    """The rule the case must select (edition by date, hierarchy, specificity)."""
    verdict: CriterionStatus
    criteria: dict[str, CriterionStatus] = Field(default_factory=dict)
    decided_by: Literal["rule", "physician_judgement_required"] = "rule"


class GoldenCase(Model):
    """A worked example that reads like the guideline: facts + request -> verdicts."""

    id: str = Field(pattern=ID_PATTERN)
    description: str
    date: IsoDate
    request: Request
    facts: dict[str, Any] = Field(default_factory=dict)
    expect: Expectation
    source: str = ""


class CasesFile(Model):
    cases: list[GoldenCase] = Field(min_length=1)
