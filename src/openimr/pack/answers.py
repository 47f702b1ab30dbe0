"""Guideline predicates answered from the case's clinical facts, on demand.

The guideline evaluator asks for predicates by id; ``Predicates`` looks each one up the
first time it is asked (the way docassemble computes a fact when a question needs it) and
answers with a ``Fact`` whose evidence points at the words that support it, or with
nothing, which the evaluator reads as "not documented". Which fact answers which predicate
is data (``packs/mtus/answers.yaml``); the computations that need dates or counts are
the small functions below, one per predicate.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

from openimr.model import Assertion, Evidence, Fact, Request
from openimr.vocabulary import vocabulary

_DOCUMENTED = {Assertion.PRESENT, Assertion.HISTORICAL}
_CALENDAR = vocabulary().calendar


@cache
def sources() -> dict[str, Any]:
    text = resources.files("openimr.packs.mtus").joinpath("answers.yaml")
    return yaml.safe_load(text.read_text(encoding="utf-8"))


@cache
def _phrases(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _contains(text: str, words: list[str]) -> bool:
    return bool(text) and _phrases(tuple(words)).search(text) is not None


def _field(fact: Fact, name: str) -> Any:
    return fact.value.get(name) if isinstance(fact.value, dict) else None


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


def _select(facts: list[Fact], spec: dict, negated: bool = False) -> list[Fact]:
    """The facts a source spec counts: `values` of a field, or `words` in a field's text.

    Of negated facts, `values` of the `result` field do not filter: a negated finding's
    result says it is absent ("SLR negative"). Other fields name what the fact is about
    (a modality, a factor), so a denial counts only for the same thing."""
    field = spec.get("field", "result")
    if "values" in spec and not (negated and field == "result"):
        facts = [f for f in facts if _field(f, field) in spec["values"]]
    if "words" in spec:
        key = spec.get("field", "text")
        facts = [f for f in facts if _contains(str(_field(f, key) or ""), spec["words"])]
    return facts


def _answer(predicate: str, value: Any, facts: list[Fact]) -> Fact:
    return Fact(kind=predicate, value=value, evidence=_evidence(facts))


class Contradiction(Exception):
    """The records say yes and no to the same thing: a physician has to weigh them."""


class Predicates(Mapping[str, Any]):
    """The predicates of one request, computed from the case's facts when first asked."""

    def __init__(self, facts: list[Fact], request: Request, on: dt.date) -> None:
        self.facts = facts
        self.request = request
        self.on = on
        self._cache: dict[str, Fact | None] = {}
        self.contradictions: dict[str, str] = {}

    # Mapping protocol: only predicates with an answer are "in" the mapping.
    def __getitem__(self, predicate: str) -> Fact:
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

    # Resolution --------------------------------------------------------------------------

    def _resolve(self, predicate: str) -> Fact | None:
        data = sources()
        if predicate in data["presence"]:
            return self._presence(predicate, data["presence"][predicate])
        if predicate in data["mentioned"]:
            spec = data["mentioned"][predicate]
            said = self.documented(spec["fact"]) + self.negated(spec["fact"])
            return _answer(predicate, True, said) if said else None
        if predicate in data["any_of"]:
            return self._any_of(predicate, data["any_of"][predicate])
        if predicate in data["functional_improvement"]["predicates"]:
            return self._functional_improvement(predicate)
        if predicate in data["medication_predicates"]:
            return self._medication(predicate, data["medication_predicates"][predicate])
        if predicate in data["gi_risk"]:
            return self._gi_risk(predicate, data["gi_risk"][predicate])
        if predicate in data.get("request_words", {}):
            return self._request_words(predicate, data["request_words"][predicate])
        computed = _COMPUTED.get(predicate)
        return computed(self, predicate) if computed else None

    def _presence(self, predicate: str, spec: dict) -> Fact | None:
        yes = self._matching(spec)
        no = _select(self.negated(spec["fact"]), spec, negated=True)
        if yes and no:
            raise Contradiction(f"the records both state and deny {spec['fact']}")
        if yes:
            return _answer(predicate, True, yes)
        return _answer(predicate, False, no) if no else None

    def _matching(self, spec: dict) -> list[Fact]:
        return _select(self.documented(spec["fact"]), spec)

    def _any_of(self, predicate: str, specs: list[dict]) -> Fact | None:
        yes = [fact for spec in specs for fact in self._matching(spec)]
        if yes:
            return _answer(predicate, True, yes)
        no = [_select(self.negated(spec["fact"]), spec, negated=True) for spec in specs]
        if all(no):
            return _answer(predicate, False, [f for group in no for f in group])
        return None

    def _functional_improvement(self, predicate: str) -> Fact | None:
        rules = sources()["functional_improvement"]
        for status_fact in self.of_kind("functional_improvement_status"):
            status = _field(status_fact, "status")
            support = self.of_kind("functional_improvement") or [status_fact]
            if status in rules["present_when"]:
                return _answer(predicate, True, self.documented("functional_improvement"))
            if status in rules["absent_when"]:
                return _answer(predicate, False, support)
            return None
        present = self.documented("functional_improvement")
        if present:
            return _answer(predicate, True, present)
        absent = self.negated("functional_improvement")
        return _answer(predicate, False, absent) if absent else None

    def _medication(self, predicate: str, kinds: list[str]) -> Fact | None:
        found = [
            f
            for f in self.documented("medication")
            if _field(f, "kind") in kinds or _field(f, "generic") in kinds
        ]
        return _answer(predicate, True, found) if found else None

    def _gi_risk(self, predicate: str, factors: list[str]) -> Fact | None:
        found = [f for f in self.documented("gi_risk_factor") if _field(f, "factor") in factors]
        return _answer(predicate, True, found) if found else None

    def _request_words(self, predicate: str, choices: dict[str, list[str]]) -> Fact | None:
        """What the request itself says (e.g. "under fluoroscopy", "transforaminal").

        The answer quotes no evidence: the request title is not a source text of the case."""
        for value, words in choices.items():
            if _contains(self.request.text, words):
                return _answer(predicate, True if value == "yes" else value, [])
        return None

    # Dates -------------------------------------------------------------------------------

    def injury_date(self) -> tuple[dt.date, list[Fact]] | None:
        for fact in self.documented("date_of_injury"):
            value = fact.value
            if isinstance(value, str):
                value = dt.date.fromisoformat(value)
            if isinstance(value, dt.date) and value <= self.on:
                return value, [fact]
        return None


