"""Reviewer qualification and assignment: each requirement alone excludes, conflicts are
found whatever the spelling, preferences order as reviewers.yaml says, the choice does not
depend on roster order, and nobody unqualified is ever assigned."""

from __future__ import annotations

import copy
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimr.errors import UserError
from openimr.service.assignment import (
    Assignment,
    CaseNeeds,
    NotQualified,
    check_named,
    choose,
    qualifications,
)
from openimr.service.roster import (
    RULES,
    ReviewerProfile,
    load_reviewer_rules,
    load_specialties,
    parse_roster,
    read_rules,
    reviewer_rules,
    specialties,
    specialty,
)
from openimr.vocabulary import vocabulary

PARTIES = [
    "Acme Logistics, Inc.",  # employer
    "State Compensation Insurance Fund",  # insurer
    "Golden Claims Services LLC",  # claims administrator
    "Dr. Alan Smith, M.D.",  # requesting physician
    "Valley Orthopaedic Medical Group",  # medical group
    "Maria Lopez",  # employee
]


def reviewer(rid: str = "r-1", **changes: object) -> ReviewerProfile:
    data: dict[str, object] = {
        "id": rid,
        "name": f"Reviewer {rid}",
        "licence_states": ["CA"],
        "board_certifications": ["Physical Medicine and Rehabilitation"],
        "specialties": [],
        "years_in_practice": 12,
        "hours_per_week": 32,
        "affiliations": ["Sierra Health Partners"],
        "active": True,
    }
    data.update(changes)
    return ReviewerProfile.model_validate(data)


def needs(**changes: object) -> CaseNeeds:
    data: dict[str, object] = {"parties": PARTIES, "service_kinds": ["physical_therapy"]}
    data.update(changes)
    return CaseNeeds.model_validate(data)


def failed(profile: ReviewerProfile, case: CaseNeeds | None = None) -> list[str]:
    return [c.code for c in qualifications(profile, case or needs()) if not c.passed]


# --------------------------------------------------------------------------- the data files


def test_every_service_kind_is_mapped_to_known_specialties() -> None:
    data = specialties()
    assert set(data.service_specialties) == set(vocabulary().service_kinds)
    for kind, keys in data.service_specialties.items():
        assert all(k in data.specialties for k in keys), kind
        if kind != "unknown":
            assert keys, f"{kind} has no treating specialty"


def test_psychological_services_map_to_psychiatry_and_psychology() -> None:
    data = specialties()
    for kind in ("psychological_evaluation", "psychotherapy"):
        assert set(data.for_service(kind)) == {"psychiatry", "psychology"}
    assert "chiropractic" in data.for_service("chiropractic")
    assert "neurology" in data.for_service("emg_ncv")


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("PM&R", "physical_medicine_and_rehabilitation"),
        ("pm & r", "physical_medicine_and_rehabilitation"),
        ("Physiatry", "physical_medicine_and_rehabilitation"),
        ("Ortho", "orthopaedic_surgery"),
        ("orthopedic surgery", "orthopaedic_surgery"),
        ("Occupational & Environmental Medicine", "occupational_medicine"),
        ("L.Ac.", "acupuncture"),
        ("psychiatry", "psychiatry"),
        ("pain_medicine", "pain_medicine"),
    ],
)
def test_aliases_normalise_to_one_key(spelling: str, key: str) -> None:
    assert specialty(spelling) == key
    profile = reviewer(board_certifications=[spelling], specialties=[spelling])
    assert profile.board_certifications == [key]
    assert profile.specialties == [key]


