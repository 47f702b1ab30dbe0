"""Which reviewer may take a case, and which one does: pure logic, no store, no clock.

``qualifications`` checks one reviewer against one case, requirement by requirement
(``rules/reviewers.yaml``: board certified, licensed, more than five years in practice, at
least 24 hours a week, no affiliation with a party, same or similar specialty, active).
``choose`` picks among those who pass every check by the preferences of the same file
(California licence, then the same specialty over a similar one, then the lightest load,
then the id), and says why every other reviewer was passed over. ``check_named`` lets a
coordinator name a reviewer, never one who fails a check.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import Field, field_validator

from openimr.errors import UserError
from openimr.model import Model
from openimr.service.roster import (
    ReviewerProfile,
    check_unique,
    name_key,
    reviewer_rules,
    specialties,
    specialty_list,
    state_code,
    state_name,
)
from openimr.vocabulary import vocabulary

Match = Literal["exact", "similar", "none"]


class CaseNeeds(Model):
    """What a case asks of its reviewer."""

    parties: list[str]
    """Every party of the case by name: the employer, the insurer, the claims administrator,
    the requesting physician, the providers, the medical groups and the employee."""
    treating_specialties: list[str] = Field(default_factory=list)
    """Specialties of the physicians treating the condition (keys, labels or aliases)."""
    service_kinds: list[str] = Field(default_factory=list)
    """openimr service kinds (vocabulary.yaml) of the disputed items."""
    state: str = "CA"
    """The state whose licence is preferred."""

    @field_validator("parties", mode="before")
    @classmethod
    def _parties(cls, value: Any) -> list[str]:
        if not isinstance(value, list) or not value:
            raise UserError(
                "name every party of the case (employer, insurer, claims administrator, "
                "providers, employee) so that the reviewer's independence can be checked",
                source="parties",
            )
        names = []
        for i, name in enumerate(value):
            if not isinstance(name, str) or not name_key(name):
                raise UserError("a party must be a non-empty name", source=f"parties[{i}]")
            names.append(" ".join(name.split()))
        return list(dict.fromkeys(names))

    @field_validator("treating_specialties", mode="before")
    @classmethod
    def _treating(cls, value: Any) -> list[str]:
        return specialty_list(value, "treating_specialties")

    @field_validator("service_kinds", mode="before")
    @classmethod
    def _kinds(cls, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise UserError("must be a list of service kinds", source="service_kinds")
        known = list(vocabulary().service_kinds)
        for i, kind in enumerate(value):
            if kind not in known:
                close = difflib.get_close_matches(str(kind), known, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise UserError(
                    f"{kind!r} is not a service kind of vocabulary.yaml{hint}",
                    source=f"service_kinds[{i}]",
                )
        return list(dict.fromkeys(value))

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: Any) -> str:
        return state_code(value, field="state")


class Check(Model):
    """One requirement checked for one reviewer."""

    code: str
    """The requirement's key in reviewers.yaml."""
    passed: bool
    text: str
    """Plain English: what the reviewer has, against what is required."""


class Candidate(Model):
    """A reviewer considered for a case, and where they stood."""

    reviewer_id: str
    eligible: bool
    """Every check passed."""
    checks: list[Check]
    licensed_in_state: bool
    specialty_match: Match
    load: int
    """Open cases the reviewer holds now."""
    rank: int | None = None
    """1 = chosen; the order among eligible reviewers. None for an ineligible reviewer."""
    passed_over: str | None = None
    """Why the reviewer was not chosen; None for the chosen reviewer."""


class Assignment(Model):
    reviewer_id: str | None
    """None: no reviewer on the roster may take the case."""
    explanation: str
    candidates: list[Candidate]
    """Every reviewer considered: the chosen first, then the eligible by rank, then the
    ineligible by id."""


class NotQualified(UserError):
    """A named reviewer who fails a check; ``checks`` holds the failed ones."""

    def __init__(self, message: str, checks: list[Check]) -> None:
        self.checks = checks
        super().__init__(message, source="reviewer_id")


# ---------------------------------------------------------------------------------------
# The checks.


def _num(value: float) -> str:
    return f"{value:g}"


def _labels(keys: Iterable[str]) -> str:
    data = specialties()
    return ", ".join(data.label(k) for k in keys)


def _needed(needs: CaseNeeds) -> dict[str, list[str]]:
    """Specialty key -> why the case calls for it, in the order of the needs."""
    data = specialties()
    vocab = vocabulary()
    needed: dict[str, list[str]] = {}
    for key in needs.treating_specialties:
        needed.setdefault(key, []).append("treats the condition")
    for kind in needs.service_kinds:
        for key in data.for_service(kind):
            needed.setdefault(key, []).append(f"treats {vocab.service_kinds[kind].label}")
    return needed


