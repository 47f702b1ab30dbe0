"""Whether the patient takes an opioid or an NSAID now (vocabulary: rules/medication_use.yaml).

A named opioid or NSAID that its sentence says was stopped ("no longer taking norco",
"hydrocodone was tapered off", "switched her from ibuprofen to naproxen") is not taken now:
its medication fact is negated. One named in an allergy list is no medication taken: its
fact is hypothetical. Opioids denied as a class
("no opioids", "refuses any narcotic pain medicine") make a negated opioid medication fact.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import Field

from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules
from openimr.model import Assertion

RULE_FILE = "medication_use.yaml"
_KINDS = {"opioid", "nsaid"}
_CURRENT = {Assertion.PRESENT, Assertion.HISTORICAL}
_WINDOW = 60


class MedicationUseRules(RuleModel):
    class_: str = Field(alias="class")
    class_denied: str
    stopped_before: str
    stopped_after: str
    allergy: str
    single_nsaid: str
    clause_breaks: str


@cache
def _rules() -> dict[str, re.Pattern[str]]:
    r = load_rules(RULE_FILE, MedicationUseRules)
    return {
        "class": compile_pattern(rf"(?<!\w)(?:{r.class_})(?!\w)", RULE_FILE),
        "class_denied": compile_pattern(r.class_denied, RULE_FILE),
        "stopped_before": compile_pattern(r.stopped_before, RULE_FILE),
        "stopped_after": compile_pattern(r.stopped_after, RULE_FILE),
        "allergy": compile_pattern(r.allergy, RULE_FILE),
        "single_nsaid": compile_pattern(r.single_nsaid, RULE_FILE),
        "clause_breaks": compile_pattern(r.clause_breaks, RULE_FILE),
    }


def _clause_start(text: str, s_start: int, start: int) -> int:
    lo = max(s_start, start - _WINDOW)
    last = lo
    for m in _rules()["clause_breaks"].finditer(text, lo, start):
        last = m.end()
    return last


def medication_use(b: Any) -> None:
    """Mark stopped and allergy opioids and NSAIDs in ``b.facts`` and add denied opioid classes."""
    r = _rules()
    text = b.text
    stopped: dict[tuple[int, int], set[str]] = {}  # sentence -> generics stopped in it
    for i, fact in enumerate(b.facts):
        if fact.kind != "medication" or not fact.evidence or fact.assertion not in _CURRENT:
            continue
        value = fact.value
        if (value.get("kind") if hasattr(value, "get") else None) not in _KINDS:
            continue
        start = fact.evidence[0].start
        name_end = start + len(str(value.get("name") or ""))
        s_start, s_end = b.analysis.sentence_of(start)
        before = text[_clause_start(text, s_start, start) : start]
        generic = str(value.get("generic") or "")
        if r["allergy"].search(text, max(s_start, start - _WINDOW), start):
            b.facts[i] = fact.model_copy(update={"assertion": Assertion.HYPOTHETICAL})
        elif (
            r["stopped_before"].search(before)
            or r["stopped_after"].match(text, name_end, min(s_end, name_end + _WINDOW))
            # named again after it was stopped ("... because the ibuprofen upset her stomach")
            or generic in stopped.get((s_start, s_end), set())
        ):
            b.facts[i] = fact.model_copy(update={"assertion": Assertion.NEGATED})
            stopped.setdefault((s_start, s_end), set()).add(generic)
    _single_nsaid(b, r)
    for m in r["class"].finditer(text):
        s_start, _ = b.analysis.sentence_of(m.start())
        lo = _clause_start(text, s_start, m.start())
        if not r["class_denied"].search(text[lo : m.start()]):
            continue
        value = {
            "name": m.group(),
            "generic": "opioid",
            "kind": "opioid",
            **dict.fromkeys(
                ["strength", "release", "dosing", "doses_per_day", "med_mg", "duration_weeks",
                 "since", "new_start", "supply_weeks", "doses_per_day_nearby"]
            ),
        }  # fmt: skip
        b.add("medication", value, [m.span()], Assertion.NEGATED)


def _single_nsaid(b: Any, r: dict[str, re.Pattern[str]]) -> None:
    """Multiple NSAIDs denied where the one NSAID taken is said to be the only one."""
    taken = {
        f.value.get("generic")
        for f in b.facts
        if f.kind == "medication" and f.assertion in _CURRENT and f.value.get("kind") == "nsaid"
    }
    if len(taken) != 1:
        return
    for m in r["single_nsaid"].finditer(b.text):
        b.add("gi_risk_factor", {"factor": "multiple_nsaids"}, [m.span()], Assertion.NEGATED)
        return