def test_similarity_depends_on_the_disputed_service() -> None:
    data = specialties()
    # Psychology is similar to psychiatry over psychological services, not over a drug.
    assert data.similar_groups("psychology", "psychiatry", ["psychotherapy"])
    assert not data.similar_groups("psychology", "psychiatry", ["benzodiazepine"])
    # Neurology is similar to PM&R for electrodiagnostics only.
    assert data.similar_groups("neurology", "physical_medicine_and_rehabilitation", ["emg_ncv"])
    assert not data.similar_groups("neurology", "physical_medicine_and_rehabilitation", ["mri"])
    # Musculoskeletal and pain groups hold whatever the service.
    for pair in (
        ("orthopaedic_surgery", "occupational_medicine"),
        ("anesthesiology", "pain_medicine"),
    ):
        assert data.similar_groups(*pair, ["nsaid"])
    assert not data.similar_groups("chiropractic", "psychiatry", ["chiropractic"])


def test_reviewer_rules_carry_the_thresholds_and_citations() -> None:
    rules = reviewer_rules()
    assert rules.requirements["years_in_practice"].more_than == 5
    assert rules.requirements["hours_per_week"].at_least == 24
    assert [p.key for p in rules.preferences][:2] == ["licensed_in_state", "exact_specialty"]
    for req in rules.requirements.values():
        assert req.citation and req.verification


def test_the_loaders_refuse_inconsistent_data() -> None:
    raw = read_rules("specialties.yaml")
    clash = copy.deepcopy(raw)
    clash["specialties"]["anesthesiology"]["aliases"].append("Physiatry")
    with pytest.raises(UserError, match="'Physiatry' names both"):
        load_specialties(clash)
    missing = copy.deepcopy(raw)
    del missing["service_specialties"]["mri"]
    with pytest.raises(UserError, match=r"lacks service kinds \['mri'\]"):
        load_specialties(missing)
    typo = copy.deepcopy(raw)
    typo["similar"]["pain"]["members"].append("pain_medicin")
    with pytest.raises(UserError, match=r"similar\.pain names unknown specialties"):
        load_specialties(typo)
    rules = read_rules("reviewers.yaml")
    no_threshold = copy.deepcopy(rules)
    del no_threshold["requirements"]["hours_per_week"]["at_least"]
    with pytest.raises(UserError, match="hours_per_week needs at_least"):
        load_reviewer_rules(no_threshold)
    unknown = copy.deepcopy(rules)
    unknown["preferences"][0]["key"] = "seniority"
    with pytest.raises(UserError, match=re.escape(f"{RULES}/reviewers.yaml: preferences.0.key")):
        load_reviewer_rules(unknown)


# --------------------------------------------------------------------------- the roster


def test_unknown_specialty_is_refused_with_near_matches() -> None:
    with pytest.raises(UserError) as err:
        reviewer(specialties=["Orthopedic Surgry"])
    message = str(err.value)
    assert "specialties[0]" in message
    assert "Orthopedic Surgry" in message
    assert "Orthopaedic Surgery" in message
    with pytest.raises(UserError, match=r"board_certifications\[1\].*Psychology"):
        reviewer(board_certifications=["Psychiatry", "Psycology"])


def test_unknown_specialty_without_near_match_still_names_the_field() -> None:
    with pytest.raises(UserError, match=r"treating_specialties\[0\]: unknown specialty 'zzz'"):
        needs(treating_specialties=["zzz"])


def test_licence_states_are_upper_cased_and_checked() -> None:
    assert reviewer(licence_states=["ca", " nv "]).licence_states == ["CA", "NV"]
    with pytest.raises(UserError, match=r"licence_states\[0\]"):
        reviewer(licence_states=["California"])


def test_to_reviewer_gives_letter_credentials() -> None:
    letter = reviewer(licence_states=["CA", "NV"], board_certifications=["Occ Med"]).to_reviewer()
    assert letter.kind == "physician_reviewer"
    assert letter.licensure == ["California", "Nevada"]
    assert letter.specialties == ["Occupational Medicine"]
    assert letter.board_certified is True
    chiro = reviewer(board_certifications=["Chiropractor"]).to_reviewer()
    assert chiro.kind == "expert_reviewer"
    assert chiro.specialties == ["Chiropractic"]


