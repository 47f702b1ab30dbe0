"""Eligibility screening: each reason, its boundaries, all reasons together, the data file
driving the numbers; and the application model's validation and keys."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from openimr.errors import UserError
from openimr.service.application import (
    Application,
    consolidation_key,
    employee_key,
    normalize,
    parse_application,
    parties,
    treatment_key,
)
from openimr.service.eligibility import (
    REASON_CODES,
    EligibilitySettings,
    PriorReview,
    add_months,
    load_rules,
    screen,
)

UR = dt.date(2016, 1, 29)


def app(**changes: Any) -> Application:
    """An eligible application; ``changes`` make it otherwise."""
    data: dict[str, Any] = {
        "employee_name": "Jane Doe",
        "date_of_injury": dt.date(2014, 5, 2),
        "requesting_physician": "Dr. Robert Lee",
        "claims_administrator": "State Compensation Insurance Fund",
        "employer": "Acme Logistics",
        "insurer": "SCIF",
        "filed_by": "employee",
        "signed": True,
        "ur_decision_attached": True,
        "ur_decision_date": UR,
        "filed_on": dt.date(2016, 2, 10),
        "treatments": ["Norco 10/325 mg #60"],
    }
    data.update(changes)
    return Application.model_validate(data)


def filed_after(days: int, **changes: Any) -> Application:
    return app(filed_on=UR + dt.timedelta(days=days), **changes)


def codes(result: Any) -> list[str]:
    return [reason.code for reason in result.reasons]


def packaged_yaml() -> str:
    path = resources.files("openimr.service").joinpath("rules", "eligibility.yaml")
    return path.read_text(encoding="utf-8")


# --- a clean application ---------------------------------------------------------------


def test_a_complete_timely_application_is_eligible_with_no_reasons() -> None:
    result = screen(app())
    assert result.status == "eligible"
    assert result.reasons == []
    assert result.filing_deadline == dt.date(2016, 2, 28)  # 30 days after 2016-01-29


# --- late ------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 1, 15, 29, 30])
def test_filed_within_30_days_is_timely(days: int) -> None:
    assert "late" not in codes(screen(filed_after(days)))
    assert screen(filed_after(days)).status == "eligible"


@pytest.mark.parametrize("days", [31, 32, 45, 365])
def test_filed_after_the_30th_day_is_late(days: int) -> None:
    result = screen(filed_after(days))
    assert result.status == "ineligible"
    assert codes(result) == ["late"]


def test_the_late_reason_names_the_dates_and_the_limit() -> None:
    result = screen(app(filed_on=dt.date(2016, 3, 10)))
    assert result.reasons[0].text == (
        "filed 2016-03-10, 41 days after the UR decision of 2016-01-29; the limit is 30 days"
    )


def test_the_mail_extension_is_off_by_default() -> None:
    assert EligibilitySettings().mail_extension_days == 0
    assert screen(filed_after(31, ur_served_by="mail")).status == "ineligible"


@pytest.mark.parametrize("days", [31, 33, 35])
def test_with_the_mail_extension_a_mailed_decision_gets_five_more_days(days: int) -> None:
    settings = EligibilitySettings(mail_extension_days=5)
    result = screen(filed_after(days, ur_served_by="mail"), settings=settings)
    assert result.status == "eligible"
    assert codes(result) == ["mail_extension_applied"]
    assert "plus 5 for service by mail" in result.reasons[0].text
    assert result.filing_deadline == UR + dt.timedelta(days=35)


def test_with_the_mail_extension_the_36th_day_is_late() -> None:
    settings = EligibilitySettings(mail_extension_days=5)
    result = screen(filed_after(36, ur_served_by="mail"), settings=settings)
    assert codes(result) == ["late"]
    assert "the limit is 35 days (30, plus 5 for service by mail)" in result.reasons[0].text


def test_the_mail_extension_days_within_30_give_no_note() -> None:
    settings = EligibilitySettings(mail_extension_days=5)
    assert screen(filed_after(30), settings=settings).reasons == []


@pytest.mark.parametrize(
    ("served", "how"), [("electronic", "electronically"), ("personal", "personally")]
)
def test_the_mail_extension_does_not_apply_to_other_service(served: str, how: str) -> None:
    settings = EligibilitySettings(mail_extension_days=5)
    result = screen(filed_after(31, ur_served_by=served), settings=settings)
    assert codes(result) == ["late"]
    assert f"no mail extension: the UR decision was served {how}" in result.reasons[0].text
    assert result.filing_deadline == UR + dt.timedelta(days=30)


@given(
    days=st.integers(min_value=0, max_value=400),
    extension=st.integers(min_value=0, max_value=10),
    served=st.sampled_from(["mail", "electronic", "personal"]),
)
def test_late_exactly_when_past_the_limit(days: int, extension: int, served: str) -> None:
    settings = EligibilitySettings(mail_extension_days=extension)
    result = screen(filed_after(days, ur_served_by=served), settings=settings)
    limit = 30 + (extension if served == "mail" else 0)
    assert ("late" in codes(result)) == (days > limit)
    assert result.status == ("ineligible" if days > limit else "eligible")
    assert result.filing_deadline == UR + dt.timedelta(days=limit)


# --- the data file drives the numbers --------------------------------------------------


def test_a_changed_filing_limit_in_the_yaml_changes_the_result() -> None:
    text = packaged_yaml()
    assert "    value: 30\n" in text
    shorter = EligibilitySettings.from_rules(text.replace("    value: 30\n", "    value: 20\n"))
    assert shorter.filing_days == 20
    assert screen(filed_after(25)).status == "eligible"
    assert codes(screen(filed_after(25), settings=shorter)) == ["late"]
    assert "the limit is 20 days" in screen(filed_after(25), settings=shorter).reasons[0].text


def test_turning_the_mail_extension_on_in_the_yaml() -> None:
    text = packaged_yaml()
    marker = "  mail_extension_days:\n"
    head, tail = text.split(marker)
    tail = tail.replace("    value: 0\n", "    value: 5\n", 1)
    settings = EligibilitySettings.from_rules(head + marker + tail)
    assert settings.mail_extension_days == 5
    assert screen(filed_after(33), settings=settings).status == "eligible"


def test_keyword_overrides_go_on_top_of_the_yaml() -> None:
    settings = EligibilitySettings.from_rules(None, filing_days=10, repeat_months=6)
    assert (settings.filing_days, settings.repeat_months) == (10, 6)
    assert settings.may_file == EligibilitySettings().may_file
    assert codes(screen(filed_after(11), settings=settings)) == ["late"]


def test_what_a_reason_does_is_data() -> None:
    outcomes = {**EligibilitySettings().outcomes, "liability_disputed": "ineligible"}
    settings = EligibilitySettings(outcomes=outcomes)
    assert screen(app(liability_disputed=True), settings=settings).status == "ineligible"
    assert screen(app(liability_disputed=True)).status == "deferred"


def test_the_packaged_rules_describe_every_reason_with_a_citation() -> None:
    rules = load_rules()
    assert set(rules.reasons) == set(REASON_CODES)
    assert all(rule.citation for rule in rules.reasons.values())
    assert rules.facts.filing_days.citation.startswith("8 CCR 9792.10.1")
    assert rules.facts.mail_extension_days.verification == "U"


def test_a_data_file_missing_a_reason_is_an_error_naming_it() -> None:
    text = packaged_yaml().replace("  unsigned:\n", "  unsigned_typo:\n")
    with pytest.raises(UserError, match=r"eligibility.yaml: reasons: missing \['unsigned'\]"):
        load_rules(text)


def test_a_data_file_with_a_bad_number_is_an_error_naming_the_field() -> None:
    text = packaged_yaml().replace("    value: 30\n", "    value: thirty\n")
    with pytest.raises(UserError, match=r"facts\.filing_days\.value"):
        load_rules(text)


def test_bad_overrides_name_the_setting() -> None:
    with pytest.raises(UserError, match="mail_extension_days"):
        EligibilitySettings.from_rules(None, mail_extension_days=-1)
    with pytest.raises(ValidationError):
        EligibilitySettings(may_file=["employee", "the neighbour"])
    with pytest.raises(ValidationError, match="outcome"):
        EligibilitySettings(outcomes={"late": "ineligible"})


# --- unsigned, no UR decision, not entitled ---------------------------------------------


def test_an_unsigned_application_is_ineligible() -> None:
    result = screen(app(signed=False))
    assert (result.status, codes(result)) == ("ineligible", ["unsigned"])
    assert "2016-02-10" in result.reasons[0].text
    assert "not signed" in result.reasons[0].text


def test_an_application_without_the_ur_decision_is_ineligible() -> None:
    result = screen(app(ur_decision_attached=False))
    assert (result.status, codes(result)) == ("ineligible", ["no_ur_decision"])
    assert "UR decision of 2016-01-29" in result.reasons[0].text


@pytest.mark.parametrize("who", ["employee", "representative", "attorney", "parent_guardian"])
def test_the_employee_and_representatives_may_file(who: str) -> None:
    assert screen(app(filed_by=who)).status == "eligible"


@pytest.mark.parametrize(
    ("who", "label"),
    [
        ("employer", "the employer"),
        ("insurer", "the insurer"),
        ("claims_administrator", "the claims administrator"),
        ("provider", "a provider"),
    ],
)
def test_others_may_not_file(who: str, label: str) -> None:
    result = screen(app(filed_by=who))
    assert (result.status, codes(result)) == ("ineligible", ["not_entitled"])
    text = result.reasons[0].text
    assert text.startswith(f"filed by {label} (filed_by {who});")
    assert "only the employee, a representative, an attorney or a parent or guardian" in text


def test_who_may_file_is_a_setting() -> None:
    settings = EligibilitySettings(may_file=["employee"])
    assert codes(screen(app(filed_by="attorney"), settings=settings)) == ["not_entitled"]
    assert "only the employee may request IMR" in (
        screen(app(filed_by="attorney"), settings=settings).reasons[0].text
    )


# --- repeat within 12 months -----------------------------------------------------------


def prior(treatment: str, on: dt.date, who: str = "jane doe") -> PriorReview:
    return PriorReview(employee_key=who, treatment=treatment, determined_on=on)


@pytest.mark.parametrize(
    "title",
    [
        "Norco 10/325 mg #60",
        "NORCO 10/325 MG #60",
        "norco 10/325mg, #60",
        "Norco  10/325 mg (#60).",
    ],
)
def test_a_prior_imr_of_the_same_treatment_within_12_months_bars_a_new_one(title: str) -> None:
    result = screen(app(), prior=[prior(title, dt.date(2015, 6, 1))])
    assert (result.status, codes(result)) == ("ineligible", ["repeat_within_12_months"])
    text = result.reasons[0].text
    assert "2015-06-01" in text
    assert "from 2016-06-01" in text
    assert "'Norco 10/325 mg #60'" in text


@pytest.mark.parametrize(
    "other", ["Norco 5/325 mg #60", "Norco 10/325 mg #90", "Tramadol 50 mg #60", "Norco"]
)
def test_a_prior_imr_of_a_different_treatment_does_not_count(other: str) -> None:
    assert screen(app(), prior=[prior(other, dt.date(2015, 6, 1))]).status == "eligible"


def test_a_prior_imr_of_another_employee_does_not_count() -> None:
    result = screen(app(), prior=[prior("Norco 10/325 mg #60", dt.date(2015, 6, 1), "john roe")])
    assert result.status == "eligible"


def test_the_prior_review_is_matched_on_the_employee_id_when_there_is_one() -> None:
    with_id = app(employee_id="ADJ1234567")
    by_name = prior("Norco 10/325 mg #60", dt.date(2015, 6, 1))
    by_id = prior("Norco 10/325 mg #60", dt.date(2015, 6, 1), "ADJ1234567")
    assert screen(with_id, prior=[by_name]).status == "eligible"
    assert screen(with_id, prior=[by_id]).status == "ineligible"


@pytest.mark.parametrize(
    ("determined", "filed", "barred"),
    [
        (dt.date(2015, 3, 10), dt.date(2016, 3, 9), True),  # the day before the anniversary
        (dt.date(2015, 3, 10), dt.date(2016, 3, 10), False),  # 12 months have passed
        (dt.date(2015, 3, 10), dt.date(2016, 3, 11), False),
        (dt.date(2016, 2, 29), dt.date(2017, 2, 27), True),  # leap day: anniversary Feb 28
        (dt.date(2016, 2, 29), dt.date(2017, 2, 28), False),
        (dt.date(2016, 2, 20), dt.date(2016, 2, 20), True),  # decided the day it was filed
    ],
)
def test_the_12_month_boundary(determined: dt.date, filed: dt.date, barred: bool) -> None:
    application = app(ur_decision_date=filed - dt.timedelta(days=5), filed_on=filed)
    result = screen(application, prior=[prior("Norco 10/325 mg #60", determined)])
    assert ("repeat_within_12_months" in codes(result)) is barred


def test_a_review_decided_after_the_filing_is_not_prior() -> None:
    later = prior("Norco 10/325 mg #60", dt.date(2016, 2, 11))
    assert screen(app(), prior=[later]).status == "eligible"


def test_a_material_change_lifts_the_bar_and_says_so() -> None:
    result = screen(
        app(material_change=True), prior=[prior("norco 10/325mg #60", dt.date(2015, 6, 1))]
    )
    assert result.status == "eligible"
    assert codes(result) == ["repeat_lifted_by_material_change"]
    assert "material change" in result.reasons[0].text


def test_the_latest_prior_review_is_the_one_named() -> None:
    reviews = [
        prior("Norco 10/325 mg #60", dt.date(2014, 1, 1)),
        prior("Norco 10/325 mg #60", dt.date(2015, 9, 1)),
    ]
    result = screen(app(), prior=reviews)
    assert codes(result) == ["repeat_within_12_months"]
    assert "2015-09-01" in result.reasons[0].text


def test_an_old_prior_review_does_not_count() -> None:
    assert (
        screen(app(), prior=[prior("Norco 10/325 mg #60", dt.date(2014, 1, 1))]).status
        == "eligible"
    )


def test_each_repeated_treatment_gets_its_reason_once() -> None:
    application = app(treatments=["Norco 10/325 mg #60", "PT x 12", "NORCO 10/325 MG #60", "MRI"])
    reviews = [
        prior("pt x12", dt.date(2015, 7, 1)),
        prior("Norco 10/325 mg #60", dt.date(2015, 6, 1)),
    ]
    result = screen(application, prior=reviews)
    assert codes(result) == ["repeat_within_12_months", "repeat_within_12_months"]
    assert "'Norco 10/325 mg #60'" in result.reasons[0].text
    assert "'PT x 12'" in result.reasons[1].text


def test_the_repeat_period_is_a_setting() -> None:
    settings = EligibilitySettings(repeat_months=6)
    reviews = [prior("Norco 10/325 mg #60", dt.date(2015, 6, 1))]
    assert screen(app(), prior=reviews, settings=settings).status == "eligible"
    assert screen(app(), prior=reviews).status == "ineligible"


# --- liability, and every reason at once ------------------------------------------------


def test_disputed_liability_defers_an_otherwise_eligible_application() -> None:
    result = screen(app(liability_disputed=True))
    assert (result.status, codes(result)) == ("deferred", ["liability_disputed"])
    assert "liability" in result.reasons[0].text


def test_an_ineligible_application_stays_ineligible_with_the_deferral_reported() -> None:
    result = screen(filed_after(40, liability_disputed=True))
    assert result.status == "ineligible"
    assert codes(result) == ["late", "liability_disputed"]


def test_every_reason_is_reported_together() -> None:
    application = app(
        filed_on=dt.date(2016, 3, 10),
        signed=False,
        ur_decision_attached=False,
        filed_by="insurer",
        liability_disputed=True,
    )
    result = screen(application, prior=[prior("Norco 10/325 mg #60", dt.date(2015, 6, 1))])
    assert result.status == "ineligible"
    assert codes(result) == [
        "late",
        "unsigned",
        "no_ur_decision",
        "not_entitled",
        "repeat_within_12_months",
        "liability_disputed",
    ]
    assert all(reason.text for reason in result.reasons)


def test_a_note_does_not_change_a_deferral() -> None:
    settings = EligibilitySettings(mail_extension_days=5)
    result = screen(filed_after(33, liability_disputed=True), settings=settings)
    assert result.status == "deferred"
    assert codes(result) == ["mail_extension_applied", "liability_disputed"]


# --- the application model -------------------------------------------------------------


def test_filed_before_the_ur_decision_is_an_error_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        app(filed_on=dt.date(2016, 1, 28))
    assert caught.value.errors()[0]["loc"] == ("filed_on",)
    assert "ur_decision_date 2016-01-29" in str(caught.value)


def test_parse_application_gives_a_user_error_naming_each_field() -> None:
    data = app().model_dump()
    data.update(filed_on="2016-01-01", treatments=[], employer="   ")
    with pytest.raises(UserError) as caught:
        parse_application(data)
    message = str(caught.value)
    assert message.startswith("application: ")
    assert "filed_on: filed_on 2016-01-01 is before ur_decision_date 2016-01-29" in message
    assert "treatments:" in message
    assert "employer: must not be empty or blank" in message


def test_parse_application_reads_json_values() -> None:
    data = app().model_dump(mode="json")
    assert parse_application(data) == app()


def test_filed_on_the_day_of_the_ur_decision_is_allowed() -> None:
    assert app(filed_on=UR).filed_on == UR


def test_at_least_one_treatment() -> None:
    with pytest.raises(ValidationError, match="treatments"):
        app(treatments=[])


@pytest.mark.parametrize("field", ["employee_name", "requesting_physician", "claims_administrator"])
def test_blank_names_are_errors(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        app(**{field: "  "})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_blank_treatments_are_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        app(treatments=["MRI", " "])
    assert caught.value.errors()[0]["loc"] == ("treatments", 1)


def test_strings_are_stripped() -> None:
    application = app(employee_name="  Jane Doe ", treatments=[" MRI lumbar  "], providers=[" X "])
    assert application.employee_name == "Jane Doe"
    assert application.treatments == ["MRI lumbar"]
    assert application.providers == ["X"]


def test_unknown_fields_and_filers_are_errors() -> None:
    with pytest.raises(ValidationError):
        app(colour="blue")
    with pytest.raises(ValidationError):
        app(filed_by="neighbour")


def test_defaults() -> None:
    application = app()
    assert application.ur_served_by == "mail"
    assert (application.liability_disputed, application.expedited) == (False, False)
    assert (application.formulary_only, application.material_change) == (False, False)
    assert application.specialties_treating == application.providers == []


# --- keys ------------------------------------------------------------------------------


def test_normalize_and_treatment_key() -> None:
    assert normalize("  Dr. Robert  LEE, M.D. ") == "dr robert lee m d"
    assert treatment_key("X-Ray, lumbar spine") == treatment_key("xray LUMBAR SPINE")
    assert treatment_key("Norco 10/325") != treatment_key("Norco 5/325")


def test_the_employee_key_prefers_the_id() -> None:
    assert employee_key(app()) == "jane doe"
    assert employee_key(app(employee_id=" ADJ1234567 ")) == "ADJ1234567"


def test_consolidation_key() -> None:
    key = consolidation_key(app())
    assert key == ("jane doe", "dr robert lee", "2014-05-02")
    same = app(employee_name="JANE  DOE", requesting_physician="dr robert lee", treatments=["MRI"])
    assert consolidation_key(same) == key
    assert consolidation_key(app(requesting_physician="Dr. Ann Wu")) != key
    assert consolidation_key(app(date_of_injury=dt.date(2014, 5, 3))) != key
    assert consolidation_key(app(employee_id="ADJ1"))[0] == "ADJ1"


def test_parties_are_normalized_each_once() -> None:
    application = app(
        insurer=None,
        providers=["Valley Imaging", "Dr. Robert Lee"],
        medical_groups=["VALLEY IMAGING"],
    )
    assert parties(application) == [
        "acme logistics",
        "state compensation insurance fund",
        "dr robert lee",
        "valley imaging",
    ]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2015, 3, 10), 12, dt.date(2016, 3, 10)),
        (dt.date(2016, 2, 29), 12, dt.date(2017, 2, 28)),
        (dt.date(2015, 8, 31), 6, dt.date(2016, 2, 29)),
        (dt.date(2015, 12, 15), 1, dt.date(2016, 1, 15)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected
