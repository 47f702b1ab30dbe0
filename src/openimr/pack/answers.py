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
# The parts of the spine, as studies of them are compared (a level named S1 is lumbosacral).
_SPINE = {
    "cervical": "cervical",
    "thoracic": "thoracic",
    "lumbar": "lumbar",
    "sacroiliac": "lumbar",
}
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
    for key, allowed in spec.where.items():
        facts = [f for f in facts if _field(f, key) in allowed]
    return facts


def _last_stated(facts: list[Fact]) -> Fact:
    """Of several statements of one figure, the one written last (the current one)."""
    return max(facts, key=lambda f: f.evidence[0].start if f.evidence else -1)


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
        facts = self.documented(spec.fact)
        if spec.suspected:
            facts += [f for f in self.of_kind(spec.fact) if f.assertion is Assertion.UNCERTAIN]
        return self._in_region(_select(facts, spec), spec)

    def _denied(self, spec: op.Selector) -> list[Fact]:
        return self._in_region(_select(self.negated(spec.fact), spec, negated=True), spec)

    def _in_region(self, facts: list[Fact], spec: op.Selector) -> list[Fact]:
        if spec.region is None:
            return facts
        # "request": the regions the request names
        wanted = set(self.request.body_regions) if spec.region == "request" else {spec.region}
        asked = bool(wanted & set(self.request.body_regions))

        def of_region(fact: Fact) -> bool:
            named = [_field(fact, "region")] if _field(fact, "region") else []
            named += _field(fact, "regions") or []
            return bool(wanted & set(named)) or (not named and asked)

        return [f for f in facts if of_region(f)]

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
        no = [fact for selector in spec.no for fact in self._denied(selector)]
        no += [fact for selector in spec.no_when for fact in self._matching(selector)]
        if yes and not (spec.no_first and no):
            return _answer(predicate, True, yes)
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
        on, review = self._request_day()
        return _answer(predicate, (on - day).days, [fact, *review])

    def _request_day(self) -> tuple[dt.date, list[Fact]]:
        """The day the request was made, as near as the records tell: the latest utilization
        review decision on or before the decision date (UR decides within days of the
        request, and IMR reviews the latest UR), else the decision date itself. A review
        before the operation means the request was made before it, for use after it (a
        negative number of days since the surgery)."""
        reviews = []
        for fact in self.documented("ur_history"):
            date = _field(fact, "date")
            if date and date <= self.on:
                reviews.append((date, fact))
        if not reviews:
            return self.on, []
        day, fact = max(reviews, key=lambda pair: pair[0])
        return day, [fact]

    def _terms_in(self, predicate: str, spec: op.DiagnosisTerms) -> Fact | None:
        """The vocabulary values the diagnoses name. Where several values' words match one
        diagnosis, a value whose words lie inside another's is the less specific one
        ("osteoarthritis" in "osteoarthritis of the left knee"). A diagnosis listed after
        an operation ("s/p R CTR") is that post-operative state. Diagnoses stated, none of
        them in the vocabulary: none of the values ([])."""
        found: dict[str, list[Fact]] = {}
        listed = self.documented("diagnosis")
        surgeries = self.documented("surgery")
        for fact in listed:
            if _field(fact, "procedure"):
                surgeries.append(fact)
                continue
            text = _field(fact, "text") or ""
            spans = {
                name: [(m.start(), m.end()) for m in _phrases(tuple(words)).finditer(text)]
                for name, words in spec.diagnoses.items()
            }
            spans = {name: s for name, s in spans.items() if s}
            for name, own in spans.items():
                inside = any(
                    all(
                        any(a <= s and e <= b and (a, b) != (s, e) for a, b in theirs)
                        for s, e in own
                    )
                    for other, theirs in spans.items()
                    if other != name
                )
                if not inside:
                    found.setdefault(name, []).append(fact)
        for fact in surgeries:
            procedure = _field(fact, "procedure") or ""
            regions = set(_field(fact, "regions") or [])
            for name, surgery in spec.surgeries.items():
                if _contains(procedure, surgery.procedures) and (
                    not regions or regions & set(surgery.regions)
                ):
                    found.setdefault(name, []).append(fact)
        if not found:
            return _answer(predicate, [], listed) if listed else None
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
        if spec.studies is not None:
            studies = self.get(spec.studies)
            corroborating = [studies] if studies is not None and studies.value is True else []
        if exam.value is True and corroborating:
            return _answer(predicate, True, [exam, *corroborating])
        return _answer(predicate, False, [exam])

    def _in_request_region(self, predicate: str, spec: op.InRequestRegion) -> Fact | None:
        regions = set(self.request.body_regions)
        modalities = spec.same_modality.get(self.request.service)
        found = [
            f
            for f in self.documented(spec.fact)
            if (not regions or regions & set(_field(f, "regions") or []))
            and (modalities is None or _field(f, "modality") in modalities)
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
        is documented only when every opioid named has a dose on record; otherwise the
        total the records state, if they do."""
        by_name: dict[tuple[str, str], list[Fact]] = {}
        for fact in self.documented(spec.fact):
            if _field(fact, "kind") == spec.kind:
                # extended and immediate release of one drug are two prescriptions
                key = (str(_field(fact, "name")).lower(), str(_field(fact, "release")))
                by_name.setdefault(key, []).append(fact)
        stated = self.documented("morphine_equivalent_dose")
        if not by_name:
            return self._stated_med(predicate, stated)
        dosed_generics = {
            _field(f, "generic") for fs in by_name.values() for f in fs if _field(f, "med_mg")
        }
        total, support = 0.0, []
        for mentions in by_name.values():
            dosed = [f for f in mentions if _field(f, "med_mg") is not None]
            if not dosed:
                if _field(mentions[0], "generic") in dosed_generics:
                    continue  # "hydrocodone" beside "Norco 10/325 mg four times a day"
                return self._stated_med(predicate, stated)
            dose = max(dosed, key=lambda f: _field(f, "med_mg"))
            total += _field(dose, "med_mg")
            support.append(dose)
        return _answer(predicate, round(total, 1), support)

    def _stated_med(self, predicate: str, stated: list[Fact]) -> Fact | None:
        """The total daily dose the records state, when the doses named do not give one
        (the latest statement: the current dose)."""
        if not stated:
            return None
        fact = _last_stated(stated)
        return _answer(predicate, _field(fact, "total_mg"), [fact])

    def _requested_hours_per_week(self, predicate: str, _: dict) -> Fact | None:
        """Hours a week asked for: "6 hrs/day x 7 days/week" reads as 6 hours, 7 times a
        week."""
        request, frequency = self.request, self.request.frequency
        if request.unit != "hours" or request.quantity is None or frequency is None:
            # the title does not say; the records may ("the request was for eight hours a
            # day, seven days a week"): the last such statement, the current request
            stated = self.of_kind("care_hours_requested")
            if not stated:
                return None
            fact = _last_stated(stated)
            return _answer(predicate, _field(fact, "hours_per_week"), [fact])
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

    # Dates and durations (det-time) ------------------------------------------------------

    def _onset_day(self, fact: Fact) -> dt.date | None:
        """The day an ``onset`` fact says its topic began, read on the decision date."""
        if _field(fact, "with_injury"):
            found = self.injury_date()
            if found is not None:
                return found[0]
            injuries = [
                day
                for f in self.documented("onset")
                if _field(f, "topic") == "injury" and not _field(f, "with_injury")
                if (day := self._onset_day(f)) is not None
            ]
            return max(injuries) if injuries else None
        if (days := _field(fact, "days")) is not None:
            return self.on - dt.timedelta(days=round(days))
        month = _field(fact, "month")
        if month is None:
            return None
        year, back = _field(fact, "year"), _field(fact, "years_back")
        if year is not None:
            return _calendar_day(fact, year)
        if back is not None:
            return _calendar_day(fact, self.on.year - back)
        day = _calendar_day(fact, self.on.year)
        if day is not None and day > self.on:
            day = _calendar_day(fact, self.on.year - 1)
        return day

    def _latest_onset(self, topics: list[str]) -> tuple[dt.date, Fact] | None:
        """The most recent start of the topics on or before the decision date."""
        dated = []
        for fact in self.documented("onset"):
            if _field(fact, "topic") in topics:
                day = self._onset_day(fact)
                if day is not None and day <= self.on:
                    dated.append((day, fact))
        return max(dated, key=lambda pair: pair[0]) if dated else None

    def _elapsed(self, predicate: str, spec: op.Elapsed) -> Fact | None:
        """Time from the start of the topics to the decision date."""
        per = {"days": 1, "weeks": _CALENDAR.days_per_week, "months": _CALENDAR.days_per_month}
        injury = self.injury_date() if spec.injury == "first" else None
        if injury is not None:
            day, support = injury[0], injury[1]
        elif (latest := self._latest_onset(spec.topics)) is not None:
            day, fact = latest
            support = [fact]
            if _field(fact, "with_injury") and (found := self.injury_date()):
                support = [fact, *found[1]]
        elif spec.injury == "fallback" and (injury := self.injury_date()) is not None:
            day, support = injury[0], injury[1]
        elif spec.injury == "fallback" and (stated := self._latest_onset(["injury"])):
            # an injury dated only to the month or year ("DOI 03/2014")
            day, fact = stated
            support = [fact]
        else:
            return None
        return _answer(predicate, round((self.on - day).days / per[spec.unit], 1), support)

    def _post_operative_days(self, predicate: str, spec: op.FieldOf) -> Fact | None:
        """Days since the latest operation: the surgery dated on record (to the request, as
        ``days_since_surgery``), or an interval or a date the text states."""
        found = []
        if (dated := self._days_since_surgery(predicate, spec)) is not None:
            found.append(dated)
        if (latest := self._latest_onset(["surgery"])) is not None:
            day, fact = latest
            if _field(fact, "days") is not None:
                found.append(_answer(predicate, (self.on - day).days, [fact]))
            else:
                on, review = self._request_day()
                found.append(_answer(predicate, (on - day).days, [fact, *review]))
        return min(found, key=lambda f: f.value) if found else None

    def _tests_in_past_year(self, predicate: str, spec: op.FieldOf) -> Fact | None:
        """Tests done in the 12 months before the decision date: the dated ones counted,
        else the count stated of that year; "none done" is 0."""
        start = self.on - dt.timedelta(days=round(_CALENDAR.days_per_year))
        best: tuple[int, Fact] | None = None
        denied = []
        for fact in self.documented(spec.fact):
            if _field(fact, "none"):
                denied.append(fact)
                continue
            dates = [self._test_day(d) for d in _field(fact, "dates") or []]
            ago = _field(fact, "days_ago")
            if ago is not None:
                dates.append(self.on - dt.timedelta(days=round(ago)))
            count = _field(fact, "count")
            within = [d for d in dates if start < d <= self.on]
            if within:
                n = len(within)
                if count is not None and _field(fact, "past_year") and len(dates) < count:
                    n = count  # "x6 in the past year (last 2/2015)": the count says more
            elif count is not None and (not dates or _field(fact, "past_year")):
                n = count
            else:
                continue
            if best is None or n > best[0]:
                best = (n, fact)
        if best is not None:
            return _answer(predicate, best[0], [best[1]])
        return _answer(predicate, 0, denied) if denied else None

    def _test_day(self, text: str) -> dt.date:
        """An ISO date, or a month and day without a year ("--01-15"): the most recent
        such day on or before the decision date."""
        if not text.startswith("--"):
            return dt.date.fromisoformat(text)
        month, day = int(text[2:4]), int(text[5:7])
        for year in (self.on.year, self.on.year - 1):
            try:
                found = dt.date(year, month, day)
            except ValueError:
                continue
            if found <= self.on:
                return found
        return dt.date(self.on.year - 1, month, min(day, 28))

    def _received_count(self, predicate: str, spec: op.PriorCount) -> Fact | None:
        """Sessions of the requested modality received; records that say none were had
        give 0. Records silent on it give 0 as ``prior_count`` does (unless the request
        asks for more), except when the history they give counts nothing at all."""
        service = self.request.service
        modalities = set(spec.same_modality.get(service, [service]))
        # A postsurgical course counts the therapy since the operation, not the visits
        # before it (8 CCR 9792.24.3: the postsurgical period starts at the surgery).
        after_only = self.request.phase == "post_surgical"

        def counted(fact: Fact) -> bool:
            in_course = not after_only or bool(_field(fact, "after_surgery"))
            return in_course and _field(fact, spec.match) in modalities

        prior = [f for f in self.documented(spec.fact) if counted(f)]
        # What utilization review allowed of this request is part of the same course.
        allowed = self._remainder_of(spec, modalities)
        if prior or allowed:
            counts = [_field(f, spec.field) for f in prior]
            if any(count is None for count in counts):
                return None
            top = max((_field(f, "count") for f in allowed), default=0)
            return _answer(predicate, sum(counts) + top, [*prior, *allowed])
        denied = [f for f in self.documented(f"{spec.fact}_none") if counted(f)]  # "no PT"
        if denied:
            return _answer(predicate, 0, denied)
        if spec.none_on_record == "not_documented" or self.request.continuation:
            return None
        # (a postsurgical course: only the therapy since the operation tells)
        others = [
            f for f in self.documented(spec.fact) if not after_only or _field(f, "after_surgery")
        ]
        if others and all(_field(f, spec.field) is None for f in others):
            # The records tell of other treatments without counting any: a history that
            # counts nothing does not show that this one was not had.
            return None
        return _answer(predicate, 0, [])

    def _remainder_of(self, spec: op.PriorCount, modalities: set[str]) -> list[Fact]:
        """What utilization review allowed of this request when the item in dispute is what
        is left: no larger than the allowed part, or the two make a count the records state
        ("12 visits requested, 6 authorized": the 6 in dispute are visits 7 to 12); an item
        larger than that is the whole request, which already holds the allowed part."""
        asked = self.request.quantity
        return [
            f
            for f in self.documented("authorized_sessions")
            # this request's course, whatever its phase ("unspecified": the request's own)
            if _field(f, spec.match) in {*modalities, "unspecified"}
            and asked is not None
            and (
                asked <= _field(f, "count")
                or asked + _field(f, "count") in (_field(f, "counts_stated") or [])
            )
        ]

    def _weeks_with_supply(self, predicate: str, spec: op.FieldOf) -> Fact | None:
        """Weeks on the requested drug before the request, plus the weeks its requested
        supply lasts (count / doses a day, or the supply the records state)."""
        drug = self.request.drug
        if drug is None:
            return None
        name = drug.name.lower()
        # The request itself may say it is a first prescription ("meloxicam #30, new
        # start"): a mention in the request, hypothetical as requests are, says so too.
        asked = [
            f
            for f in self.of_kind(spec.fact)
            if f.assertion is Assertion.HYPOTHETICAL and _field(f, "new_start")
        ]
        mentions = [
            f
            for f in [*self.documented(spec.fact), *asked]
            if str(_field(f, "name") or "").lower() == name
            or (drug.generic is not None and _field(f, "generic") == drug.generic)
        ]
        requested = [f.value for f in self.documented("request_date") if f.value <= self.on]
        on = max(requested) if requested else self.on  # counted to the request
        before = None
        support: list[Fact] = []
        for fact in mentions:
            if _field(fact, "new_start"):
                before, support = 0.0, [fact]
                break
            if before is None and (weeks := _field(fact, "duration_weeks")) is not None:
                before, support = weeks, [fact]
            elif before is None and (start := _field(fact, "since")) and start <= on:
                before, support = (on - start).days / _CALENDAR.days_per_week, [fact]
        if before is None:
            return None
        supply = None
        per_day = next(
            (
                n
                for n in [drug.doses_per_day]
                + [_field(f, "doses_per_day") for f in mentions]
                + [_field(f, "doses_per_day_nearby") for f in mentions]
                if n
            ),
            None,
        )
        # The supply the text states first (a tube of gel is no count of doses), else the
        # count requested over the doses a day.
        supply = next((w for f in mentions if (w := _field(f, "supply_weeks")) is not None), None)
        if supply is None and drug.count and per_day:
            supply = drug.count / per_day / _CALENDAR.days_per_week
        return _answer(predicate, round(before + (supply or 0), 1), support)

    # Injections and combinations (added for the injection predicates) ------------------

    def _first_of(self, predicate: str, answers: list[op.AnsweredBy]) -> Fact | None:
        for answer in answers:
            found = getattr(self, f"_{answer.operator}")(predicate, answer.arguments)
            if found is not None:
                return found
        return None

    def _text_of(self, predicate: str, spec: op.FieldOf) -> Fact | None:
        for fact in self.documented(spec.fact):
            value = fact.value if spec.field is None else _field(fact, spec.field)
            if isinstance(value, str) and value:
                return _answer(predicate, value, [fact])
        return None

    def _all_of(self, predicate: str, spec: op.AllOf) -> Fact | None:
        found = [self._matching(s) for s in spec.all]
        if all(found):
            return _answer(predicate, True, [f for group in found for f in group])
        denied = [f for s in [*spec.all, *spec.deny] for f in self._denied(s)]
        return _answer(predicate, False, denied) if denied else None

    def _yes_unless(self, predicate: str, spec: op.YesUnless) -> Fact | None:
        """The pattern holds unless a contrary finding is stated now (not in the past)."""
        contrary = [
            f
            for s in spec.unless
            for f in self._in_region(_select(self.of_kind(s.fact), s), s)
            if f.assertion is Assertion.PRESENT
        ]
        if contrary:
            return _answer(predicate, False, contrary)
        yes = [f for s in spec.yes for f in self._matching(s)]
        kinds = {_field(f, spec.distinct) if spec.distinct else f.kind for f in yes}
        if yes and (spec.distinct is None or len(kinds) >= spec.at_least):
            return _answer(predicate, True, yes)
        no = [f for s in spec.yes for f in self._denied(s)]
        return _answer(predicate, False, no) if no else None

    def _positive_tests(self, predicate: str, spec: op.PositiveTests) -> Fact | None:
        counts = self.documented(spec.count_fact)
        if counts:
            best = max(counts, key=lambda f: _field(f, "positive") or 0)
            return _answer(predicate, _field(best, "positive"), [best])
        sides = set(self.request.sides)
        tests = [
            f for f in self.documented(spec.fact) if _sides_meet(sides, _field(f, "sides") or [])
        ]
        if not tests:
            return None
        positive = [f for f in tests if _field(f, "result") == "positive"]
        names = {_field(f, "test") for f in positive}
        return _answer(predicate, len(names), positive or tests)

    def _of_requested_injection(self, predicate: str, spec: op.OfRequestedInjection) -> Fact | None:
        """The inner answer from the facts, less those about another kind of injection."""
        service = self.request.service
        kinds = set(spec.same_kind.get(service, [service]))
        facts = [
            f
            for f in self.facts
            if f.kind not in spec.facts or _field(f, "injection") in (None, "unspecified", *kinds)
        ]
        inner = Predicates(self.pack, facts, self.request, self.on)
        answer = spec.answer
        return getattr(inner, f"_{answer.operator}")(predicate, answer.arguments)

    def _injection_kinds(self, spec: op.PriorInjection) -> set[str]:
        service = self.request.service
        kinds = set(spec.kinds or spec.same_kind.get(service, [service]))
        return kinds | ({"unspecified"} if spec.unspecified else set())

    def _in_request_place(self, fact: Fact, spec: op.PriorInjection) -> bool:
        if not spec.same_region:
            return True
        regions = set(self.request.body_regions)
        fact_regions = set(_field(fact, "regions") or [])
        if regions and fact_regions and not regions & fact_regions:
            return False
        return _sides_meet(set(self.request.sides), _field(fact, "sides") or [])

    def _prior_injection(self, predicate: str, spec: op.PriorInjection) -> Fact | None:
        kinds = self._injection_kinds(spec)
        if spec.read == "count_past_months":
            return self._injections_counted(predicate, spec, kinds)
        responses = [
            f
            for f in self.documented("injection_response")
            if _field(f, "injection") in kinds and self._in_request_place(f, spec)
        ]
        wanted = {"percent": ("percent",), "weeks": ("weeks",)}.get(
            spec.read, ("percent", "weeks", "result")
        )
        responses = [f for f in responses if any(_field(f, k) is not None for k in wanted)]
        if not responses:
            # "No diagnostic medial branch blocks had been performed", "never had a
            # cortisone shot in the knee": none was given.
            denied = [
                f
                for f in self.negated("injection")
                if _field(f, "injection") in kinds - {"unspecified"}
                and self._in_request_place(f, spec)
            ]
            if denied and spec.read in ("at_least", "failed"):
                return _answer(predicate, False, denied)
            return None
        latest = _most_recent(responses)
        percent, weeks, result = (_field(latest, k) for k in ("percent", "weeks", "result"))
        if spec.read == "percent":
            return _answer(predicate, percent, [latest])
        if spec.read == "weeks":
            return _answer(predicate, weeks, [latest])
        if spec.read == "at_least":
            if result in ("positive", "negative", "little") and percent is None:
                return _answer(predicate, result == "positive", [latest])
            if percent is None:
                return None
            return _answer(predicate, percent >= (spec.percent or 0), [latest])
        # failed: no relief, too little, or too short
        short = weeks is not None and spec.weeks is not None and weeks < spec.weeks
        little = percent is not None and spec.percent is not None and percent < spec.percent
        if result in ("no_relief", "little") or short or little:
            return _answer(predicate, True, [latest])
        if percent is None and weeks is None:
            return None
        return _answer(predicate, False, [latest])

    def _injections_counted(
        self, predicate: str, spec: op.PriorInjection, kinds: set[str]
    ) -> Fact | None:
        """Injections of the kind, to the request's region, dated within ``months`` of the
        decision date; a count the records give as of the past year counts as such."""
        given = [
            f
            for f in self.documented("injection")
            if _field(f, "time") != "planned" and _field(f, "injection") in kinds
        ]
        mine = [f for f in given if self._in_request_place(f, spec)]
        if not mine:
            # Injections of other kinds or regions on record, none of this one's: none.
            others = [
                f
                for f in self.documented("injection")
                if _field(f, "time") == "prior" and _field(f, "injection") != "unspecified"
            ]
            denied = [
                f
                for f in self.negated("injection")
                if _field(f, "injection") in kinds | {"unspecified"}
            ]
            if denied or (others and given != others) or (given and not mine):
                return _answer(predicate, 0, denied or others)
            if spec.otherwise:
                found = self.get(spec.otherwise)
                if found is not None and found.value == 0:
                    return _answer(predicate, 0, [])
            return None
        start = _months_before(self.on, spec.months)
        dated = [f for f in mine if _field(f, "dates")]
        if not dated:
            stated = [
                f for f in mine if _field(f, "within_year") and _field(f, "count") is not None
            ]
            if stated:
                best = max(stated, key=lambda f: _field(f, "count"))
                return _answer(predicate, _field(best, "count"), [best])
            return None
        stated = 0
        for fact in dated:
            # "3 ESIs, most recently on 1/10/2016": the others are not dated.
            count = _field(fact, "count")
            if count is not None and count > len(_field(fact, "dates")):
                if not _field(fact, "within_year"):
                    return None
                stated = max(stated, count)
        days: set[str] = set()
        support = []
        for fact in dated:
            for text in _field(fact, "dates"):
                lo, hi = _date_span(text)
                if hi < start or lo > self.on:
                    continue
                if lo < start:
                    return None  # a year or a month that reaches both sides of the window
                days.add(text)
                if fact not in support:
                    support.append(fact)
        if stated > len(days):
            return _answer(predicate, stated, [f for f in dated if _field(f, "count")])
        return _answer(predicate, len(days), support)

    def _measured_changes(self, predicate: str, spec: op.MeasuredChanges) -> Fact | None:
        """The first rule of the list that counts a change the records state answers: with
        its answer, or the largest of a field of the changes it counts."""
        changes = self.documented(spec.fact)
        for rule in spec.rules:
            credited = rule.credited if rule.credited is not None else spec.credited
            found = [
                f
                for f in changes
                if (rule.categories is None or _field(f, "category") in rule.categories)
                and (rule.measures is None or _field(f, "measure") in rule.measures)
                and _field(f, "direction") in rule.directions
                and (not rule.quantified or _field(f, "quantified"))
                and self._credited(f, credited)
            ]
            if rule.value is not None:
                found = [f for f in found if _field(f, rule.value) is not None]
            if not found:
                continue
            if rule.stop:
                return None
            if rule.value is None:
                return _answer(predicate, rule.answer, found)
            best = max(found, key=lambda f: _field(f, rule.value))
            return _answer(predicate, _field(best, rule.value), [best])
        if spec.otherwise is not None:
            return self._summary_status(predicate, spec.otherwise)
        if spec.otherwise_status is not None:
            return self._status(predicate, spec.otherwise_status)
        return None

    def _credited(self, fact: Fact, credited: str | list[str]) -> bool:
        """Whether a change's credited treatment is one a change rule counts."""
        kind = _field(fact, "credited_kind")
        is_drug = kind is not None and (kind == "medication" or kind.startswith("drug:"))
        if isinstance(credited, list):
            if kind is None:
                return False
            return kind in credited or ("request" in credited and self._is_requested(kind))
        if credited == "any":
            return True
        if credited == "medication":
            return is_drug
        if credited == "not_medication":
            return not is_drug
        if kind is None:
            return credited in {"request", "not_request"}
        if credited == "not_request":
            return not self._is_requested(kind)
        return self._is_requested(kind)

    def _is_requested(self, kind: str) -> bool:
        """Whether a treatment kind a change is credited to is the requested treatment."""
        request = self.request
        if request.drug is not None:
            generic = request.drug.generic or request.drug.name.lower()
            return kind == "medication" or kind == f"drug:{generic}"
        if kind == request.service:
            return True
        words = kind.replace("_", " ")
        return request.service == "unknown" and words in request.text.lower()

    def _corroboration(self, predicate: str, spec: op.Corroboration) -> Fact | None:
        """Imaging or electrodiagnostics corroborate the examination: a finding of the term
        list on the side and at the root the examination names (when both name one). A
        study on the other side or at another root, or a normal study, is a no."""
        words = self.pack.terms[spec.terms]
        regions = set(self.request.body_regions)
        exam = [
            f
            for f in self.documented(spec.exam)
            if _field(f, "sign") in spec.signs and _field(f, "abnormal")
        ]
        sides = {_field(f, "side") for f in exam} & {"left", "right"}
        roots = {_field(f, "root") for f in exam if _field(f, "root")}
        studies, normal = [], []
        for kind in ("imaging_finding", "electrodiagnostic_finding"):
            for fact in self.of_kind(kind):
                # A study of the spine corroborates the limb's radiculopathy: only a study
                # of another part of the spine is of another region.
                fact_spine = {_SPINE[r] for r in _field(fact, "regions") or [] if r in _SPINE}
                asked = {_SPINE[r] for r in regions if r in _SPINE}
                if asked and fact_spine and not asked & fact_spine:
                    continue
                lesion = _contains(_finding_text(fact).replace("_", " "), words)
                if fact.assertion in _DOCUMENTED:
                    if lesion:
                        studies.append(fact)
                    elif _field(fact, "finding") == "normal":
                        normal.append(fact)
                elif fact.assertion is Assertion.NEGATED and lesion:
                    normal.append(fact)
        matching = [f for f in studies if _same_side_and_root(f, sides, roots)]
        if matching:
            return _answer(predicate, True, [*matching, *exam])
        if studies:
            return _answer(predicate, False, [*studies, *exam])
        return _answer(predicate, False, normal) if normal else None


def _calendar_day(fact: Fact, year: int) -> dt.date | None:
    """The day of an ``onset`` fact's month in ``year``: its day, the nth weekday of a
    holiday, or the middle of the month."""
    month = _field(fact, "month")
    weekday, nth = _field(fact, "weekday"), _field(fact, "nth")
    try:
        if weekday is not None and nth is not None:
            first = dt.date(year, month, 1)
            if nth > 0:
                return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
            last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
        return dt.date(year, month, _field(fact, "day") or 15)
    except ValueError:
        return None


def _same_side_and_root(fact: Fact, sides: set[str], roots: set[str]) -> bool:
    side = _field(fact, "side")
    if sides and side in {"left", "right"} and side not in sides:
        return False
    levels = _field(fact, "spinal_levels") or []
    if roots and levels:
        # A root matches a level it exits or traverses at, or the next one (dermatomes and
        # myotomes overlap by a segment): S1 matches L5-S1, L4 matches L4-5 and L5-S1.
        named = [_segment(part) for level in levels for part in level.split("-")]
        return any(abs(_segment(root) - part) <= 1 for root in roots for part in named if part >= 0)
    return True


_SEGMENTS = {"C": (0, 8), "T": (8, 12), "L": (20, 5), "S": (25, 5)}


def _segment(name: str) -> int:
    """A spinal segment's place, top to bottom (C1 = 0 ... S5 = 29); -1 when unknown."""
    first, number = name[:1].upper(), name[1:]
    if first not in _SEGMENTS or not number.isdigit():
        return -1
    start, count = _SEGMENTS[first]
    return start + min(int(number), count) - 1


def _finding_text(fact: Fact) -> str:
    return " ".join(str(_field(fact, key) or "") for key in ("finding", "text", "severity"))


def _answered_with(pack: Pack, operators: set[str]) -> frozenset[str]:
    def uses(answer: op.AnsweredBy) -> bool:
        inner = [*(answer.first_of or [])]
        if answer.of_requested_injection:
            inner.append(answer.of_requested_injection.answer)
        return answer.operator in operators or any(uses(a) for a in inner)

    return frozenset(
        p.id for p in pack.predicates.values() if p.answered_by is not None and uses(p.answered_by)
    )


def request_answered(pack: Pack) -> frozenset[str]:
    """Predicates the request title answers, not the records (their verdicts quote nothing)."""
    return _answered_with(pack, {"request_words", "requested_hours_per_week", "ingredients"})


def absence_answered(pack: Pack) -> frozenset[str]:
    """Predicates a silence of the records can answer (no prior sessions, injections or
    imaging on record), so their verdicts may quote nothing."""
    return _answered_with(pack, {"received_count", "zero_of", "in_request_region"})


def _sides_meet(wanted: set[str], stated: list[str]) -> bool:
    """A finding's sides and the request's: either unsaid, bilateral, or one in common."""
    if not wanted or not stated or "bilateral" in wanted or "bilateral" in stated:
        return True
    return bool(wanted & set(stated))


def _most_recent(facts: list[Fact]) -> Fact:
    """The latest dated one when every one is dated, else the last the text names."""
    if all(_field(f, "date") for f in facts):
        return max(facts, key=lambda f: str(_field(f, "date")))
    return max(facts, key=lambda f: min((e.start for e in f.evidence), default=-1))


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return dt.date(year, month, 28)


def _date_span(text: str) -> tuple[dt.date, dt.date]:
    """The days an ISO date, month (YYYY-MM) or year (YYYY) covers."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        nxt = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1)
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