def test_parse_roster_names_entry_and_field_and_refuses_duplicate_ids() -> None:
    good = reviewer().model_dump()
    with pytest.raises(UserError, match=r"roster\[1\].*hours_per_week"):
        parse_roster([good, {**good, "id": "r-2", "hours_per_week": -1}])
    with pytest.raises(UserError, match="appears twice"):
        parse_roster([good, good])
    assert [p.id for p in parse_roster([good, {**good, "id": "r-2"}])] == ["r-1", "r-2"]


# --------------------------------------------------------------------------- the checks


def test_a_fully_qualified_reviewer_passes_every_check() -> None:
    checks = qualifications(reviewer(), needs())
    assert [c.code for c in checks] == list(reviewer_rules().requirements)
    assert all(c.passed for c in checks)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"board_certifications": [], "specialties": ["PM&R"]}, "board_certified"),
        ({"licence_states": []}, "licensed"),
        ({"years_in_practice": 5.0}, "years_in_practice"),
        ({"hours_per_week": 23.5}, "hours_per_week"),
        ({"affiliations": ["Golden Claims Services LLC"]}, "no_affiliation"),
        ({"board_certifications": ["Psychiatry"]}, "specialty"),
        ({"active": False}, "active"),
    ],
)
def test_each_requirement_failing_alone_excludes(changes: dict, code: str) -> None:
    profile = reviewer(**changes)
    assert failed(profile) == [code]
    result = choose([profile], needs())
    assert result.reviewer_id is None
    assert not result.candidates[0].eligible
    with pytest.raises(NotQualified) as err:
        check_named(profile, needs())
    assert [c.code for c in err.value.checks] == [code]


def test_years_boundary_is_strictly_more_than_five() -> None:
    assert "years_in_practice" in failed(reviewer(years_in_practice=5.0))
    assert "years_in_practice" not in failed(reviewer(years_in_practice=5.1))


def test_hours_boundary_is_at_least_twenty_four() -> None:
    assert "hours_per_week" in failed(reviewer(hours_per_week=23.5))
    assert "hours_per_week" not in failed(reviewer(hours_per_week=24))


@pytest.mark.parametrize(
    "affiliation",
    [
        "ACME LOGISTICS INC",
        "acme logistics",
        "Acme  Logistics, Inc",
        "state compensation insurance fund",
        "VALLEY ORTHOPAEDIC MEDICAL GROUP.",
        "Alan Smith MD",
        "maria lopez",
    ],
)
def test_affiliation_with_a_party_in_other_case_or_punctuation_is_a_conflict(
    affiliation: str,
) -> None:
    checks = {c.code: c for c in qualifications(reviewer(affiliations=[affiliation]), needs())}
    assert not checks["no_affiliation"].passed
    assert " ".join(affiliation.split()) in checks["no_affiliation"].text


def test_a_different_name_is_not_a_conflict() -> None:
    profile = reviewer(affiliations=["Acme Logistics West", "Alan Smithson MD"])
    assert "no_affiliation" not in failed(profile)


def test_a_reviewer_who_is_a_party_is_conflicted() -> None:
    profile = reviewer(name="Alan Smith", affiliations=[])
    assert failed(profile) == ["no_affiliation"]


def test_specialty_same_or_similar() -> None:
    # PT is treated by PM&R, orthopaedics, occupational medicine: sports medicine is similar.
    assert failed(reviewer(board_certifications=["Sports Medicine"])) == []
    # The treating physician's specialty counts too.
    case = needs(service_kinds=["unknown"], treating_specialties=["Psychiatry"])
    assert failed(reviewer(board_certifications=["Psychiatry"]), case) == []
    # A case naming no specialty to match cannot be matched.
    assert failed(reviewer(), needs(service_kinds=["unknown"])) == ["specialty"]


