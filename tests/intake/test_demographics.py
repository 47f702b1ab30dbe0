"""Age, sex and date of injury: one phrasing, one assertion; offsets always exact."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.intake.demographics import extract_patient


def _check_offsets(text: str, facts) -> None:
    for fact in facts:
        for ev in fact.evidence:
            assert text[ev.start : ev.end] == ev.text


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("The patient is a 37-year-old female who has submitted a claim", 37),
        ("this is a 43-year-old male with a 3/5/13 date of injury", 43),
        ("Claimant is a 59 year old female with date of injury 5/2/1999.", 59),
        ("The injured worker is a 56 year old female who sustained an injury", 56),
        ("a forty-two year old man", 42),
        ("A sixty five-year-old woman presents", 65),
        ("She is 48 years old.", 48),
        ("51 y/o male, chronic neck pain", 51),
        ("51yo M with LBP", 51),
        ("Age: 62. Sex: F.", 62),
        ("The applicant, aged 44, reports", 44),
        ("a twenty-nine-year-old gentleman", 29),
        ("a 33 yr old lady", 33),
    ],
)
def test_age(text: str, age: int) -> None:
    patient, facts = extract_patient(text)
    assert patient.age == age
    _check_offsets(text, facts)


@pytest.mark.parametrize(
    "text",
    [
        "He had surgery at age 30 and now reports pain.",
        "Pain relief of 50% for 3 weeks.",
        "The claimant is employed; injury was ten years ago.",
        "The device is 200 years old.",  # out of range
        "",
    ],
)
def test_no_age(text: str) -> None:
    assert extract_patient(text)[0].age is None


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("The patient is a 37-year-old female who has submitted a claim", "female"),
        ("this is a 43-year-old male with a 3/5/13 date of injury", "male"),
        ("a forty-two year old man", "male"),
        ("a 61 year old woman with knee pain", "female"),
        ("a 50-year-old right-handed gentleman", "male"),
        ("a 70 year-old lady", "female"),
        ("The applicant reports pain. She walks daily.", "female"),
        ("The claimant states that he cannot lift.", "male"),
        ("Mrs. Jones reports pain in her back.", "female"),
        ("Mr. Smith was seen.", "male"),
        # a female physician named elsewhere does not override the patient's stated sex
        ("A 45-year-old male. The female physician saw him.", "male"),
    ],
)
def test_sex(text: str, sex: str) -> None:
    patient, facts = extract_patient(text)
    assert patient.sex == sex
    _check_offsets(text, facts)


@pytest.mark.parametrize(
    "text",
    [
        "He/she has no affiliation with the employer.",
        "The reviewer selected based on his/her experience. He or she is licensed.",
        "The applicant was seen. He said his wife helps her mother.",  # both sexes' pronouns
        "The patient reports pain.",
        "Female and male nurses attended.",
        "Manual therapy and human factors",  # no whole-word sex noun
    ],
)
def test_sex_unstated_or_ambiguous(text: str) -> None:
    assert extract_patient(text)[0].sex is None


@pytest.mark.parametrize(
    ("text", "date"),
    [
        (
            "associated with an industrial injury date of August 10, \n2010.Medical records",
            dt.date(2010, 8, 10),
        ),
        ("a 43-year-old male with a 3/5/13 date of injury", dt.date(2013, 3, 5)),
        ("59 year old female with date of injury 5/2/1999", dt.date(1999, 5, 2)),
        ("associated with an industrial injury of August 9, 1999.Thus far", dt.date(1999, 8, 9)),
        (
            "56 year old female who sustained an industrial injury on 04/07/2014.",
            dt.date(2014, 4, 7),
        ),
        ("DOI: 01/02/2012", dt.date(2012, 1, 2)),
        ("D.O.I. 7-15-09", dt.date(2009, 7, 15)),
        ("The worker was injured at work on 3 March 2011.", dt.date(2011, 3, 3)),
        ("She was injured on Jan. 5th, 2012 while lifting.", dt.date(2012, 1, 5)),
        ("Date of Injury: 2013-11-04", dt.date(2013, 11, 4)),
        ("a work-related injury that occurred on 12/1/2008", dt.date(2008, 12, 1)),
        ("reported a date of injury of 6/10/2010", dt.date(2010, 6, 10)),
        ("injury dated 10/22/2012", dt.date(2012, 10, 22)),
        ("He injured his low back on 2/12/2011 while lifting.", dt.date(2011, 2, 12)),
        ("She hurt her right knee at work on May 3, 2012.", dt.date(2012, 5, 3)),
        ("The claimant strained his neck on 01/15/2013.", dt.date(2013, 1, 15)),
    ],
)
def test_date_of_injury(text: str, date: dt.date) -> None:
    patient, facts = extract_patient(text)
    assert patient.date_of_injury == date
    _check_offsets(text, facts)


@pytest.mark.parametrize(
    "text",
    [
        "Progress note dated 8/19/2013 reports pain.",  # a visit, not the injury
        "Date of injury: 13/45/2010",  # not a date
        "Utilization review from March 11, 2014 denied the request.",
        "Injury date unknown.",
    ],
)
def test_no_date_of_injury(text: str) -> None:
    assert extract_patient(text)[0].date_of_injury is None


def test_fact_kinds_and_evidence() -> None:
    text = "The patient is a 37-year-old female with date of injury 08/10/2010."
    patient, facts = extract_patient(text, source="records[0]")
    assert [f.kind for f in facts] == ["age", "sex", "date_of_injury"]
    assert facts[0].evidence[0].text == "37-year-old"
    assert facts[1].evidence[0].text == "female"
    assert facts[2].evidence[0].text == "date of injury 08/10/2010"
    assert all(f.evidence[0].source == "records[0]" for f in facts)
    assert patient.model_dump() == {
        "age": 37,
        "sex": "female",
        "date_of_injury": dt.date(2010, 8, 10),
    }


def test_seed_summaries(seed_texts) -> None:
    expected = {
        "000": (37, "female", dt.date(2010, 8, 10)),
        "001": (43, "male", dt.date(2013, 3, 5)),
        "002": (59, "female", dt.date(1999, 5, 2)),
        "003": (None, None, dt.date(1999, 8, 9)),
        "004": (56, "female", dt.date(2014, 4, 7)),
    }
    for key, text in seed_texts.items():
        patient, facts = extract_patient(text)
        assert (patient.age, patient.sex, patient.date_of_injury) == expected[key], key
        _check_offsets(text, facts)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_crashes_on_random_text(text: str) -> None:
    _, facts = extract_patient(text)
    _check_offsets(text, facts)


_WORDS = st.sampled_from(
    [
        "year", "old", "-", " ", "37", "forty", "two", "female", "male", "he", "she", "/",
        "date", "of", "injury", "DOI:", "5/2/1999", "13/13/13", "August", "10,", "2010",
        "injured", "on", "at", "work", "age", "99999", "0", ".", "he/she",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=30).map("".join))
def test_never_crashes_on_near_miss_phrases(text: str) -> None:
    _, facts = extract_patient(text)
    _check_offsets(text, facts)