# Computed predicates ---------------------------------------------------------------------


def _prior_sessions(p: Predicates, predicate: str) -> Fact | None:
    """Sessions already had of the requested modality, when the records count them."""
    modalities = set(sources()["same_modality"].get(p.request.service, [p.request.service]))
    prior = [f for f in p.documented("prior_treatment") if _field(f, "modality") in modalities]
    if not prior:
        # Nothing in the records says this treatment was given before. A request for more
        # ("additional", "continued") says it was, so the count is then not documented.
        return None if p.request.continuation else _answer(predicate, 0, [])
    counts = [_field(f, "count") for f in prior]
    if any(count is None for count in counts):
        return None
    return _answer(predicate, sum(counts), prior)


def _injections_past_year(p: Predicates, predicate: str) -> Fact | None:
    """Injections of the same kind in the past 12 months: none when the records document
    none at all (a first injection); otherwise the records must date them."""
    prior = _prior_sessions(p, predicate)
    return prior if prior is not None and prior.value == 0 else None


def _months_since_injury(p: Predicates, predicate: str) -> Fact | None:
    found = p.injury_date()
    if found is None:
        return None
    injured, facts = found
    months = round((p.on - injured).days / _CALENDAR.days_per_month, 1)
    return _answer(predicate, months, facts)


def _weeks_since_injury(p: Predicates, predicate: str) -> Fact | None:
    found = p.injury_date()
    if found is None:
        return None
    injured, facts = found
    return _answer(predicate, round((p.on - injured).days / _CALENDAR.days_per_week, 1), facts)


def _request_day(p: Predicates, after: dt.date) -> tuple[dt.date, list[Fact]]:
    """The day the request was made, as near as the records tell: the latest utilization
    review decision between ``after`` and the decision date (UR decides within days of the
    request), else the decision date itself."""
    reviews = []
    for fact in p.documented("ur_history"):
        date = _field(fact, "date")
        if date and after <= dt.date.fromisoformat(date) <= p.on:
            reviews.append((dt.date.fromisoformat(date), fact))
    if not reviews:
        return p.on, []
    day, fact = max(reviews, key=lambda pair: pair[0])
    return day, [fact]