def specialty_match(reviewer: ReviewerProfile, needs: CaseNeeds) -> tuple[Match, str]:
    """How the reviewer's specialties meet the case's, and the sentence saying so."""
    data = specialties()
    needed = _needed(needs)
    if not needed:
        return "none", (
            "the case names no treating specialty and no disputed service with a known "
            "treating specialty, so no reviewer's specialty can be matched"
        )
    exact = [s for s in reviewer.practised if s in needed]
    if exact:
        why = "; ".join(f"{data.label(s)} {', '.join(needed[s])}" for s in exact)
        return "exact", f"same specialty as the case calls for: {why}"
    for mine in reviewer.practised:
        for theirs in needed:
            if groups := data.similar_groups(mine, theirs, needs.service_kinds):
                return "similar", (
                    f"similar specialty: {data.label(mine)} is similar to {data.label(theirs)} "
                    f"({', '.join(needed[theirs])}) for {', '.join(groups).replace('_', ' ')}"
                )
    practised = _labels(reviewer.practised) or "none"
    return "none", (
        f"no same or similar specialty: the case calls for {_labels(needed)}; "
        f"the reviewer's specialties are {practised}"
    )


def _conflicts(reviewer: ReviewerProfile, needs: CaseNeeds) -> list[str]:
    ignore = set(reviewer_rules().name_comparison.ignore_words)

    def key(name: str) -> str:
        return " ".join(w for w in name_key(name).split() if w not in ignore)

    parties: dict[str, str] = {}
    for party in needs.parties:
        if k := key(party):
            parties.setdefault(k, party)
    found = []
    if (own := key(reviewer.name)) in parties:
        found.append(f"is a party to the case ({parties[own]!r})")
    for affiliation in reviewer.affiliations:
        if (k := key(affiliation)) in parties:
            found.append(
                f"is affiliated with {affiliation!r}, a party to the case ({parties[k]!r})"
            )
    return found


def qualifications(reviewer: ReviewerProfile, needs: CaseNeeds) -> list[Check]:
    """Every requirement of reviewers.yaml checked for this reviewer and case, in its order."""
    rules = reviewer_rules().requirements
    checks: dict[str, Check] = {}

    def add(code: str, passed: bool, text: str) -> None:
        required = "" if passed else f" (required: {rules[code].rule}; {rules[code].citation})"
        checks[code] = Check(code=code, passed=passed, text=text + required)

    certified = reviewer.board_certifications
    add(
        "board_certified",
        bool(certified),
        f"board certified in {_labels(certified)}" if certified else "not board certified",
    )
    states = reviewer.licence_states
    add(
        "licensed",
        bool(states),
        f"licensed in {', '.join(state_name(s) for s in states)}" if states else "holds no licence",
    )
    years, more_than = reviewer.years_in_practice, rules["years_in_practice"].more_than
    assert more_than is not None  # the loader insists
    add(
        "years_in_practice",
        years > more_than,
        f"{_num(years)} years in active clinical practice"
        + (f", more than {_num(more_than)}" if years > more_than else ""),
    )
    hours, at_least = reviewer.hours_per_week, rules["hours_per_week"].at_least
    assert at_least is not None
    add(
        "hours_per_week",
        hours >= at_least,
        f"practising {_num(hours)} hours a week"
        + (f", at least {_num(at_least)}" if hours >= at_least else ""),
    )
    conflicts = _conflicts(reviewer, needs)
    add(
        "no_affiliation",
        not conflicts,
        "; ".join(conflicts)
        if conflicts
        else f"no affiliation with any of the {len(needs.parties)} parties to the case",
    )
    match, text = specialty_match(reviewer, needs)
    add("specialty", match != "none", text)
    add("active", reviewer.active, "active on the roster" if reviewer.active else "inactive")
    return [checks[code] for code in rules]


# ---------------------------------------------------------------------------------------
# The choice.


