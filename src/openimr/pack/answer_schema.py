"""How a predicate is answered from the clinical facts: the ``answered_by`` of each entry in
``predicates.yaml``, validated like every other pack file.

An answer is one named operator with its arguments, written ``{operator: arguments}``:

- fact selectors (``presence``, ``mentioned``, ``any_of``, ``documented_any``, ``yes_no``,
  ``status``, ``value_of``, ``weighed``, ``choice_of``, ``text_of``, ``all_of``, ``first_of``...)
  say which facts of which kind count, by a field's values or by words in it;
- generic computations (``elapsed``, ``post_operative_days``,
  ``received_count``, ``zero_of``, ``in_request_region``, ``findings``, ``corroborated_exam``,
  ``terms_in``, ``daily_morphine_equivalent``, ``weeks_with_supply``, ``measured_changes``,
  ``prior_injection``, ``requested_hours_per_week``, ``request_words``...) are the engine's
  code, parameterised here. The ``AnsweredBy`` model lists them all.

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
    suspected: bool = False
    """Facts stated as suspected too ("r/o rotator cuff tear"), for a predicate that asks
    whether a condition is suspected."""
    where: dict[str, list[str]] = Field(default_factory=dict)
    """Further fields and the values they must have (an x-ray's ``modality``)."""
    region: str | None = None
    """Only facts of this body region (their ``region`` field, or one of their
    ``regions``), or of the request's regions (``request``); a fact that names none counts
    when the request is for that region."""

    @property
    def values_field(self) -> str:
        return self.field or "result"

    @property
    def words_field(self) -> str:
        return self.field or "text"

    def fields(self) -> list[str]:
        return (
            ([self.values_field] if self.values else [])
            + ([self.words_field] if self.words else [])
            + list(self.where)
        )

    def describe(self) -> str:
        text = self.fact.replace("_", " ")
        if self.values:
            text += f" with {self.values_field} {' or '.join(self.values)}"
        if self.words:
            text += f" whose {self.words_field} says {', '.join(self.words[:4])}" + (
                "…" if len(self.words) > 4 else ""
            )
        if self.region:
            text += f" of the {self.region.replace('_', ' ')}"
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
    no_first: bool = False
    """A denial outweighs a yes ("carpal tunnel ruled out" over the symptoms that raised it)."""


class Status(Model):
    fact: str
    field: str
    yes: list[str]
    no: list[str] = Field(default_factory=list)


class FieldOf(Model):
    fact: str
    field: str | None = None


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
    same_modality: dict[str, list[str]] = Field(default_factory=dict)
    """Per requested service, the modalities (the fact's ``modality``) that count as the same
    study; a service not listed counts any."""
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
    studies: str | None = None
    """The predicate answering whether the studies corroborate the examination (on its side,
    at its root); without it, any finding of the term list does."""


class Corroboration(Model):
    """Studies that corroborate the examination: imaging or electrodiagnostic findings with
    the words of a term list, on the side and at the root the examination names (when both
    name them)."""

    terms: str
    """A named list in ``terms.yaml``."""
    exam: str = "exam_finding"
    """The fact kind of the examination's findings."""
    signs: list[str] = Field(default_factory=lambda: ["radicular", "radicular_level"])
    """The signs (the kind's ``sign`` field) whose side and root the studies must match."""


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


class Elapsed(Model):
    """Time since something began (``onset`` facts of the given topics), to the decision
    date, in ``unit``."""

    unit: Literal["days", "weeks", "months"]
    topics: list[str]
    injury: Literal["first", "fallback", "linked"] = "linked"
    """``first``: the date of injury answers before any stated time (time since injury);
    ``fallback``: a stated time answers, else the date of injury (a complaint of the
    claim dates from its injury unless the records date it otherwise); ``linked``: only a
    time stated to begin with the injury reads the date of injury."""


class PriorInjection(Model):
    """The injections the records say were given, and the response to them."""

    read: Literal["percent", "weeks", "at_least", "failed", "count_past_months"]
    """percent / weeks: of the most recent response; at_least: yes when its percent is at
    least ``percent`` (or the block is stated positive); failed: yes when it gave no relief,
    under ``percent`` or under ``weeks``; count_past_months: injections dated within
    ``months`` of the decision."""
    kinds: list[str] | None = None
    """Injection kinds that count, whatever the request; else ``same_kind`` or the service."""
    same_kind: dict[str, list[str]] = Field(default_factory=dict)
    unspecified: bool = True
    """Whether an injection of no stated kind ("the shot") counts as the requested kind."""
    same_region: bool = True
    percent: int | None = None
    weeks: float | None = None
    months: int = 12
    otherwise: str | None = None
    """count_past_months: the predicate whose 0 (nothing of the kind on record) answers 0."""


class PositiveTests(Model):
    """How many tests are positive: a stated count, else the distinct tests found positive
    on the request's side."""

    fact: str
    count_fact: str


class AllOf(Model):
    """Yes when every selector is documented; no when any is denied (or ``deny`` is)."""

    all: list[Selector]
    deny: list[Selector] = Field(default_factory=list)


class YesUnless(Model):
    """Yes when ``yes`` is documented and ``unless`` is not stated present; no when
    ``unless`` is stated present or ``yes`` is denied."""

    yes: list[Selector]
    unless: list[Selector]
    at_least: int = 1
    """How many different ``distinct`` values the yes facts must have."""
    distinct: str | None = None


class OfRequestedInjection(Model):
    """Another answer, read from the facts about the injection requested: of ``facts``, those
    whose ``injection`` names another kind (another request's) are set aside."""

    answer: AnsweredBy
    facts: list[str]
    same_kind: dict[str, list[str]] = Field(default_factory=dict)


class ChangeRule(Model):
    """One line of a decision list over changes (fact kind ``measured_change``): the facts
    it counts, and the answer when any does."""

    categories: list[str] | None = None
    """Categories of measure (function, work, medication, pain, strength, motion, overall)."""
    measures: list[str] | None = None
    directions: list[str]
    quantified: bool = False
    """Only changes written with values (before and after, or a percent)."""
    credited: (
        Literal["request", "request_only", "not_request", "any", "medication", "not_medication"]
        | list[str]
        | None
    ) = None
    """Which credited treatments count (default: the list's): ``request`` unattributed or the
    requested treatment; ``request_only`` the requested treatment named; ``medication`` a
    drug or medication named; ``not_medication`` unattributed or no medication;
    ``not_request`` unattributed or another treatment than the requested one; a list: those
    treatment kinds named (``request`` in it: or the requested treatment)."""
    answer: bool | float | None = None
    """The answer when a fact counts; with ``value`` unset."""
    value: str | None = None
    """Answer with this field of the counted fact (the largest), e.g. percent."""
    stop: bool = False
    """When a fact counts: not documented, and no later rule nor ``otherwise`` is read (what
    the records say is only planned, or not assessed)."""


class MeasuredChanges(Model):
    """A decision list: the first rule that counts a fact answers."""

    fact: str = "measured_change"
    credited: (
        Literal["request", "request_only", "not_request", "any", "medication", "not_medication"]
        | list[str]
    ) = "request"
    rules: list[ChangeRule]
    otherwise: SummaryStatus | None = None
    """When no rule counts a change: the case's summary status (mentions of the outcome
    with no measure named, e.g. "functional improvement was documented")."""
    otherwise_status: Status | None = None
    """When no rule counts a change: the first documented fact's field (e.g. the work
    status), as the ``status`` operator reads it."""

    @model_validator(mode="after")
    def _answers(self) -> MeasuredChanges:
        for rule in self.rules:
            if [rule.answer is not None, rule.value is not None, rule.stop].count(True) != 1:
                raise ValueError("each change rule gives exactly one of answer, value or stop")
        return self


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
    summary_status: SummaryStatus | None = None
    request_words: dict[str, list[str]] | None = None
    """What the request title says: value -> words ("yes" answers a bool)."""
    zero_of: str | None = None
    """Another predicate's answer, when it is 0 (a first injection), else not documented."""
    in_request_region: InRequestRegion | None = None
    findings: Findings | None = None
    corroborated_exam: CorroboratedExam | None = None
    terms_in: DiagnosisTerms | None = None
    daily_morphine_equivalent: DailyMorphineEquivalent | None = None
    requested_hours_per_week: dict | None = None
    weighed: Weighed | None = None
    choice_of: ChoiceOf | None = None
    """The one value of ``field`` the records state (two different values: contradiction)."""
    ingredients: Ingredients | None = None
    elapsed: Elapsed | None = None
    """The most recent start of the topics (a complaint, a limitation, the injury)."""
    post_operative_days: FieldOf | None = None
    """Days since the latest operation: dated on record, or the interval stated."""
    tests_in_past_year: FieldOf | None = None
    """Tests done in the 12 months before the decision date."""
    received_count: PriorCount | None = None
    """Sessions of the same modality received; 0 only when the records say none."""
    weeks_with_supply: FieldOf | None = None
    """Weeks on the requested drug so far plus the supply requested."""
    first_of: list[AnsweredBy] | None = None
    """The first of several answers that answers (e.g. the request title, then the records)."""
    text_of: FieldOf | None = None
    """The first documented fact's field, as a choice (text)."""
    prior_injection: PriorInjection | None = None
    positive_tests: PositiveTests | None = None
    all_of: AllOf | None = None
    yes_unless: YesUnless | None = None
    of_requested_injection: OfRequestedInjection | None = None
    measured_changes: MeasuredChanges | None = None
    """A decision list over the changes the records state (before/after, direction, the
    treatment credited)."""
    corroboration: Corroboration | None = None
    """Studies matching the examination's side and root: yes; studies that do not match,
    or normal ones, no."""

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
            return [*value.yes, *value.no]
        if isinstance(value, AllOf):
            return [*value.all, *value.deny]
        if isinstance(value, YesUnless):
            return [*value.yes, *value.unless]
        if self.first_of:
            return [s for answer in self.first_of for s in answer.selectors()]
        if isinstance(value, OfRequestedInjection):
            return value.answer.selectors()
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
        if isinstance(value, Elapsed):
            pairs += [("onset", "topic"), ("date_of_injury", None)]
        if isinstance(value, SummaryStatus):
            pairs += [(value.status_fact, None), (value.mention_fact, None)]
        if isinstance(value, PriorInjection):
            pairs += [("injection", "injection"), ("injection_response", "injection")]
        if isinstance(value, PositiveTests):
            pairs += [(value.fact, "result"), (value.count_fact, "positive")]
        if self.first_of:
            for answer in self.first_of:
                pairs += [p for p in answer.facts() if p not in pairs]
        if isinstance(value, OfRequestedInjection):
            pairs += value.answer.facts() + [(kind, "injection") for kind in value.facts]
        if isinstance(value, MeasuredChanges):
            pairs += [(value.fact, "category"), (value.fact, "direction")]
            if value.otherwise:
                pairs += [(value.otherwise.status_fact, None), (value.otherwise.mention_fact, None)]
            if value.otherwise_status:
                pairs.append((value.otherwise_status.fact, value.otherwise_status.field))
            pairs += [(value.fact, r.value) for r in value.rules if r.value]
        return pairs

    def predicates(self) -> list[str]:
        """Other predicates the answer builds on."""
        value = self.arguments
        if isinstance(value, CorroboratedExam):
            return [value.exam, value.normal] + ([value.studies] if value.studies else [])
        if self.zero_of:
            return [self.zero_of]
        if isinstance(value, PriorInjection) and value.otherwise:
            return [value.otherwise]
        if self.first_of:
            return [p for answer in self.first_of for p in answer.predicates()]
        if isinstance(value, OfRequestedInjection):
            return value.answer.predicates()
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
        if name == "value_of":
            field = f"{value.field} of " if value.field else ""
            return f"the first {field}{value.fact.replace('_', ' ')} the records state"
        if name == "summary_status":
            return f"the case's {value.status_fact.replace('_', ' ')} (from each mention)"
        if name == "request_words":
            return "what the request title says: " + "; ".join(
                f"{choice} ({', '.join(words[:3])}…)" for choice, words in value.items()
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
        if name == "elapsed":
            return f"{value.unit} since the {' or '.join(value.topics)} began, to the decision date"
        if name == "post_operative_days":
            return "days from the latest operation (dated or stated) to the request"
        if name == "tests_in_past_year":
            return "tests the records date within the 12 months before the decision date"
        if name == "received_count":
            return (
                "sessions of the same modality the records count as received; 0 when "
                "they say none were had"
            )
        if name == "weeks_with_supply":
            return "weeks on the requested drug so far plus the weeks the requested supply lasts"
        if name == "measured_changes":
            said = {True: "yes", False: "no"}
            rules = "; then ".join(
                f"{'not documented' if r.stop else r.value or said.get(r.answer, r.answer)}"
                f" if {'/'.join(r.categories or ['any'])} {'/'.join(r.directions)}"
                for r in value.rules
            )
            if value.otherwise:
                status = value.otherwise.status_fact.replace("_", " ")
                return (
                    f"the case's {status}, first from the changes the records state "
                    f"({rules}), else from each mention"
                )
            return f"the changes the records state: {rules}"
        if name == "corroboration":
            return (
                f"imaging or electrodiagnostic findings among the {value.terms.replace('_', ' ')} "
                "on the side and at the root the examination names; no if they do not match "
                "or the studies are normal"
            )
        return "the hours a week the request asks for"
        if name == "first_of":
            return "; else ".join(answer.describe() for answer in value)
        if name == "text_of":
            return (
                f"the {value.field} of the first {value.fact.replace('_', ' ')} the records state"
            )
        if name == "prior_injection":
            return {
                "percent": "the percent relief from the most recent injection of the kind",
                "weeks": "how many weeks the most recent injection of the kind relieved pain",
                "at_least": f"yes if the most recent block gave at least {value.percent}% relief",
                "failed": "yes if the injection of the kind gave no or too little relief",
                "count_past_months": f"injections of the kind dated in the past {value.months}"
                " months",
            }[value.read]
        if name == "positive_tests":
            return f"the number of positive {value.fact.replace('_', ' ')}s"
        if name == "all_of":
            return f"yes if the records state all of: {listed(value.all)}; no if any is denied"
        if name == "yes_unless":
            return f"yes if the records state {listed(value.yes)}, unless {listed(value.unless)}"
        if name == "requested_hours_per_week":
            return "the hours a week the request asks for"
        if name == "of_requested_injection":
            return value.answer.describe() + " (of the injection requested)"
        return name

    def term_lists(self) -> list[str]:
        value = self.arguments
        return (
            [value.terms] if isinstance(value, Findings | CorroboratedExam | Corroboration) else []
        )


DiagnosisTerms.model_rebuild()
OfRequestedInjection.model_rebuild()
AnsweredBy.model_rebuild()


class TermsFile(Model):
    """Named word lists answers share (``terms.yaml``)."""

    terms: dict[str, list[str]]