def _post_operative_day(p: Predicates, predicate: str) -> Fact | None:
    """Days from the surgery to the request (not to the IMR decision, weeks later)."""
    regions = set(p.request.body_regions)
    dated = []
    for fact in p.documented("surgery"):
        date = _field(fact, "date")
        fact_regions = set(_field(fact, "regions") or [])
        if date and (not regions or not fact_regions or regions & fact_regions):
            day = dt.date.fromisoformat(date)
            if day <= p.on:
                dated.append((day, fact))
    if not dated:
        return None
    day, fact = max(dated, key=lambda pair: pair[0])
    on, review = _request_day(p, after=day)
    return _answer(predicate, (on - day).days, [fact, *review])


def _diagnoses(p: Predicates, predicate: str) -> Fact | None:
    data = sources()
    found: dict[str, list[Fact]] = {}
    for fact in p.documented("diagnosis"):
        text = _field(fact, "text") or ""
        for name, words in data["diagnosis_terms"].items():
            if _contains(text, words):
                found.setdefault(name, []).append(fact)
    for fact in p.documented("surgery"):
        procedure = _field(fact, "procedure") or ""
        regions = set(_field(fact, "regions") or [])
        for name, spec in data["surgery_terms"].items():
            if _contains(procedure, spec["procedures"]) and (
                not regions or regions & set(spec["regions"])
            ):
                found.setdefault(name, []).append(fact)
    if not found:
        return None
    return _answer(predicate, sorted(found), [f for name in sorted(found) for f in found[name]])


def _finding_text(fact: Fact) -> str:
    return " ".join(str(_field(fact, key) or "") for key in ("finding", "text", "severity"))


def _findings(p: Predicates, words_key: str, regions: set[str] | None = None) -> list[Fact]:
    """Imaging and EDX findings with the words of ``words_key``, in the request's regions
    unless ``regions`` is given (an empty set: any region)."""
    words = sources()[words_key]
    regions = set(p.request.body_regions) if regions is None else regions
    found = []
    for kind in ("imaging_finding", "electrodiagnostic_finding"):
        for fact in p.documented(kind):
            fact_regions = set(_field(fact, "regions") or [])
            if regions and fact_regions and not regions & fact_regions:
                continue
            if _contains(_finding_text(fact), words):
                found.append(fact)
    return found


def _imaging_corroborates(p: Predicates, predicate: str) -> Fact | None:
    found = _findings(p, "corroborating_findings")
    return _answer(predicate, True, found) if found else None


def _radiculopathy_obvious(p: Predicates, predicate: str) -> Fact | None:
    """Radiculopathy is clinically obvious: radicular findings on examination with imaging
    or electrodiagnostics that corroborate them. A normal examination, or findings nothing
    corroborates yet, leave it an open question (what electrodiagnostics are for).

    The studies of the spine corroborate the limb's radiculopathy, so the request's region
    (an EMG of the legs) does not narrow the findings."""
    exam = p.get("radiculopathy_on_exam")
    if exam is None:
        normal = p.get("objective_neurologic_deficit")
        return _answer(predicate, False, [normal]) if normal and normal.value is False else None
    corroborating = _findings(p, "corroborating_findings", regions=set())
    if exam.value is True and corroborating:
        return _answer(predicate, True, [exam, *corroborating])
    return _answer(predicate, False, [exam])


def _surgical_lesion(p: Predicates, predicate: str) -> Fact | None:
    found = _findings(p, "surgical_findings")
    return _answer(predicate, True, found) if found else None


def _conservative_care_failed(p: Predicates, predicate: str) -> Fact | None:
    conservative = set(sources()["conservative_modalities"])
    tried = [f for f in p.documented("prior_treatment") if _field(f, "modality") in conservative]
    tried += [f for f in p.documented("medication") if _field(f, "kind") in conservative]
    return _answer(predicate, True, tried) if tried else None


def _returned_to_work(p: Predicates, predicate: str) -> Fact | None:
    data = sources()
    for fact in p.documented("work_status"):
        status = _field(fact, "status")
        if status in data["working_statuses"]:
            return _answer(predicate, True, [fact])
        if status in data["not_working_statuses"]:
            return _answer(predicate, False, [fact])
    return None


