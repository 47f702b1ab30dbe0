"""Guideline predicates answered from the case's clinical facts, on demand.

The evaluator asks for predicates by id; ``Predicates`` answers each the first time it is
asked (the way docassemble computes a fact when a question needs it), with a ``Fact`` whose
evidence points at the words that support it, or with nothing, which the evaluator reads as
"not documented". How each predicate is answered is pack data (``answered_by`` in
``predicates.yaml``, schema in ``answer_schema.py``); this module holds one method per
operator, the grammar those answers are written in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from openimr.fact_kinds import FactValue
from openimr.model import Assertion, Evidence, Fact, Request, ReviewerAssessment
from openimr.pack import answer_schema as op
from openimr.pack.loader import Pack
from openimr.vocabulary import vocabulary

_DOCUMENTED = {Assertion.PRESENT, Assertion.HISTORICAL}
_CALENDAR = vocabulary().calendar


@cache
def _phrases(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _contains(text: str, words: list[str]) -> bool:
    return bool(text) and _phrases(tuple(words)).search(text) is not None


def _field(fact: Fact, name: str) -> Any:
    value = fact.value
    return value.get(name) if isinstance(value, dict | FactValue) else None


def _evidence(facts: list[Fact]) -> list[Evidence]:
    seen: set[tuple[str, int, int]] = set()
    out: list[Evidence] = []
    for fact in facts:
        for evidence in fact.evidence:
            key = (evidence.source, evidence.start, evidence.end)
            if key not in seen:
                seen.add(key)
                out.append(evidence)
    return sorted(out, key=lambda e: (e.source, e.start, e.end))


def _select(facts: list[Fact], spec: op.Selector, negated: bool = False) -> list[Fact]:
    """The facts a selector counts: `values` of a field, or `words` in a field's text.

    Of negated facts, `values` of the `result` field do not filter: a negated finding's
    result says it is absent ("SLR negative"). Other fields name what the fact is about
    (a modality, a factor), so a denial counts only for the same thing."""
    field = spec.values_field
    if spec.values is not None and not (negated and field == "result"):
        facts = [f for f in facts if _field(f, field) in spec.values]
    if spec.words is not None:
        key = spec.words_field
        facts = [f for f in facts if _contains(str(_field(f, key) or ""), spec.words)]
    return facts


def _answer(predicate: str, value: Any, facts: list[Fact]) -> Fact:
    return Fact(kind=predicate, value=value, evidence=_evidence(facts))


class Contradiction(Exception):
    """The records say yes and no to the same thing: a physician has to weigh them."""


class Predicates(Mapping[str, Any]):
    """The predicates of one request, computed from the case's facts when first asked."""

    def __init__(self, pack: Pack, facts: list[Fact], request: Request, on: dt.date) -> None:
        self.pack = pack
        self.facts = facts
        self.request = request
        self.on = on
        self._cache: dict[str, Fact | ReviewerAssessment | None] = {}
        self.contradictions: dict[str, str] = {}

    # Mapping protocol: only predicates with an answer are "in" the mapping.
    def __getitem__(self, predicate: str) -> Fact | ReviewerAssessment:
        answer = self.get(predicate)
        if answer is None:
            raise KeyError(predicate)
        return answer

    def get(self, predicate: str, default: Any = None) -> Any:
        if predicate not in self._cache:
            try:
                self._cache[predicate] = self._resolve(predicate)
            except Contradiction as exc:
                self.contradictions[predicate] = str(exc)
                self._cache[predicate] = None
        answer = self._cache[predicate]
        return default if answer is None else answer

    def __iter__(self) -> Iterator[str]:
        return iter(k for k, v in self._cache.items() if v is not None)

    def __len__(self) -> int:
        return sum(1 for v in self._cache.values() if v is not None)

    def __bool__(self) -> bool:
        # Answers are computed when first asked, so an empty cache does not mean "no facts":
        # callers that write `facts or {}` must still ask.
        return True

    # Helpers -----------------------------------------------------------------------------

    def of_kind(self, kind: str) -> list[Fact]:
        return [fact for fact in self.facts if fact.kind == kind]

    def documented(self, kind: str) -> list[Fact]:
        return [f for f in self.of_kind(kind) if f.assertion in _DOCUMENTED]

    def negated(self, kind: str) -> list[Fact]:
        return [f for f in self.of_kind(kind) if f.assertion is Assertion.NEGATED]

    def _matching(self, spec: op.Selector) -> list[Fact]:
        return _select(self.documented(spec.fact), spec)

    def _denied(self, spec: op.Selector) -> list[Fact]:
        return _select(self.negated(spec.fact), spec, negated=True)

    def injury_date(self) -> tuple[dt.date, list[Fact]] | None:
        for fact in self.documented("date_of_injury"):
            value = fact.value
            if isinstance(value, dt.date) and value <= self.on:
                return value, [fact]
        return None

    # Resolution: one method per operator of answer_schema ------------------------------

    def _resolve(self, predicate: str) -> Fact | ReviewerAssessment | None:
        definition = self.pack.predicates.get(predicate)
        if definition is not None and definition.physician_assessed is not None:
            return ReviewerAssessment(predicate=predicate, reason=definition.physician_assessed)
        if definition is None or definition.answered_by is None:
            return None
        answer = definition.answered_by
        return getattr(self, f"_{answer.operator}")(predicate, answer.arguments)

    def _presence(self, predicate: str, spec: op.Selector) -> Fact | None:
        yes, no = self._matching(spec), self._denied(spec)
        if yes and no:
            raise Contradiction(f"the records both state and deny {spec.fact}")
        if yes:
            return _answer(predicate, True, yes)
        return _answer(predicate, False, no) if no else None

    def _mentioned(self, predicate: str, spec: op.Selector) -> Fact | None:
        said = self.documented(spec.fact) + self.negated(spec.fact)
        return _answer(predicate, True, said) if said else None

    def _any_of(self, predicate: str, specs: list[op.Selector]) -> Fact | None:
        yes = [fact for spec in specs for fact in self._matching(spec)]
        if yes:
            return _answer(predicate, True, yes)
        no = [self._denied(spec) for spec in specs]
        if all(no):
            return _answer(predicate, False, [f for group in no for f in group])
        return None

    def _documented_any(self, predicate: str, specs: list[op.Selector]) -> Fact | None:
        found = []
        for spec in specs:
            found += [f for f in self._matching(spec) if f not in found]
        return _answer(predicate, True, found) if found else None

    def _yes_no(self, predicate: str, spec: op.YesNo) -> Fact | None:
        yes = [fact for selector in spec.yes for fact in self._matching(selector)]
        if yes:
            return _answer(predicate, True, yes)
        no = [fact for selector in spec.no for fact in self._denied(selector)]
        no += [fact for selector in spec.no_when for fact in self._matching(selector)]
        return _answer(predicate, False, no) if no else None

    def _status(self, predicate: str, spec: op.Status) -> Fact | None:
        for fact in self.documented(spec.fact):
            value = _field(fact, spec.field)
            if value in spec.yes:
                return _answer(predicate, True, [fact])
            if value in spec.no:
                return _answer(predicate, False, [fact])
        return None

    def _value_of(self, predicate: str, spec: op.FieldOf) -> Fact | None:
        for fact in self.documented(spec.fact):
            value = fact.value if spec.field is None else _field(fact, spec.field)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return _answer(predicate, value, [fact])
        return None

    def _largest(self, predicate: str, spec: op.FieldOf) -> Fact | None:
        field = spec.field or ""
        found = [f for f in self.documented(spec.fact) if _field(f, field) is not None]
        if not found:
            return None
        best = max(found, key=lambda f: _field(f, field))
        return _answer(predicate, _field(best, field), [best])

    def _summary_status(self, predicate: str, spec: op.SummaryStatus) -> Fact | None:
        for status_fact in self.of_kind(spec.status_fact):
            status = _field(status_fact, "status")
            support = self.of_kind(spec.mention_fact) or [status_fact]
            if status in spec.present_when:
                return _answer(predicate, True, self.documented(spec.mention_fact))
            if status in spec.absent_when:
                return _answer(predicate, False, support)
            return None
        present = self.documented(spec.mention_fact)
        if present:
            return _answer(predicate, True, present)
        absent = self.negated(spec.mention_fact)
        return _answer(predicate, False, absent) if absent else None

    def _request_words(self, predicate: str, choices: dict[str, list[str]]) -> Fact | None:
        """What the request itself says (e.g. "under fluoroscopy", "transforaminal").

        The answer quotes no evidence: the request title is not a source text of the case."""
        for value, words in choices.items():
            if _contains(self.request.text, words):
                return _answer(predicate, True if value == "yes" else value, [])
        return None

    def _time_since_injury(self, predicate: str, spec: op.TimeSinceInjury) -> Fact | None:
        found = self.injury_date()
        if found is None:
            return None
        injured, facts = found
        per = _CALENDAR.days_per_month if spec.unit == "months" else _CALENDAR.days_per_week
        return _answer(predicate, round((self.on - injured).days / per, 1), facts)

    def _prior_count(self, predicate: str, spec: op.PriorCount) -> Fact | None:
        """Sessions already had of the requested modality, when the records count them."""
        service = self.request.service
        modalities = set(spec.same_modality.get(service, [service]))
        prior = [f for f in self.documented(spec.fact) if _field(f, spec.match) in modalities]
        if not prior:
            # Nothing in the records says this treatment was given before. A request for more
            # ("additional", "continued") says it was, so the count is then not documented.
            if spec.none_on_record == "not_documented" or self.request.continuation:
                return None
            return _answer(predicate, 0, [])
        counts = [_field(f, spec.field) for f in prior]
        if any(count is None for count in counts):
            return None
        return _answer(predicate, sum(counts), prior)

    def _zero_of(self, predicate: str, other: str) -> Fact | None:
        """Another predicate's answer when it is 0 (a first injection); otherwise the records
        must date the earlier ones, so it is not documented."""
        found = self.get(other)
        return _answer(predicate, 0, []) if found is not None and found.value == 0 else None

    def _days_since_surgery(self, predicate: str, spec: op.FieldOf) -> Fact | None:
        """Days from the surgery to the request (not to the IMR decision, weeks later)."""
        regions = set(self.request.body_regions)
        dated = []
        for fact in self.documented(spec.fact):
            date = _field(fact, spec.field or "date")
            fact_regions = set(_field(fact, "regions") or [])
            in_region = not regions or not fact_regions or regions & fact_regions
            if date and in_region and date <= self.on:
                dated.append((date, fact))
        if not dated:
            return None
        day, fact = max(dated, key=lambda pair: pair[0])
        on, review = self._request_day(after=day)
        return _answer(predicate, (on - day).days, [fact, *review])

    def _request_day(self, after: dt.date) -> tuple[dt.date, list[Fact]]:
        """The day the request was made, as near as the records tell: the latest utilization
        review decision between ``after`` and the decision date (UR decides within days of
        the request), else the decision date itself."""
        reviews = []
        for fact in self.documented("ur_history"):
            date = _field(fact, "date")
            if date and after <= date <= self.on:
                reviews.append((date, fact))
        if not reviews:
            return self.on, []
        day, fact = max(reviews, key=lambda pair: pair[0])
        return day, [fact]

    def _terms_in(self, predicate: str, spec: op.DiagnosisTerms) -> Fact | None:
        found: dict[str, list[Fact]] = {}
        for fact in self.documented("diagnosis"):
            text = _field(fact, "text") or ""
            for name, words in spec.diagnoses.items():
                if _contains(text, words):
                    found.setdefault(name, []).append(fact)
        for fact in self.documented("surgery"):
            procedure = _field(fact, "procedure") or ""
            regions = set(_field(fact, "regions") or [])
            for name, surgery in spec.surgeries.items():
                if _contains(procedure, surgery.procedures) and (
                    not regions or regions & set(surgery.regions)
                ):
                    found.setdefault(name, []).append(fact)
        if not found:
            return None
        names = sorted(found)
        return _answer(predicate, names, [f for name in names for f in found[name]])

    def _findings_with(self, terms: str, regions: set[str] | None = None) -> list[Fact]:
        """Imaging and EDX findings with the words of a term list, in the request's regions
        unless ``regions`` is given (an empty set: any region)."""
        words = self.pack.terms[terms]
        regions = set(self.request.body_regions) if regions is None else regions
        found = []
        for kind in ("imaging_finding", "electrodiagnostic_finding"):
            for fact in self.documented(kind):
                fact_regions = set(_field(fact, "regions") or [])
                if regions and fact_regions and not regions & fact_regions:
                    continue
                if _contains(_finding_text(fact), words):
                    found.append(fact)
        return found

    def _findings(self, predicate: str, spec: op.Findings) -> Fact | None:
        found = self._findings_with(spec.terms, None if spec.regions == "request" else set())
        return _answer(predicate, True, found) if found else None

    def _corroborated_exam(self, predicate: str, spec: op.CorroboratedExam) -> Fact | None:
        """The condition is clinically obvious: examination findings that imaging or
        electrodiagnostics corroborate. A normal examination, or findings nothing
        corroborates yet, leave it an open question (what electrodiagnostics are for).

        The studies of the spine corroborate the limb's radiculopathy, so the request's
        region (an EMG of the legs) does not narrow the findings."""
        exam = self.get(spec.exam)
        if exam is None:
            normal = self.get(spec.normal)
            return _answer(predicate, False, [normal]) if normal and normal.value is False else None
        corroborating = self._findings_with(spec.terms, regions=set())
        if exam.value is True and corroborating:
            return _answer(predicate, True, [exam, *corroborating])
        return _answer(predicate, False, [exam])

    def _in_request_region(self, predicate: str, spec: op.InRequestRegion) -> Fact | None:
        regions = set(self.request.body_regions)
        found = [
            f
            for f in self.documented(spec.fact)
            if not regions or regions & set(_field(f, "regions") or [])
        ]
        if found:
            return _answer(predicate, True, found)
        # As with prior sessions: records that mention none in the region show none, unless
        # the request itself asks for a repeat.
        if spec.none_on_record == "not_documented" or self.request.continuation:
            return None
        return _answer(predicate, False, [])

    def _daily_morphine_equivalent(
        self, predicate: str, spec: op.DailyMorphineEquivalent
    ) -> Fact | None:
        """The total daily MED of the opioids the records name, each drug counted once.

        A drug is often named again without its dose ("UR denied Norco"), or by its generic
        name; such a mention adds nothing when a dose of that drug is on record. The total
        is documented only when every opioid named has a dose on record."""
        by_name: dict[str, list[Fact]] = {}
        for fact in self.documented(spec.fact):
            if _field(fact, "kind") == spec.kind:
                by_name.setdefault(str(_field(fact, "name")).lower(), []).append(fact)
        if not by_name:
            return None
        dosed_generics = {
            _field(f, "generic") for fs in by_name.values() for f in fs if _field(f, "med_mg")
        }
        total, support = 0.0, []
        for mentions in by_name.values():
            dosed = [f for f in mentions if _field(f, "med_mg") is not None]
            if not dosed:
                if _field(mentions[0], "generic") in dosed_generics:
                    continue  # "hydrocodone" beside "Norco 10/325 mg four times a day"
                return None
            dose = max(dosed, key=lambda f: _field(f, "med_mg"))
            total += _field(dose, "med_mg")
            support.append(dose)
        return _answer(predicate, round(total, 1), support)

    def _weeks_on_requested_drug(self, predicate: str, spec: op.FieldOf) -> Fact | None:
        """How long the requested drug has been taken, when the records say so."""
        drug = self.request.drug
        if drug is None:
            return None
        name = drug.name.lower()
        for fact in self.documented(spec.fact):
            same = str(_field(fact, "name") or "").lower() == name or (
                drug.generic is not None and _field(fact, "generic") == drug.generic
            )
            if not same:
                continue
            if (weeks := _field(fact, "duration_weeks")) is not None:
                return _answer(predicate, weeks, [fact])
            if (start := _field(fact, "since")) and start <= self.on:
                weeks = (self.on - start).days / _CALENDAR.days_per_week
                return _answer(predicate, round(weeks, 1), [fact])
        return None

    def _requested_hours_per_week(self, predicate: str, _: dict) -> Fact | None:
        """Hours a week asked for: "6 hrs/day x 7 days/week" reads as 6 hours, 7 times a
        week."""
        request, frequency = self.request, self.request.frequency
        if request.unit != "hours" or request.quantity is None or frequency is None:
            return None
        if frequency.times and frequency.per == "week":
            return _answer(predicate, request.quantity * frequency.times, [])
        if frequency.times and frequency.per == "day":
            week = request.quantity * frequency.times * _CALENDAR.days_per_week
            return _answer(predicate, week, [])
        return None

    def _weighed(self, predicate: str, spec: op.Weighed) -> Fact | None:
        """Yes when a fact states a yes value (or denies a no), no when one states a no
        value or denies a yes; both weighed as ``spec.both`` says."""
        service = self.request.service

        def mine(facts: list[Fact]) -> list[Fact]:
            if not spec.match_request:
                return facts
            return [f for f in facts if _field(f, spec.match_request) == service]

        denied = spec.yes if spec.denied is None else spec.denied
        stated, negated = mine(self.documented(spec.fact)), mine(self.negated(spec.fact))
        yes = [f for f in stated if _field(f, spec.field) in spec.yes]
        no = [f for f in stated if _field(f, spec.field) in spec.no]
        no += [f for f in negated if _field(f, spec.field) in denied]
        if yes and no:
            if spec.both == "contradiction":
                raise Contradiction(f"the records both state and deny {spec.fact}")
            return _answer(predicate, spec.both == "yes", yes if spec.both == "yes" else no)
        if yes:
            return _answer(predicate, True, yes)
        return _answer(predicate, False, no) if no else None

    def _choice_of(self, predicate: str, spec: op.ChoiceOf) -> Fact | None:
        found = [f for f in self.documented(spec.fact) if _field(f, spec.field) in spec.values]
        values = {_field(f, spec.field) for f in found}
        if len(values) > 1:
            raise Contradiction(f"the records state more than one {spec.field} of {spec.fact}")
        return _answer(predicate, values.pop(), found) if values else None

    def _ingredients(self, predicate: str, spec: op.Ingredients) -> Fact | None:
        """Whether the product holds an ingredient the guideline does not recommend: named
        in the request title, else in the records' mentions of it. A product of recommended
        ingredients only is a no; an ingredient in a form not named leaves it open."""
        known = {**spec.not_recommended, **spec.recommended}
        title = self.request.text
        named = {name for name, words in known.items() if _contains(title, words)}
        support: list[Fact] = []
        forms: dict[str, set[str]] = {}  # ingredient -> "allowed" / "other" / "unknown"

        def form_of(text: str, name: str) -> str:
            if _contains(text, spec.only_in_form[name]):
                return "allowed"
            return "other" if spec.other_forms and _contains(text, spec.other_forms) else "unknown"

        if named:
            forms = {name: {form_of(title, name)} for name in named & set(spec.only_in_form)}
        else:
            for fact in self.documented(spec.fact):
                name = _field(fact, spec.field)
                if name not in known:
                    continue
                named.add(name)
                support.append(fact)
                if name in spec.only_in_form:
                    form = str(_field(fact, spec.form_field) or "")
                    forms.setdefault(name, set()).add(form_of(form, name) if form else "unknown")
        if not named:
            return None
        if set(spec.not_recommended) & named or any(
            "other" in found and "allowed" not in found for found in forms.values()
        ):
            return _answer(predicate, True, support)
        if any("allowed" not in found for found in forms.values()):
            return None
        return _answer(predicate, False, support)


def _finding_text(fact: Fact) -> str:
    return " ".join(str(_field(fact, key) or "") for key in ("finding", "text", "severity"))


def _answered_with(pack: Pack, operators: set[str]) -> frozenset[str]:
    return frozenset(
        p.id
        for p in pack.predicates.values()
        if p.answered_by is not None and p.answered_by.operator in operators
    )


def request_answered(pack: Pack) -> frozenset[str]:
    """Predicates the request title answers, not the records (their verdicts quote nothing)."""
    return _answered_with(pack, {"request_words", "requested_hours_per_week", "ingredients"})


def absence_answered(pack: Pack) -> frozenset[str]:
    """Predicates a silence of the records can answer (no prior sessions, injections or
    imaging on record), so their verdicts may quote nothing."""
    return _answered_with(pack, {"prior_count", "zero_of", "in_request_region"})
