"""How a predicate is answered from the clinical facts: the ``answered_by`` of each entry in
``predicates.yaml``, validated like every other pack file.

An answer is one named operator with its arguments, written ``{operator: arguments}``:

- fact selectors (``presence``, ``mentioned``, ``any_of``, ``documented_any``, ``yes_no``,
  ``status``, ``value_of``, ``largest``) say which facts of which kind count, by a field's
  values or by words in it;
- generic computations (``time_since_injury``, ``days_since_surgery``, ``prior_count``,
  ``zero_of``, ``in_request_region``, ``findings``, ``corroborated_exam``, ``terms_in``,
  ``daily_morphine_equivalent``, ``weeks_on_requested_drug``, ``requested_hours_per_week``,
  ``request_words``, ``summary_status``) are the engine's code, parameterised here.

The engine side is ``openimr.pack.answers``; ``openimr guidelines show RULE`` prints how each
criterion of a rule is answered.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from openimr.model import Model


class Selector(Model):
    """Facts of one kind, optionally only those whose ``field`` has one of ``values`` or
    contains one of ``words`` (whole words, any case)."""

    fact: str
    field: str | None = None
    values: list[str] | None = None
    words: list[str] | None = None

    @property
    def values_field(self) -> str:
        return self.field or "result"

    @property
    def words_field(self) -> str:
        return self.field or "text"

    def fields(self) -> list[str]:
        return ([self.values_field] if self.values else []) + (
            [self.words_field] if self.words else []
        )

    def describe(self) -> str:
        text = self.fact.replace("_", " ")
        if self.values:
            text += f" with {self.values_field} {' or '.join(self.values)}"
        if self.words:
            text += f" whose {self.words_field} says {', '.join(self.words[:4])}" + (
                "…" if len(self.words) > 4 else ""
            )
        return text


class SummaryStatus(Model):
    status_fact: str
    mention_fact: str
    present_when: list[str]
    absent_when: list[str]


class YesNo(Model):
    """Yes when a ``yes`` fact is stated; otherwise no when a ``no`` fact is denied or a
    ``no_when`` fact is stated (a consistent drug screen answers "no reason to stop")."""

    yes: list[Selector]
    no: list[Selector] = Field(default_factory=list)
    no_when: list[Selector] = Field(default_factory=list)


class Status(Model):
    fact: str
    field: str
    yes: list[str]
    no: list[str] = Field(default_factory=list)


class FieldOf(Model):
    fact: str
    field: str | None = None


class TimeSinceInjury(Model):
    unit: Literal["months", "weeks"]


class PriorCount(Model):
    fact: str
    field: str
    match: str
    """The fact's field naming the modality, compared with the request's service."""
    same_modality: dict[str, list[str]] = Field(default_factory=dict)
    """Modalities that count toward a request of a service (else the service itself)."""
    none_on_record: Literal["zero_unless_continuation", "not_documented"] = (
        "zero_unless_continuation"
    )


class InRequestRegion(Model):
    fact: str
    none_on_record: Literal["false_unless_continuation", "not_documented"] = (
        "false_unless_continuation"
    )


class Findings(Model):
    terms: str
    """A named list in ``terms.yaml``."""
    regions: Literal["request", "any"] = "request"


class CorroboratedExam(Model):
    exam: str
    """The predicate answering whether the examination shows the condition."""
    normal: str
    """The predicate whose 'no' is a normal examination."""
    terms: str


class DiagnosisTerms(Model):
    diagnoses: dict[str, list[str]]
    surgeries: dict[str, SurgeryTerms]


class SurgeryTerms(Model):
    procedures: list[str]
    regions: list[str]


class DailyMorphineEquivalent(Model):
    fact: str
    kind: str


class Weighed(Model):
    """Facts of one kind whose ``field`` says yes or no, stated or denied."""

    fact: str
    field: str
    yes: list[str]
    """Stated with one of these: a yes."""
    no: list[str] = Field(default_factory=list)
    """Stated with one of these: a no."""
    denied: list[str] | None = None
    """Denied with one of these: a no (default: the ``yes`` values)."""
    both: Literal["contradiction", "yes", "no"] = "contradiction"
    """Records that say both: a contradiction, or the side that prevails."""
    match_request: str | None = None
    """A field: only facts whose field names the requested service count."""


class ChoiceOf(Model):
    fact: str
    field: str
    values: list[str]


class Ingredients(Model):
    """A product's ingredients, from the request title, else from the records' mentions."""

    fact: str
    field: str
    not_recommended: dict[str, list[str]]
    """Ingredient -> the words that name it."""
    recommended: dict[str, list[str]]
    only_in_form: dict[str, list[str]] = Field(default_factory=dict)
    """Ingredients recommended only in these forms (lidocaine: the patch); the fact's
    ``form_field`` or the request title names the form."""
    other_forms: list[str] = Field(default_factory=list)
    """The words of the other forms (cream, gel...): such an ingredient in one of them is
    not recommended; in no form named, it is not documented."""
    form_field: str = "result"


class AnsweredBy(Model):
    """Exactly one operator."""

    presence: Selector | None = None
    """A documented fact is a yes, a negated one a no; both is a contradiction."""
    mentioned: Selector | None = None
    """Asked about: stated present or stated absent are both a yes."""
    any_of: list[Selector] | None = None
    """Any documented is a yes; a no needs every source denied."""
    documented_any: list[Selector] | None = None
    """Any documented is a yes; nothing else answers."""
    yes_no: YesNo | None = None
    status: Status | None = None
    """The first documented fact whose field is in ``yes`` or ``no``."""
    value_of: FieldOf | None = None
    """The first documented fact's value (or field)."""
    largest: FieldOf | None = None
    summary_status: SummaryStatus | None = None
    request_words: dict[str, list[str]] | None = None
    """What the request title says: value -> words ("yes" answers a bool)."""
    time_since_injury: TimeSinceInjury | None = None
    days_since_surgery: FieldOf | None = None
    prior_count: PriorCount | None = None
    zero_of: str | None = None
    """Another predicate's answer, when it is 0 (a first injection), else not documented."""
    in_request_region: InRequestRegion | None = None
    findings: Findings | None = None
    corroborated_exam: CorroboratedExam | None = None
    terms_in: DiagnosisTerms | None = None
    daily_morphine_equivalent: DailyMorphineEquivalent | None = None
    weeks_on_requested_drug: FieldOf | None = None
    requested_hours_per_week: dict | None = None
    weighed: Weighed | None = None
    choice_of: ChoiceOf | None = None
    """The one value of ``field`` the records state (two different values: contradiction)."""
    ingredients: Ingredients | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> AnsweredBy:
        chosen = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(chosen) != 1:
            raise ValueError(
                "answered_by takes exactly one operator, got "
                + (", ".join(chosen) or "none")
                + f" (operators: {', '.join(type(self).model_fields)})"
            )
        return self

    @property
    def operator(self) -> str:
        return next(name for name in type(self).model_fields if getattr(self, name) is not None)

    @property
    def arguments(self):
        return getattr(self, self.operator)

    def selectors(self) -> list[Selector]:
        """Every fact selector in the answer (for validation against the fact kinds)."""
        value = self.arguments
        if isinstance(value, Selector):
            return [value]
        if isinstance(value, list) and all(isinstance(v, Selector) for v in value):
            return list(value)
        if isinstance(value, YesNo):
            return [*value.yes, *value.no, *value.no_when]
        return []

    def facts(self) -> list[tuple[str, str | None]]:
        """(fact kind, field) pairs the answer reads."""
        pairs: list[tuple[str, str | None]] = []
        for selector in self.selectors():
            pairs += [(selector.fact, f) for f in selector.fields()] or [(selector.fact, None)]
        value = self.arguments
        for model, kind_attr, field_attr in (
            (Status, "fact", "field"),
            (FieldOf, "fact", "field"),
            (PriorCount, "fact", "field"),
            (InRequestRegion, "fact", None),
            (DailyMorphineEquivalent, "fact", None),
            (Weighed, "fact", "field"),
            (Weighed, "fact", "match_request"),
            (ChoiceOf, "fact", "field"),
            (Ingredients, "fact", "field"),
        ):
            if isinstance(value, model):
                field = getattr(value, field_attr) if field_attr else None
                pairs.append((getattr(value, kind_attr), field))
        if isinstance(value, PriorCount):
            pairs.append((value.fact, value.match))
        if isinstance(value, SummaryStatus):
            pairs += [(value.status_fact, None), (value.mention_fact, None)]
        return pairs

    def predicates(self) -> list[str]:
        """Other predicates the answer builds on."""
        value = self.arguments
        if isinstance(value, CorroboratedExam):
            return [value.exam, value.normal]
        if self.zero_of:
            return [self.zero_of]
        return []

    def describe(self) -> str:
        """How the answer is found, in plain words (for `openimr guidelines show`)."""
        value = self.arguments
        name = self.operator

        def listed(selectors: list[Selector]) -> str:
            return "; ".join(s.describe() for s in selectors)

        if name == "presence":
            return f"yes if the records state {value.describe()}, no if they deny it"
        if name == "mentioned":
            return f"yes if the records say anything of {value.describe()} (present or denied)"
        if name == "any_of":
            return f"yes if the records state any of: {listed(value)}; no if they deny all"
        if name == "documented_any":
            return f"yes if the records state any of: {listed(value)}"
        if name == "yes_no":
            text = (
                f"yes if the records state {listed(value.yes)}; no if they deny {listed(value.no)}"
            )
            return text + (f" or state {listed(value.no_when)}" if value.no_when else "")
        if name == "status":
            return (
                f"the {value.field} of the first {value.fact.replace('_', ' ')}: yes if "
                f"{', '.join(value.yes)}; no if {', '.join(value.no)}"
            )
        if name in ("value_of", "largest"):
            field = f"{value.field} of " if value.field else ""
            pick = "the first" if name == "value_of" else "the largest"
            return f"{pick} {field}{value.fact.replace('_', ' ')} the records state"
        if name == "summary_status":
            return f"the case's {value.status_fact.replace('_', ' ')} (from each mention)"
        if name == "request_words":
            return "what the request title says: " + "; ".join(
                f"{choice} ({', '.join(words[:3])}…)" for choice, words in value.items()
            )
        if name == "time_since_injury":
            return f"{value.unit} from the date of injury to the decision date"
        if name == "days_since_surgery":
            return "days from the latest operation on the region to the request"
        if name == "prior_count":
            return (
                "sessions of the same modality the records count; none on record is 0 "
                "unless the request asks for more"
            )
        if name == "zero_of":
            return f"0 when {value.replace('_', ' ')} is 0; otherwise the records must date them"
        if name == "in_request_region":
            return f"{value.fact.replace('_', ' ')} of the requested region on record"
        if name == "findings":
            return (
                f"imaging or electrodiagnostic findings among the {value.terms.replace('_', ' ')}"
            )
        if name == "corroborated_exam":
            exam, terms = value.exam.replace("_", " "), value.terms.replace("_", " ")
            return f"{exam} corroborated by {terms}"
        if name == "terms_in":
            return "the diagnoses and operations on record, read into the pack's diagnosis names"
        if name == "daily_morphine_equivalent":
            return "the daily morphine equivalents of every opioid on record, each counted once"
        if name == "weighed":
            return (
                f"the {value.field} of each {value.fact.replace('_', ' ')}: yes if "
                f"{', '.join(value.yes)}; no if {', '.join(value.no) or 'denied'}"
            )
        if name == "choice_of":
            return f"the {value.field} of the {value.fact.replace('_', ' ')} the records state"
        if name == "ingredients":
            return "the product's ingredients (request title, else the records), against the lists"
        if name == "weeks_on_requested_drug":
            return "how long the records say the requested drug has been taken"
        return "the hours a week the request asks for"

    def term_lists(self) -> list[str]:
        value = self.arguments
        return [value.terms] if isinstance(value, Findings | CorroboratedExam) else []


DiagnosisTerms.model_rebuild()


class TermsFile(Model):
    """Named word lists answers share (``terms.yaml``)."""

    terms: dict[str, list[str]]
