"""`openimr guidelines list | show | check` through the real command line group."""

from __future__ import annotations

from click.testing import CliRunner

from openimr.cli import cli

from .conftest import TinyPack


def run(*args: str):
    return CliRunner().invoke(cli, ["guidelines", *args])


def test_check_passes_on_the_bundled_pack() -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: pack mtus")


def test_list_prints_one_line_per_rule_sorted() -> None:
    result = run("list")
    assert result.exit_code == 0
    lines = result.output.splitlines()[:-1]
    ids = [line.split()[0] for line in lines]
    assert ids == sorted(ids)
    assert "acupuncture.amtg_2009" in ids


def test_list_by_date_shows_the_edition_in_force() -> None:
    result = run("list", "--date", "2018-01-02")
    ids = [line.split()[0] for line in result.output.splitlines()[:-1]]
    assert "acupuncture.acoem_2017" in ids
    assert "acupuncture.amtg_2009" not in ids


def test_show_acupuncture_in_plain_language() -> None:
    result = run("show", "acupuncture.amtg_2009")
    assert result.exit_code == 0
    text = result.output
    assert "8 CCR 9792.24.1" in text
    assert "Acupuncture Medical Treatment Guidelines" in text
    assert "Verification: V" in text
    assert "In force: 2009-07-18 to 2017-11-30" in text
    assert "Limits:" in text and "at most 6 treatments" in text
    assert "Criteria:" in text and "Pain medication is reduced or not tolerated." in text
    assert "Exceptions:" in text and "functional improvement" in text
    assert "if not documented:" in text


def test_show_unknown_rule_is_a_user_error() -> None:
    result = run("show", "no.such.rule")
    assert result.exit_code == 2
    assert "openimr: error: no rule 'no.such.rule'" in result.stderr


def test_check_reports_every_problem_of_a_bad_pack(tiny: TinyPack) -> None:
    del tiny.rule["citation"]
    tiny.rule["visits_max"] = 6
    result = run("check", "--pack", str(tiny.write()))
    assert result.exit_code == 1
    assert "FAIL topics/massage.yaml: rule massage.test: citation: Field required" in result.output
    assert "visits_max: unknown key" in result.output


def test_check_requires_two_golden_cases_per_rule(tiny: TinyPack) -> None:
    result = run("check", "--pack", str(tiny.write()))
    assert result.exit_code == 1
    assert "rule massage.test: 0 golden case(s), needs at least 2" in result.output


def test_check_reports_a_failing_golden_case(tiny: TinyPack) -> None:
    tiny.cases = [
        {
            "id": "c1",
            "description": "d",
            "date": "2014-01-01",
            "request": {
                "text": "Massage x6",
                "service": "massage",
                "quantity": 6,
                "phase": "initial_trial",
            },
            "facts": {"functional_improvement_documented": True},
            "expect": {"rule": "massage.test", "verdict": "not_met"},
        }
    ]
    result = run("check", "--pack", str(tiny.write()))
    assert result.exit_code == 1
    assert "case c1: verdict met, expected not_met" in result.output


def test_bad_pack_is_one_line_on_the_real_command(tiny: TinyPack) -> None:
    import subprocess
    import sys

    tiny.rule["effective"]["from"] = "2009-02-30"
    root = tiny.write()
    done = subprocess.run(
        [sys.executable, "-m", "openimr.cli", "guidelines", "list", "--pack", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "openimr: error: topics/massage.yaml: rule massage.test: effective.from"
    )


def test_show_says_how_each_criterion_is_answered() -> None:
    result = run("show", "acupuncture.amtg_2009")
    assert result.exit_code == 0
    assert "answered by: the case's functional improvement status" in result.output
    assert "answered by: sessions of the same modality the records count" in result.output


def _two_passing_cases() -> list[dict]:
    """Two cases for the massage rule and two the catch-all decides (an unknown service)."""
    massage = {"text": "Massage x6", "service": "massage", "quantity": 6, "phase": "initial_trial"}
    other = {"text": "Shockwave x3", "service": "unknown"}
    judged = {
        "rule": "catch_all.test",
        "verdict": "not_documented",
        "decided_by": "physician_judgement_required",
    }
    return [
        {"id": f"c{i}", "description": "d", "date": "2014-01-01", "request": massage,
         "facts": {"functional_improvement_documented": shown},
         "expect": {"rule": "massage.test", "verdict": verdict}}
        for i, (shown, verdict) in enumerate([(True, "met"), (False, "not_met")])
    ] + [
        {"id": f"j{i}", "description": "d", "date": "2014-01-01", "request": other, "facts": {},
         "expect": judged}
        for i in range(2)
    ]  # fmt: skip


def test_check_fails_on_a_predicate_nothing_answers(tiny: TinyPack) -> None:
    tiny.cases = _two_passing_cases()
    result = run("check", "--pack", str(tiny.write()))
    assert result.exit_code == 1
    assert (
        "FAIL predicate 'functional_improvement_documented' is used by rules but has neither "
        "answered_by nor physician_assessed"
    ) in result.output


def test_check_passes_a_predicate_declared_physician_assessed(tiny: TinyPack) -> None:
    tiny.cases = _two_passing_cases()
    for predicate in tiny.predicates["predicates"]:
        predicate["physician_assessed"] = "a clinical judgement"
    result = run("check", "--pack", str(tiny.write()))
    assert result.exit_code == 0, result.output
    assert "assessed by the physician reviewer" in result.output
    assert "functional_improvement_documented" in result.output.splitlines()[-1]


def test_a_predicate_cannot_be_both_answered_and_physician_assessed(tiny: TinyPack) -> None:
    tiny.cases = _two_passing_cases()
    first = tiny.predicates["predicates"][1]
    first["answered_by"] = {"presence": {"fact": "home_exercise_program"}}
    first["physician_assessed"] = "a clinical judgement"
    result = run("check", "--pack", str(tiny.write()))
    assert result.exit_code == 1
    assert "either answered_by the records or physician_assessed, not both" in result.output