def _loads(load: Mapping[str, int] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for rid, count in (load or {}).items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise UserError(f"{count!r} is not a count of open cases", source=f"load[{rid}]")
        out[rid] = count
    return out


def _candidate(reviewer: ReviewerProfile, needs: CaseNeeds, load: int) -> Candidate:
    checks = qualifications(reviewer, needs)
    return Candidate(
        reviewer_id=reviewer.id,
        eligible=all(c.passed for c in checks),
        checks=checks,
        licensed_in_state=needs.state in reviewer.licence_states,
        specialty_match=specialty_match(reviewer, needs)[0],
        load=load,
    )


def _rank_key(candidate: Candidate) -> tuple[Any, ...]:
    """Smaller is better, in the order of the preferences of reviewers.yaml."""
    parts = {
        "licensed_in_state": not candidate.licensed_in_state,
        "exact_specialty": candidate.specialty_match != "exact",
        "lowest_load": candidate.load,
        "reviewer_id": candidate.reviewer_id,
    }
    return tuple(parts[p.key] for p in reviewer_rules().preferences)


def _why_not(candidate: Candidate, chosen: Candidate, state: str) -> str:
    """The first preference that put ``chosen`` ahead of an eligible ``candidate``."""
    first = chosen.reviewer_id
    for pref in reviewer_rules().preferences:
        if (
            pref.key == "licensed_in_state"
            and chosen.licensed_in_state != candidate.licensed_in_state
        ):
            return f"qualified, but not licensed in {state_name(state)}, and {first} is"
        if pref.key == "exact_specialty" and (chosen.specialty_match == "exact") != (
            candidate.specialty_match == "exact"
        ):
            return f"qualified, but of a similar specialty, and {first} is of the same"
        if pref.key == "lowest_load" and chosen.load != candidate.load:
            return f"qualified, but holds {candidate.load} open cases to {first}'s {chosen.load}"
    return f"qualified and level on every preference; {first} comes first by id"


def _failures(candidate: Candidate) -> str:
    return "; ".join(c.text for c in candidate.checks if not c.passed)


def _preferred_as(chosen: Candidate, state: str) -> str:
    licence = (
        f"licensed in {state_name(state)}"
        if chosen.licensed_in_state
        else f"no qualified reviewer is licensed in {state_name(state)}"
    )
    return f"{licence}; {chosen.specialty_match} specialty match; {chosen.load} open cases"


def _passed_over_summary(others: Sequence[Candidate]) -> str:
    if not others:
        return "No other reviewer was considered."
    lines = [f"{c.reviewer_id}: {c.passed_over}" for c in others]
    ineligible = sum(not c.eligible for c in others)
    return (
        f"{len(others)} other reviewer(s) passed over "
        f"({ineligible} not qualified, {len(others) - ineligible} qualified but ranked lower): "
        + " | ".join(lines)
        + "."
    )


def choose(
    roster: Iterable[ReviewerProfile],
    needs: CaseNeeds,
    *,
    load: Mapping[str, int] | None = None,
) -> Assignment:
    """The reviewer the case goes to, or None when nobody on the roster qualifies; the
    same roster in any order gives the same choice."""
    reviewers = list(roster)
    check_unique(reviewers)
    loads = _loads(load)
    candidates = [_candidate(r, needs, loads.get(r.id, 0)) for r in reviewers]
    eligible = sorted((c for c in candidates if c.eligible), key=_rank_key)
    ineligible = sorted((c for c in candidates if not c.eligible), key=lambda c: c.reviewer_id)
    ineligible = [c.model_copy(update={"passed_over": _failures(c)}) for c in ineligible]
    if not eligible:
        if not candidates:
            text = "No reviewer can be assigned: the roster has no reviewers."
        else:
            text = (
                f"No reviewer can be assigned: none of the {len(candidates)} reviewer(s) "
                "meets every requirement. "
                + " | ".join(f"{c.reviewer_id}: {c.passed_over}" for c in ineligible)
                + "."
            )
        return Assignment(reviewer_id=None, explanation=text, candidates=ineligible)
    chosen = eligible[0].model_copy(update={"rank": 1})
    ranked = [chosen] + [
        c.model_copy(update={"rank": i, "passed_over": _why_not(c, chosen, needs.state)})
        for i, c in enumerate(eligible[1:], start=2)
    ]
    others = ranked[1:] + ineligible
    text = (
        f"Reviewer {chosen.reviewer_id} is assigned. Meets every requirement: "
        + "; ".join(c.text for c in chosen.checks)
        + f". Preferred as: {_preferred_as(chosen, needs.state)}. "
        + _passed_over_summary(others)
    )
    return Assignment(
        reviewer_id=chosen.reviewer_id, explanation=text, candidates=ranked + ineligible
    )


def check_named(
    reviewer: ReviewerProfile,
    needs: CaseNeeds,
    *,
    load: Mapping[str, int] | None = None,
) -> Assignment:
    """A coordinator's choice of reviewer, allowed only when every check passes; a
    ``NotQualified`` (a UserError) listing the failed checks otherwise."""
    candidate = _candidate(reviewer, needs, _loads(load).get(reviewer.id, 0))
    if not candidate.eligible:
        failed = [c for c in candidate.checks if not c.passed]
        raise NotQualified(
            f"reviewer {reviewer.id} cannot be assigned: {_failures(candidate)}", failed
        )
    chosen = candidate.model_copy(update={"rank": 1})
    licence = (
        ""
        if chosen.licensed_in_state
        else f" Not licensed in {state_name(needs.state)}, which is preferred, not required."
    )
    text = (
        f"Reviewer {reviewer.id} is assigned as named by the coordinator. Meets every "
        "requirement: " + "; ".join(c.text for c in chosen.checks) + "." + licence
    )
    return Assignment(reviewer_id=reviewer.id, explanation=text, candidates=[chosen])
