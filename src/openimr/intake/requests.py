"""Request titles -> structured requests (rules in rules/requests.yaml and the lexicon).

    parse_request("Acupuncture 1 x week x 4 months (16 visits) for the Lumbar Spine")
    -> service acupuncture, 16 visits, 1/week for 4 months, lumbar

Everything the rules could not read is kept in ``Request.unparsed``; a title that names
no known service becomes kind ``unknown`` with the reason. Pure regular expressions.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from typing import Any

from pydantic import Field, model_validator

from openimr.intake.dates import date_pattern
from openimr.intake.lexicon import Hit, lexicon, unique, whole_words
from openimr.intake.numbers import (
    ImplausibleValue,
    as_written,
    check_count,
    most,
    number_pattern,
    number_rules,
    number_value,
    plausible,
    written_number_pattern,
)
from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules
from openimr.model import Drug, Frequency, Request
from openimr.vocabulary import ServiceKind, vocabulary

__all__ = ["ImplausibleValue", "doses_per_day", "parse_request"]

RULE_FILE = "requests.yaml"
UNITS = ("visits", "sessions", "units", "days", "hours")
PHASES = tuple(vocabulary().phases)


class ContinuationRules(RuleModel):
    additional: list[str]
    initial: list[str]


class SeveralServicesRules(RuleModel):
    joined_by: list[str]
    joined_by_slash: bool
    one_item: list[list[ServiceKind]]
    not_when: list[str]
    consult_kinds: list[ServiceKind] = Field(default_factory=list)
    and_treatment: list[str] = Field(default_factory=list)


class RequestRules(RuleModel):
    several_services: SeveralServicesRules
    units: dict[str, list[str]]
    quantity: list[str]
    frequency: list[str]
    duration: list[str]
    weeks_per_month: int
    dosing_every_hours: list[str]
    dosing_per_day: list[str]
    counted_in_days: list[ServiceKind]
    one_unless_counted: list[ServiceKind] = Field(default_factory=list)
    rented_by_the_day: list[ServiceKind] = Field(default_factory=list)
    days_per_unit: dict[str, int] = Field(default_factory=dict)
    hours_per_programme_day: dict[ServiceKind, int]
    continuation: ContinuationRules
    phases: dict[str, list[str]]
    retrospective: list[str]
    date_of_service: str
    filler: list[str]

    @model_validator(mode="after")
    def _known(self) -> RequestRules:
        for unit in self.units:
            if unit not in UNITS:
                raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")
        for phase in self.phases:
            if phase not in PHASES:
                raise ValueError(f"unknown phase {phase!r}; expected one of {', '.join(PHASES)}")
        return self


class _Compiled:
    def __init__(self) -> None:
        self.rules = r = load_rules(RULE_FILE, RequestRules)
        num = number_pattern()
        unit_words = [p for patterns in r.units.values() for p in patterns]
        unit = "(?:" + "|".join(unit_words) + ")"

        def expand(p: str) -> re.Pattern[str]:
            return compile_pattern(p.replace("{NUM}", num).replace("{UNIT}", unit), RULE_FILE)

        self.quantity = [expand(p) for p in r.quantity]
        self.frequency = [expand(p) for p in r.frequency]
        self.duration = [expand(p) for p in r.duration]
        self.every_hours = [expand(p) for p in r.dosing_every_hours]
        self.per_day = [expand(p) for p in r.dosing_per_day]
        self.unit_words = [
            (name, compile_pattern("^(?:" + "|".join(ps) + ")$", RULE_FILE))
            for name, ps in r.units.items()
        ]
        self.additional = compile_pattern(whole_words(r.continuation.additional), RULE_FILE)
        self.initial = compile_pattern(whole_words(r.continuation.initial), RULE_FILE)
        self.retrospective = compile_pattern(whole_words(r.retrospective), RULE_FILE)
        self.phases = [
            (phase, compile_pattern(whole_words(ps), RULE_FILE)) for phase, ps in r.phases.items()
        ]
        self.filler = {w.lower() for w in r.filler}
        several = r.several_services
        self.joined = compile_pattern(
            r"(?<!\w)(?:" + "|".join(several.joined_by) + r")(?!\w)", RULE_FILE
        )
        self.slash_only = compile_pattern(
            r"^\s*/\s*$" if several.joined_by_slash else r"(?!)", RULE_FILE
        )
        self.one_item = [set(group) for group in several.one_item]
        self.purpose = compile_pattern(r"\b(?:" + "|".join(several.not_when) + r")\b", RULE_FILE)
        self.consult_kinds = set(several.consult_kinds)
        self.and_treatment = compile_pattern("|".join(several.and_treatment) or "(?!)", RULE_FILE)
        self.date_of_service = compile_pattern(
            r.date_of_service.replace("{DATE}", date_pattern()), RULE_FILE
        )


@cache
def _compiled() -> _Compiled:
    return _Compiled()


class _Written:
    """The same rules reading any number as written (signed, long, powers), to refuse a
    count that cannot be real rather than read part of it: "-6 visits" is not 6."""

    def __init__(self) -> None:
        r = _compiled().rules
        unit = "(?:" + "|".join(p for patterns in r.units.values() for p in patterns) + ")"

        def widen(p: str, file: str = RULE_FILE) -> re.Pattern[str]:
            return compile_pattern(as_written(p.replace("{UNIT}", unit)), file)

        self.quantity = [widen(p) for p in r.quantity]
        self.frequency = [widen(p) for p in r.frequency]
        self.duration = [widen(p) for p in r.duration]
        self.count = [widen(p, "drugs.yaml") for p in lexicon().drug_rules.count]


@cache
def _written() -> _Written:
    return _Written()


@cache
def _any_number() -> tuple[re.Pattern[str], int]:
    """Any number as written, and the least bound (below it a number can only be
    refused for its sign or its form): a title with none to refuse needs no more."""
    return compile_pattern(written_number_pattern(), RULE_FILE), min(number_rules().most.values())


def _unit_of(word: str, c: _Compiled) -> str | None:
    for name, regex in c.unit_words:
        if regex.match(word):
            return name
    return None


def _time_unit(word: str | None) -> str | None:
    """weeks/wk/weekly -> week; months/mo -> month; days/daily -> day."""
    if not word:
        return None
    return {"w": "week", "m": "month", "d": "day"}.get(word[0].lower())


class _Reader:
    """Reads one title, remembering which characters a rule has explained."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.covered = [False] * len(text)

    def cover(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.covered[i] = True

    def leftovers(self, filler: set[str]) -> list[str]:
        fragments: list[str] = []
        current: list[str] = []
        for m in re.finditer(r"[^\s,;()\[\]]+", self.text):
            word = m.group().strip(".:-")
            explained = any(self.covered[m.start() : m.end()])
            if not word or explained or word.lower() in filler or not re.search(r"\w", word):
                if current:
                    fragments.append(" ".join(current))
                    current = []
                continue
            current.append(m.group())
        if current:
            fragments.append(" ".join(current))
        return fragments


def _frequency(reader: _Reader, c: _Compiled) -> Frequency | None:
    times = per = dur = dunit = None
    for regex in c.frequency:
        if m := regex.search(reader.text):
            g = m.groupdict()
            word = (g.get("times") or "").lower()
            times = {"once": 1, "twice": 2}.get(word) or number_value(word)
            per = _time_unit(g.get("per"))
            dur = number_value(g["dur"]) if g.get("dur") else None
            if dur is not None and per is None:
                per, dunit = "week", "week"  # "2x4": the shorthand means per week for N weeks
            reader.cover(*m.span())
            break
    if dur is None:
        for regex in c.duration:
            m = regex.search(reader.text)
            if m and not any(reader.covered[m.start("dur") : m.end("dur")]):
                dur, dunit = number_value(m["dur"]), _time_unit(m["dunit"])
                reader.cover(*m.span())
                break
    if times is None and dur is None:
        return None
    return Frequency(times=times, per=per, duration=dur, duration_unit=dunit)


def _frequency_text(freq: Frequency) -> str:
    """ "3 a week for 52 weeks" """
    per = f"{freq.times} a {freq.per}" if freq.times is not None else ""
    unit = freq.duration_unit or freq.per
    return f"{per} for {freq.duration} {unit}s".strip()


def _count_from_frequency(freq: Frequency, weeks_per_month: int) -> int | None:
    if freq.times is None or freq.duration is None or freq.per is None:
        return None
    per_unit = {
        ("week", "week"): 1,
        ("week", "month"): weeks_per_month,
        ("month", "month"): 1,
        ("day", "day"): 1,
        ("day", "week"): 7,
    }.get((freq.per, freq.duration_unit or freq.per))
    return None if per_unit is None else freq.times * freq.duration * per_unit


def _drug(reader: _Reader, name: Hit) -> Drug:
    lx = lexicon()
    text = reader.text
    reader.cover(name.start, name.end)
    after = text[name.end :]
    strength = form = dosing = None
    count = None
    if m := lx.strength.search(after):
        strength = re.sub(r"\s+", "", m.group())
        reader.cover(name.end + m.start(), name.end + m.end())
    if m := lx.forms.search(after):
        form = m.group().lower()
        reader.cover(name.end + m.start(), name.end + m.end())
    for regex in lx.count:
        if m := regex.search(after):
            count = int(m["n"])
            reader.cover(name.end + m.start(), name.end + m.end())
            break
    amount = None
    if count is None and (m := lx.amount.search(after)):
        amount = f"{m['amount']} {m['unit'].lower()}"
        reader.cover(name.end + m.start(), name.end + m.end())
    parts: list[tuple[int, int]] = []
    for regex, _per_day in lx.dosing:
        for m in regex.finditer(after):
            if not any(s < m.end() and m.start() < e for s, e in parts):
                parts.append(m.span())
    if parts:
        parts.sort()
        dosing = " ".join(after[s:e] for s, e in parts)
        for s, e in parts:
            reader.cover(name.end + s, name.end + e)
    generic = lx.drug_info(name.value).generic
    return Drug(
        name=name.text,
        generic=generic,
        strength=strength,
        form=form,
        count=count,
        amount=amount,
        dosing=dosing,
        doses_per_day=doses_per_day(after),
    )


def doses_per_day(text: str) -> float | None:
    """Doses a day a dosing says: "BID" 2, "1 tab every 6 hours" 4, "q8h" 3, "3 times a
    day" 3; ``None`` when it says none ("PRN", or no dosing)."""
    c = _compiled()
    for regex in c.per_day:  # "2 tabs daily": the count is stated, before "daily" alone
        if (m := regex.search(text)) and (n := number_value(m["n"])):
            return float(n)
    for regex, per_day in lexicon().dosing:
        if per_day is not None and regex.search(text):
            return float(per_day)
    for regex in c.every_hours:
        if (m := regex.search(text)) and (hours := number_value(m["n"])):
            return round(24 / hours, 2) if hours <= 24 else None
    return None


_TIME_UNITS = {"day": "days", "week": "weeks", "month": "months"}


def _check_counts(title: str, service: str, c: _Compiled) -> None:
    """Refuse a title whose counts cannot be real (rules/numbers.yaml): every number the
    quantity, frequency, duration and drug-count rules would read, read as written."""
    number, least = _any_number()
    if all(plausible(m.group(), "", least) for m in number.finditer(title)):
        return  # no number that could be refused: the usual title, checked in one pass
    w = _written()

    def quoted(m: re.Match[str]) -> str:
        return m.group().strip(" ()[],;")

    family = vocabulary().family_of(service)
    if family == "medications":
        for regex in w.count:
            for m in regex.finditer(title):
                check_count(m["n"], "tablets", quoted(m))
    else:
        for regex in w.quantity:
            for m in regex.finditer(title):
                unit = _unit_of(m["unit"], c) if m.groupdict().get("unit") else None
                check_count(m["n"], unit or _default_unit(family), quoted(m))
    for regex in w.frequency:
        for m in regex.finditer(title):
            g = m.groupdict()
            if g.get("times") and g["times"].lower() not in ("once", "twice"):
                check_count(g["times"], "times", quoted(m))
            if g.get("dur"):
                unit = _time_unit(g.get("per")) or "week"  # "2x4": weeks
                check_count(g["dur"], _TIME_UNITS[unit], quoted(m))
    for regex in w.duration:
        for m in regex.finditer(title):
            check_count(m["dur"], _TIME_UNITS[_time_unit(m["dunit"]) or "week"], quoted(m))


def _default_unit(family: str | None) -> str:
    """The unit of a count a title states without one ("Acupuncture x6")."""
    return "visits" if family == "physical_medicine" else "units"


def _also_named(title: str, lx: Any, c: _Compiled, drugs: list[Hit]) -> list[str]:
    """The items after the first that the title names as a list of its own (rules:
    requests.yaml ``several_services``), as written."""
    hits = sorted(
        [(h.start, h.end, ("service", h.value), h.text) for h in lx.find_services(title)]
        + [(h.start, h.end, ("drug", lx.drug_info(h.value).generic), h.text) for h in drugs]
    )
    kept: list[tuple[int, int, tuple[str, str | None], str]] = []
    for hit in hits:
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    named: list[str] = []
    for (_, end, what, _), (start, _, other, text) in itertools.pairwise(kept):
        gap = title[end:start]
        together = any({what[1], other[1]} <= set(group) for group in c.one_item)
        if other == what or together or c.purpose.search(gap):
            continue
        # A slash joins two services; between two drug names it names one product.
        slash = c.slash_only.match(gap) and not (what[0] == other[0] == "drug")
        if c.joined.search(gap) or slash:
            named.append(text)
    return named


def parse_request(text: str, claims_administrator_guideline: str | None = None) -> Request:
    """Read one request title. Odd text does not raise: what is not read is reported.
    A count that cannot be real ("-6 visits", "10^26 visits") raises ImplausibleValue,
    whose message names the value and why (bounds: rules/numbers.yaml)."""
    c = _compiled()
    lx = lexicon()
    title = re.sub(r"\s+", " ", text).strip()
    reader = _Reader(title)
    fields: dict = {"text": text, "claims_administrator_guideline": claims_administrator_guideline}

    # Service: the first service rule that matches, else a drug name, else unknown.
    service = lx.first_service(title)
    drugs = lx.find_drugs(title)
    if service and drugs and service.value == "other_equipment" and drugs[0].start <= service.start:
        service = None  # "Flector patch": a drug named first, not a piece of equipment
    if service:
        fields["service"] = service.value
        # "Right L5-S1 transforaminal epidural steroid injection": every phrase of the
        # chosen kind is explained, not only the first.
        for hit in lx.find_services(title):
            if hit.value == service.value:
                reader.cover(hit.start, hit.end)
        reader.cover(service.start, service.end)
    elif drugs:
        fields["service"] = lx.drug_info(drugs[0].value).kind
    else:
        fields["service"] = "unknown"
        fields["service_reason"] = (
            "no known service named in the title (service words: "
            "src/openimr/intake/rules/services.yaml, drugs: rules/drugs.yaml)"
        )
    _check_counts(title, fields["service"], c)
    fields["also_names"] = _also_named(title, lx, c, drugs)
    if fields["service"] in c.consult_kinds and (m := c.and_treatment.search(title)):
        fields["also_names"].append(m.group().lstrip("&/+ ").removeprefix("and").strip())
        reader.cover(*m.span())
    if drugs and vocabulary().family_of(fields["service"]) == "medications":
        fields["drug"] = _drug(reader, drugs[0])

    # Frequency first: "1 x week x 4 months" must not be read as a quantity.
    freq = _frequency(reader, c)
    if freq:
        fields["frequency"] = freq

    medication = vocabulary().family_of(fields["service"]) == "medications"
    for regex in [] if medication else c.quantity:
        for m in regex.finditer(title):
            if any(reader.covered[m.start("n") : m.end("n")]):
                continue  # the number was read as part of a frequency or drug
            value = number_value(m["n"])
            if value is None or value == 0:
                continue
            unit = _unit_of(m["unit"], c) if m.groupdict().get("unit") else None
            if unit is None:
                unit = _default_unit(vocabulary().family_of(fields["service"]))
            fields["quantity"], fields["unit"] = value, unit
            reader.cover(*m.span())
            break
        if "quantity" in fields:
            break
    if "quantity" not in fields and freq:
        count = _count_from_frequency(freq, c.rules.weeks_per_month)
        family = vocabulary().family_of(fields["service"])
        if count is not None and family in {"physical_medicine", "referrals"}:
            bound = most("visits")
            if bound is not None and count > bound:
                raise ImplausibleValue(
                    f"{_frequency_text(freq)} ({count:,} visits)",
                    f"more than {bound:,} visits cannot be real "
                    "(bounds: intake/rules/numbers.yaml)",
                )
            fields["quantity"], fields["unit"] = count, "visits"
        elif (
            count is None
            and freq.times is None
            and freq.duration_unit == "day"
            and fields["service"] in c.rules.counted_in_days
        ):
            # "Functional restoration program x 20 days": a programme's days are its sessions.
            fields["quantity"], fields["unit"] = freq.duration, "days"
        elif (
            count is None
            and freq.times is None
            and freq.duration is not None
            and fields["service"] in c.rules.rented_by_the_day
        ):
            # "Cold therapy for one week", "rental x 30 days": a rental's length in days
            days = c.rules.days_per_unit.get(freq.duration_unit or "day", 1)
            fields["quantity"], fields["unit"] = round(freq.duration * days), "days"

    if "quantity" not in fields and fields["service"] in c.rules.one_unless_counted:
        fields["quantity"], fields["unit"] = 1, "units"

    day = c.rules.hours_per_programme_day.get(fields["service"])
    if fields.get("unit") == "hours" and day:
        # "Functional restoration program 160 hours": 20 full-day sessions
        fields["quantity"] = -(-fields["quantity"] // day)
        fields["unit"] = "days"

    if m := c.additional.search(title):
        fields["continuation"] = True
        reader.cover(*m.span())
    elif m := c.initial.search(title):
        fields["continuation"] = False
        reader.cover(*m.span())
    for m in c.date_of_service.finditer(title):
        reader.cover(*m.span())
    for phase, regex in c.phases:
        if m := regex.search(title):
            fields["phase"] = phase
            reader.cover(*m.span())
            break
    if m := c.retrospective.search(title):
        fields["retrospective"] = True
        reader.cover(*m.span())

    regions: list[str] = []
    for hit in lx.find_regions(title):
        regions.append(hit.value)
        reader.cover(hit.start, hit.end)
    levels: list[str] = []
    for hit, region in lx.find_levels(title):
        levels.append(hit.value)
        regions.append(region)
        reader.cover(hit.start, hit.end)
    sides = []
    for hit in lx.find_sides(title):
        sides.append(hit.value)
        reader.cover(hit.start, hit.end)
    fields["body_regions"] = unique(regions)
    fields["sides"] = unique(sides)
    fields["spinal_levels"] = unique(levels)
    fields["unparsed"] = reader.leftovers(c.filler)
    return Request(**fields)