def test_psychologist_is_similar_only_for_psychological_services() -> None:
    psychologist = reviewer(board_certifications=["Clinical Psychology"])
    drug = needs(service_kinds=["benzodiazepine"], treating_specialties=["Psychiatry"])
    therapy = needs(service_kinds=["psychotherapy"], treating_specialties=["Psychiatry"])
    assert failed(psychologist, drug) == ["specialty"]
    assert failed(psychologist, therapy) == []


def test_case_needs_refuses_bad_input_naming_the_field() -> None:
    with pytest.raises(UserError, match="parties"):
        needs(parties=[])
    with pytest.raises(UserError, match=r"service_kinds\[0\].*physical_therapy"):
        needs(service_kinds=["physical_therapi"])
    with pytest.raises(UserError, match="state"):
        needs(state="Calif")


# --------------------------------------------------------------------------- the choice


def test_california_licence_beats_an_exact_specialty() -> None:
    # r-b: in California, similar specialty; r-a: Nevada only, same specialty.
    similar_ca = reviewer("r-b", board_certifications=["Sports Medicine"])
    exact_nv = reviewer("r-a", licence_states=["NV"])
    result = choose([exact_nv, similar_ca], needs())
    assert result.reviewer_id == "r-b"
    passed = {c.reviewer_id: c for c in result.candidates}
    assert passed["r-b"].specialty_match == "similar"
    assert passed["r-a"].specialty_match == "exact"
    assert "not licensed in California" in (passed["r-a"].passed_over or "")


def test_exact_specialty_beats_similar_among_california_reviewers() -> None:
    similar = reviewer("r-a", board_certifications=["Sports Medicine"])
    exact = reviewer("r-b")
    result = choose([similar, exact], needs(), load={"r-b": 9})
    assert result.reviewer_id == "r-b"
    assert "similar specialty" in (result.candidates[1].passed_over or "")


def test_lower_load_then_id_decide_between_equals() -> None:
    a, b, c = reviewer("r-a"), reviewer("r-b"), reviewer("r-c")
    assert choose([a, b, c], needs(), load={"r-a": 4, "r-b": 1, "r-c": 1}).reviewer_id == "r-b"
    assert choose([c, b, a], needs()).reviewer_id == "r-a"
    result = choose([a, b], needs(), load={"r-a": 2, "r-b": 5})
    assert "5 open cases" in (result.candidates[1].passed_over or "")


def test_out_of_state_reviewer_is_chosen_when_no_california_one_qualifies() -> None:
    nevada = reviewer("r-nv", licence_states=["NV"])
    conflicted = reviewer("r-ca", affiliations=["Maria Lopez"])
    result = choose([conflicted, nevada], needs())
    assert result.reviewer_id == "r-nv"
    assert "no qualified reviewer is licensed in California" in result.explanation


def test_no_qualified_reviewer_gives_none_and_lists_failures() -> None:
    roster = [reviewer("r-1", years_in_practice=3), reviewer("r-2", active=False)]
    result = choose(roster, needs())
    assert result.reviewer_id is None
    assert "r-1: 3 years in active clinical practice" in result.explanation
    assert "r-2: inactive" in result.explanation
    assert all(c.passed_over for c in result.candidates)
    assert choose([], needs()).reviewer_id is None


def test_explanation_names_the_chosen_and_why_others_were_passed_over() -> None:
    roster = [
        reviewer("r-1"),
        reviewer("r-2", affiliations=["GOLDEN CLAIMS SERVICES"]),
        reviewer("r-3", hours_per_week=10),
        reviewer("r-4", licence_states=["OR"]),
    ]
    result = choose(roster, needs())
    assert result.reviewer_id == "r-1"
    text = result.explanation
    assert text.startswith("Reviewer r-1 is assigned")
    assert "3 other reviewer(s) passed over (2 not qualified, 1 qualified" in text
    assert "r-2: is affiliated with 'GOLDEN CLAIMS SERVICES'" in text
    assert "r-3: practising 10 hours a week" in text
    assert "r-4: qualified, but not licensed in California" in text
    assert [c.reviewer_id for c in result.candidates] == ["r-1", "r-4", "r-2", "r-3"]
    assert [c.rank for c in result.candidates] == [1, 2, None, None]


