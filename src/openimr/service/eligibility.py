"""Eligibility screening of an IMR application (8 CCR 9792.10.1, 9792.10.3): pure logic.

The numbers (filing days, the mail extension, the 12 months), who may file and what each
reason does (ineligible, deferred, note) are data in ``rules/eligibility.yaml``; this module
checks an application against them and reports every reason it finds, not just the first.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from openimr.errors import UserError
from openimr.model import Model, Verification
from openimr.service.application import (
    Application,
    FiledBy,
    Text,
    employee_key,
    treatment_key,
)
from openimr.service.ruledata import packaged, parsed

Status = Literal["eligible", "ineligible", "deferred"]
Outcome = Literal["ineligible", "deferred", "note"]

REASON_CODES = (
    "late",
    "unsigned",
    "no_ur_decision",
    "not_entitled",
    "repeat_within_12_months",
    "liability_disputed",
    "mail_extension_applied",
    "repeat_lifted_by_material_change",
)
"""The reasons this engine can give; the data file must describe exactly these."""

RULES_FILE = "eligibility.yaml"


# --- the data file ---------------------------------------------------------------------


class _Fact(Model):
    note: str
    citation: str
    verification: Verification


class CountFact(_Fact):
    value: int = Field(ge=0)


class FilersFact(_Fact):
    value: list[FiledBy] = Field(min_length=1)


class EligibilityFacts(Model):
    filing_days: CountFact
    mail_extension_days: CountFact
    may_file: FilersFact
    repeat_months: CountFact


class ReasonRule(Model):
    outcome: Outcome
    citation: str
    verification: Verification


class EligibilityRules(Model):
    facts: EligibilityFacts
    reasons: dict[str, ReasonRule]


def load_rules(text: str | None = None) -> EligibilityRules:
    """The eligibility rules from YAML text, or the packaged file when ``text`` is None."""
    if text is None:
        return _packaged_rules()
    return _parse_rules(text, source=RULES_FILE)


@cache
def _packaged_rules() -> EligibilityRules:
    return _parse_rules(packaged(RULES_FILE), source=RULES_FILE)


def _parse_rules(text: str, *, source: str) -> EligibilityRules:
    rules = parsed(EligibilityRules, text, source)
    if set(rules.reasons) != set(REASON_CODES):
        missing = sorted(set(REASON_CODES) - set(rules.reasons))
        unknown = sorted(set(rules.reasons) - set(REASON_CODES))
        raise UserError(f"reasons: missing {missing}, unknown {unknown}", source=source)
    return rules


class EligibilitySettings(Model):
    """The screen's parameters. ``EligibilitySettings()`` is the packaged data file; pass a
    field to override it (``EligibilitySettings(mail_extension_days=5)``), or build from
    other YAML text with ``from_rules``."""

    filing_days: int = Field(
        default_factory=lambda: _packaged_rules().facts.filing_days.value, ge=1
    )
    mail_extension_days: int = Field(
        default_factory=lambda: _packaged_rules().facts.mail_extension_days.value, ge=0
    )
    may_file: list[FiledBy] = Field(
        default_factory=lambda: list(_packaged_rules().facts.may_file.value), min_length=1
    )
    repeat_months: int = Field(
        default_factory=lambda: _packaged_rules().facts.repeat_months.value, ge=1
    )
    outcomes: dict[str, Outcome] = Field(
        default_factory=lambda: {code: r.outcome for code, r in _packaged_rules().reasons.items()}
    )

    @field_validator("outcomes")
    @classmethod
    def _every_reason(cls, outcomes: dict[str, Outcome]) -> dict[str, Outcome]:
        if set(outcomes) != set(REASON_CODES):
            raise ValueError(f"must give an outcome for exactly the reasons {list(REASON_CODES)}")
        return outcomes

    @classmethod
    def from_rules(cls, text: str | None = None, **overrides: Any) -> EligibilitySettings:
        """Settings from YAML text shaped like ``eligibility.yaml`` (None: the packaged
        file), with keyword overrides on top."""
        rules = load_rules(text)
        facts = rules.facts
        values: dict[str, Any] = {
            "filing_days": facts.filing_days.value,
            "mail_extension_days": facts.mail_extension_days.value,
            "may_file": list(facts.may_file.value),
            "repeat_months": facts.repeat_months.value,
            "outcomes": {code: r.outcome for code, r in rules.reasons.items()},
        }
        values.update(overrides)
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(part) for part in err["loc"])
            raise UserError(err["msg"], source=where) from None


@cache
def _default_settings() -> EligibilitySettings:
    return EligibilitySettings()


# --- the screen ------------------------------------------------------------------------


class PriorReview(Model):
    """An IMR determination already made for the employee."""

    employee_key: Text
    """``application.employee_key`` of the application that review answered."""
    treatment: Text
    determined_on: dt.date


class Reason(Model):
    code: str
    text: str


class Eligibility(Model):
    status: Status
    reasons: list[Reason] = Field(default_factory=list)
    """Every reason found, in a fixed order; an eligible application may carry notes."""
    filing_deadline: dt.date
    """The last day the application could be filed under the settings used."""


_FILER_LABELS = {
    "employee": "the employee",
    "representative": "a representative",
    "attorney": "an attorney",
    "parent_guardian": "a parent or guardian",
    "employer": "the employer",
    "insurer": "the insurer",
    "claims_administrator": "the claims administrator",
    "provider": "a provider",
}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it is shorter
    (2016-02-29 + 12 months = 2017-02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def filing_limit(app: Application, settings: EligibilitySettings) -> int:
    """Days from service of the UR decision within which the application is timely."""
    extension = settings.mail_extension_days if app.ur_served_by == "mail" else 0
    return settings.filing_days + extension


def screen(
    app: Application,
    *,
    prior: Sequence[PriorReview] = (),
    settings: EligibilitySettings | None = None,
) -> Eligibility:
    """Whether the application can go to review: every reason found, and the status they
    give together (an ineligible reason outranks a deferral; notes decide nothing)."""
    s = settings if settings is not None else _default_settings()
    found: list[Reason] = []
    found += _timeliness(app, s)
    if not app.signed:
        found.append(
            Reason(
                code="unsigned",
                text=f"the application filed {app.filed_on.isoformat()} is not signed by the "
                "employee or the employee's representative",
            )
        )
    if not app.ur_decision_attached:
        found.append(
            Reason(
                code="no_ur_decision",
                text="no copy of the written UR decision of "
                f"{app.ur_decision_date.isoformat()} is attached to the application",
            )
        )
    if app.filed_by not in s.may_file:
        labels = [_FILER_LABELS[who] for who in s.may_file]
        allowed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
        found.append(
            Reason(
                code="not_entitled",
                text=f"filed by {_FILER_LABELS[app.filed_by]} (filed_by {app.filed_by}); "
                f"only {allowed} may request IMR",
            )
        )
    found += _repeats(app, prior, s)
    if app.liability_disputed:
        found.append(
            Reason(
                code="liability_disputed",
                text="the claims administrator disputes liability for the injury or body "
                "part (liability_disputed); IMR waits until liability is resolved",
            )
        )
    outcomes = {s.outcomes[reason.code] for reason in found}
    status: Status = (
        "ineligible"
        if "ineligible" in outcomes
        else "deferred"
        if "deferred" in outcomes
        else "eligible"
    )
    deadline = app.ur_decision_date + dt.timedelta(days=filing_limit(app, s))
    return Eligibility(status=status, reasons=found, filing_deadline=deadline)


def _timeliness(app: Application, s: EligibilitySettings) -> list[Reason]:
    days = (app.filed_on - app.ur_decision_date).days
    limit = filing_limit(app, s)
    where = (
        f"filed {app.filed_on.isoformat()}, {days} days after the UR decision of "
        f"{app.ur_decision_date.isoformat()}"
    )
    if limit > s.filing_days:
        basis = f"{limit} days ({s.filing_days}, plus {limit - s.filing_days} for service by mail)"
    elif s.mail_extension_days:
        how = {"electronic": "electronically", "personal": "personally"}[app.ur_served_by]
        basis = f"{limit} days (no mail extension: the UR decision was served {how})"
    else:
        basis = f"{limit} days"
    if days > limit:
        return [Reason(code="late", text=f"{where}; the limit is {basis}")]
    if days > s.filing_days:
        return [
            Reason(
                code="mail_extension_applied",
                text=f"{where}: timely only with the mail extension; the limit is {basis}",
            )
        ]
    return []


def _repeats(
    app: Application, prior: Sequence[PriorReview], s: EligibilitySettings
) -> list[Reason]:
    who = employee_key(app)
    latest: dict[str, PriorReview] = {}
    for review in prior:
        # A review decided after this application was filed is not prior to it.
        if review.employee_key != who or review.determined_on > app.filed_on:
            continue
        key = treatment_key(review.treatment)
        if key not in latest or review.determined_on > latest[key].determined_on:
            latest[key] = review
    found: list[Reason] = []
    seen: set[str] = set()
    for title in app.treatments:
        key = treatment_key(title)
        review = latest.get(key)
        if key in seen or review is None:
            continue
        seen.add(key)
        free_from = add_months(review.determined_on, s.repeat_months)
        if app.filed_on >= free_from:
            continue
        decided = (
            f"{title!r} was decided by IMR on {review.determined_on.isoformat()} (as "
            f"{review.treatment!r}), {(app.filed_on - review.determined_on).days} days before "
            f"this application of {app.filed_on.isoformat()}"
        )
        if app.material_change:
            found.append(
                Reason(
                    code="repeat_lifted_by_material_change",
                    text=f"{decided}; the documented material change in the facts "
                    "(material_change) allows a new review",
                )
            )
        else:
            found.append(
                Reason(
                    code="repeat_within_12_months",
                    text=f"{decided}; a new IMR of the same treatment needs "
                    f"{s.repeat_months} months (from {free_from.isoformat()}) or a documented "
                    "material change in the facts",
                )
            )
    return found
