"""The job's physical demand against the patient's capacity (DOT strength levels).

The phrase families of rules/findings/work.yaml find job titles, stated demand levels,
weights lifted and carried, capacity cues ("FCE", "current tolerance") and statements of
fit ("unable to meet job demands", "released full duty"). A level or weight in a clause
with a capacity cue is the patient's capacity; otherwise it is the job's. The result says
whether functional limits keep the patient from a job of medium or higher demand:
precluded, within (the patient meets the job) or light_job (the job is sedentary or light).
"""

from __future__ import annotations

import bisect
import re
from functools import cache

from openimr.fact_kinds import typed_value
from openimr.intake.numbers import number_pattern, number_value
from openimr.intake.ruleset import RuleModel, load_rules
from openimr.model import Assertion, Fact

KIND = "job_demand_match"


class _Weight(RuleModel):
    most: int
    rank: float


class StrengthLevels(RuleModel):
    ranks: dict[str, float]
    medium: float
    by_weight: list[_Weight]
    above: float


@cache
def _levels() -> StrengthLevels:
    return load_rules("strength_levels.yaml", StrengthLevels)


_CLAUSE = re.compile(r"[.;,()\n]|\s(?:and|but)\s")
_DOCUMENTED = {Assertion.PRESENT, Assertion.HISTORICAL}


def _level_of_weight(pounds: int) -> float:
    for step in _levels().by_weight:
        if pounds <= step.most:
            return step.rank
    return _levels().above


def _pounds(text: str) -> int | None:
    values = [number_value(m.group()) for m in re.finditer(number_pattern(), text, re.I)]
    values = [v for v in values if v is not None and 0 < v < 500]
    return max(values) if values else None


def _clause(text: str, start: int, ends: list[int]) -> tuple[int, int]:
    """The clause around ``start``; ``ends``: where each clause break of the text ends (the
    breaks wholly before ``start`` are the text's first breaks, so the last one is found
    by bisection, not by reading the text up to ``start`` for every fact)."""
    i = bisect.bisect_right(ends, start) - 1
    after = _CLAUSE.search(text, start)
    return (ends[i] if i >= 0 else 0), (after.start() if after else len(text))


def job_demand(text: str, facts: list[Fact]) -> list[Fact]:
    """The case's job demand against capacity, when the records set one against the other."""
    documented = [f for f in facts if f.assertion in _DOCUMENTED and f.evidence]
    cues = [f.evidence[0] for f in documented if f.kind == "capacity_cue"]

    breaks: list[list[int]] = []  # the clause breaks' ends, read when a fact first needs them

    def is_capacity(fact: Fact) -> bool:
        start, end = fact.evidence[0].start, fact.evidence[0].end
        if not breaks:
            breaks.append([m.end() for m in _CLAUSE.finditer(text)])
        c_start, c_end = _clause(text, start, breaks[0])
        c_end = max(c_end, end)
        return any(c_start <= cue.start < c_end for cue in cues)

    job: list[tuple[float, Fact]] = []
    titles: list[tuple[float, Fact]] = []
    capacity: list[tuple[float, Fact]] = []
    for fact in documented:
        if fact.kind in ("demand_level", "lift_weight"):
            if fact.kind == "demand_level":
                level = _levels().ranks[fact.value["level"]]
            else:
                pounds = _pounds(fact.evidence[0].text)
                if pounds is None:
                    continue
                level = _level_of_weight(pounds)
            (capacity if is_capacity(fact) else job).append((level, fact))
        elif fact.kind == "job_title":
            titles.append((_levels().ranks[fact.value["level"]], fact))
    fit = {f.value["status"]: f for f in documented if f.kind == "job_fit"}
    demands = job or titles  # a stated demand level says more than a job title
    if not demands or not (job or fit):
        return []  # a job title alone, set against nothing stated, says nothing
    job_level, job_fact = max(demands, key=lambda pair: pair[0])
    support = [job_fact]
    if "meets" in fit:
        result = "within"
        support.append(fit["meets"])
    elif job_level < _levels().medium:
        result = "light_job"
    elif "cannot_meet" in fit:
        result = "precluded"
        support.append(fit["cannot_meet"])
    elif capacity and job:  # a capacity is set only against a stated demand, not a title
        capacity_level, capacity_fact = min(capacity, key=lambda pair: pair[0])
        result = "precluded" if capacity_level < job_level else "within"
        support.append(capacity_fact)
    else:
        return []
    value = typed_value(KIND, {"result": result, "job_level": job_level})
    unique = {(e.source, e.start, e.end): e for f in support for e in f.evidence}
    evidence = [unique[key] for key in sorted(unique)]
    return [Fact(kind=KIND, value=value, assertion=Assertion.PRESENT, evidence=evidence)]