def test_duplicate_ids_and_bad_loads_are_refused() -> None:
    with pytest.raises(UserError, match="appears twice"):
        choose([reviewer("r-1"), reviewer("r-1")], needs())
    with pytest.raises(UserError, match=r"load\[r-1\]"):
        choose([reviewer("r-1")], needs(), load={"r-1": -1})


# A roster with qualified, similar, out-of-state, loaded and unqualified reviewers.
ROSTER = [
    reviewer("r-01"),
    reviewer("r-02", board_certifications=["Ortho"]),
    reviewer("r-03", licence_states=["NV", "AZ"]),
    reviewer("r-04", board_certifications=["Sports Medicine"]),
    reviewer("r-05", years_in_practice=5),
    reviewer("r-06", affiliations=["acme logistics"]),
    reviewer("r-07", board_certifications=["Psychiatry"]),
    reviewer("r-08"),
    reviewer("r-09", active=False),
]


@given(
    order=st.permutations(ROSTER),
    load=st.dictionaries(
        st.sampled_from([r.id for r in ROSTER]), st.integers(min_value=0, max_value=3)
    ),
)
def test_choice_does_not_depend_on_roster_order(
    order: list[ReviewerProfile], load: dict[str, int]
) -> None:
    expected = choose(ROSTER, needs(), load=load)
    got = choose(order, needs(), load=load)
    assert got == expected
    # Whoever is chosen passes every check, and no better-ranked reviewer was skipped.
    chosen = next(c for c in got.candidates if c.reviewer_id == got.reviewer_id)
    assert chosen.eligible and all(c.passed for c in chosen.checks)
    for cand in got.candidates[1:]:
        if cand.eligible:
            assert (
                not chosen.licensed_in_state,
                chosen.specialty_match != "exact",
                chosen.load,
            ) <= (
                not cand.licensed_in_state,
                cand.specialty_match != "exact",
                cand.load,
            )


@given(st.lists(st.sampled_from(ROSTER), unique_by=lambda r: r.id))
def test_nobody_unqualified_is_ever_chosen(roster: list[ReviewerProfile]) -> None:
    result = choose(roster, needs())
    qualified = {r.id for r in roster if not failed(r)}
    assert (result.reviewer_id is None) == (not qualified)
    if result.reviewer_id is not None:
        assert result.reviewer_id in qualified
    assert {c.reviewer_id for c in result.candidates} == {r.id for r in roster}


# --------------------------------------------------------------------------- a named reviewer


def test_check_named_allows_a_qualified_reviewer() -> None:
    result = check_named(reviewer("r-nv", licence_states=["NV"]), needs())
    assert isinstance(result, Assignment)
    assert result.reviewer_id == "r-nv"
    assert "named by the coordinator" in result.explanation
    assert "Not licensed in California, which is preferred, not required" in result.explanation


def test_check_named_refuses_a_conflicted_reviewer() -> None:
    with pytest.raises(UserError) as err:
        check_named(reviewer(affiliations=["Valley Orthopaedic Medical Group, Inc."]), needs())
    assert "cannot be assigned" in str(err.value)
    assert "Valley Orthopaedic Medical Group" in str(err.value)


def test_check_named_refuses_an_unqualified_reviewer_listing_every_failure() -> None:
    profile = reviewer(years_in_practice=2, hours_per_week=8)
    with pytest.raises(NotQualified) as err:
        check_named(profile, needs())
    assert [c.code for c in err.value.checks] == ["years_in_practice", "hours_per_week"]
    assert "2 years" in str(err.value) and "8 hours" in str(err.value)