def _reason_to_stop_opioids(p: Predicates, predicate: str) -> Fact | None:
    """A reason to stop opioids the records show (aberrant behaviour, an inconsistent drug
    screen), or the records' statement that there is no aberrant behaviour."""
    found = p.documented("aberrant_behavior") + [
        f for f in p.documented("urine_drug_screen") if _field(f, "result") == "inconsistent"
    ]
    if found:
        return _answer(predicate, True, found)
    denied = p.negated("aberrant_behavior")
    return _answer(predicate, False, denied) if denied else None


def _patient_age(p: Predicates, predicate: str) -> Fact | None:
    for fact in p.documented("age"):
        if isinstance(fact.value, int):
            return _answer(predicate, fact.value, [fact])
    return None


def _morphine_equivalent(p: Predicates, predicate: str) -> Fact | None:
    """The total daily MED of the opioids the records name, each drug counted once.

    A drug is often named again without its dose ("UR denied Norco"), or by its generic
    name; such a mention adds nothing when a dose of that drug is on record. The total is
    documented only when every opioid named has a dose on record."""
    by_name: dict[str, list[Fact]] = {}
    for fact in p.documented("medication"):
        if _field(fact, "kind") == "opioid":
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


def _pain_relief_percent(p: Predicates, predicate: str) -> Fact | None:
    relief = [f for f in p.documented("pain_relief") if _field(f, "percent") is not None]
    if not relief:
        return None
    best = max(relief, key=lambda f: _field(f, "percent"))
    return _answer(predicate, _field(best, "percent"), [best])


def _prior_imaging(p: Predicates, predicate: str) -> Fact | None:
    regions = set(p.request.body_regions)
    found = [
        f
        for f in p.documented("imaging_finding")
        if not regions or regions & set(_field(f, "regions") or [])
    ]
    if found:
        return _answer(predicate, True, found)
    # As with prior sessions: records that mention no imaging of the region show none, unless
    # the request itself asks for a repeat study.
    return None if p.request.continuation else _answer(predicate, False, [])


def _weeks_on_medication(p: Predicates, predicate: str) -> Fact | None:
    """How long the requested drug has been taken, when the records say so."""
    drug = p.request.drug
    if drug is None:
        return None
    name = drug.name.lower()
    for fact in p.documented("medication"):
        same = str(_field(fact, "name") or "").lower() == name or (
            drug.generic is not None and _field(fact, "generic") == drug.generic
        )
        if not same:
            continue
        if (weeks := _field(fact, "duration_weeks")) is not None:
            return _answer(predicate, weeks, [fact])
        if since := _field(fact, "since"):
            start = dt.date.fromisoformat(since)
            if start <= p.on:
                weeks = (p.on - start).days / _CALENDAR.days_per_week
                return _answer(predicate, round(weeks, 1), [fact])
    return None


def _home_health_hours(p: Predicates, predicate: str) -> Fact | None:
    """Hours a week asked for: "6 hrs/day x 7 days/week" reads as 6 hours, 7 times a week."""
    request, frequency = p.request, p.request.frequency
    if request.unit != "hours" or request.quantity is None or frequency is None:
        return None
    if frequency.times and frequency.per == "week":
        return _answer(predicate, request.quantity * frequency.times, [])
    if frequency.times and frequency.per == "day":
        return _answer(predicate, request.quantity * frequency.times * 7, [])
    return None


_COMPUTED: dict[str, Callable[[Predicates, str], Fact | None]] = {
    "prior_sessions_same_modality": _prior_sessions,
    "months_since_injury": _months_since_injury,
    "injections_same_region_past_12_months": _injections_past_year,
    "pain_duration_months": _months_since_injury,
    "symptom_duration_weeks": _weeks_since_injury,
    "post_operative_day": _post_operative_day,
    "diagnoses": _diagnoses,
    "imaging_or_edx_corroborates": _imaging_corroborates,
    "surgical_lesion_clinical_and_imaging": _surgical_lesion,
    "radiculopathy_clinically_obvious": _radiculopathy_obvious,
    "conservative_care_failed": _conservative_care_failed,
    "returned_to_work": _returned_to_work,
    "patient_age": _patient_age,
    "opioid_discontinuation_reason": _reason_to_stop_opioids,
    "morphine_equivalent_mg_per_day": _morphine_equivalent,
    "pain_relief_percent": _pain_relief_percent,
    "prior_imaging_same_region": _prior_imaging,
    "home_health_hours_per_week": _home_health_hours,
    "weeks_on_medication": _weeks_on_medication,
}
