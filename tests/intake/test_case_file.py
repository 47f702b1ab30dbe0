"""Case files in every form, the CLI, and clear errors for bad input."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.cli import cli
from openimr.errors import UserError
from openimr.intake.case_file import case_from_data, case_schema, intake, intake_case, load_case

MINIMAL = {
    "case_id": "CM14-0001",
    "decision_date": "2014-06-01",
    "clinical_summary": (
        "The patient is a 43-year-old male with a 3/5/13 date of injury. Current diagnoses "
        "(cervical disc disorder and cervical facet syndrome). Treatment to date includes 12 "
        "previous acupuncture treatments. There is no documentation of functional improvement."
    ),
    "records": [{"date": "2014-05-20", "kind": "progress note", "text": "Neck pain 6/10."}],
    "requests": [
        {"text": "6 Additional Acupuncture Sessions", "claims_administrator_guideline": "MTUS"}
    ],
}


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_minimal_json_is_accepted_as_is(tmp_path: Path) -> None:
    case = load_case(write(tmp_path, "case.json", json.dumps(MINIMAL)))
    assert case.case_id == "CM14-0001"
    assert str(case.decision_date) == "2014-06-01"
    assert case.requests[0].service == "acupuncture"
    assert case.requests[0].quantity == 6
    assert case.requests[0].claims_administrator_guideline == "MTUS"
    assert intake_case(case).case.patient.age == 43  # demographics are read once, by intake
    assert case.records[0].kind == "progress note"


def test_optional_fields_may_be_left_out() -> None:
    case = case_from_data({"case_id": "a", "clinical_summary": "", "requests": [{"text": "PT"}]})
    assert case.decision_date is None and case.records == []
    assert case.requests[0].claims_administrator_guideline is None


def test_yaml_case_file(tmp_path: Path) -> None:
    text = (
        "case_id: Y1\n"
        "clinical_summary: 59 year old female with date of injury 5/2/1999.\n"
        "requests:\n"
        "  - text: Chiropractic 2x4 lumbar\n"
    )
    case = load_case(write(tmp_path, "case.yaml", text))
    assert case.requests[0].quantity == 8
    assert intake_case(case).case.patient.sex == "female"


def test_intake_fills_regions_from_the_summary(tmp_path: Path) -> None:
    result = intake(write(tmp_path, "case.json", json.dumps(MINIMAL)))
    assert result.case.requests[0].body_regions == ["cervical"]
    kinds = {f.kind for f in result.facts}
    assert {"prior_treatment", "functional_improvement_status", "date_of_injury"} <= kinds
    records = [f for f in result.facts if f.evidence and f.evidence[0].source == "records[0]"]
    assert any(f.kind == "pain_score" for f in records)
    for fact in result.facts:
        for ev in fact.evidence:
            src = (
                result.case.clinical_summary
                if ev.source == "clinical_summary"
                else result.case.records[int(ev.source[8:-1])].text
            )
            assert src[ev.start : ev.end] == ev.text


def test_text_case_file(tmp_path: Path) -> None:
    text = (
        "Case ID: T-7\nDecision date: 06/01/2014\n\n"
        "56 year old female who sustained an industrial injury on 04/07/2014.\n"
        "Previous treatments included acupuncture and physiotherapy.\n\n"
        "Request: 6 Physical therapy sessions for the cervical spine\n"
        "Request: Norco 10/325 #120\n"
    )
    case = load_case(write(tmp_path, "case.txt", text))
    assert case.case_id == "T-7"
    assert str(case.decision_date) == "2014-06-01"
    assert [r.service for r in case.requests] == ["physical_therapy", "opioid"]
    assert "Request:" not in case.clinical_summary


def test_pdf_case_file(tmp_path: Path) -> None:
    reportlab = pytest.importorskip("reportlab.pdfgen.canvas")
    path = tmp_path / "case.pdf"
    pdf = reportlab.Canvas(str(path))
    pdf.drawString(72, 720, "37-year-old female, date of injury 08/10/2010.")
    pdf.drawString(72, 700, "Request: Acupuncture 1 x week x 4 months (16 visits) lumbar")
    pdf.save()
    case = load_case(path)
    assert case.requests[0].quantity == 16
    assert intake_case(case).case.patient.age == 37


def test_published_letter_becomes_a_case(seed_letters, tmp_path: Path) -> None:
    path = write(tmp_path, "000.txt", seed_letters["000"])
    case = load_case(path)
    assert [r.service for r in case.requests] == ["acupuncture", "massage"]
    assert intake_case(case).case.patient.age == 37
    # the rationale is never input: its words are not in the summary
    assert "Decision rationale" not in case.clinical_summary
    assert "functional and objective improvements" not in case.clinical_summary


def test_seed_letters_fill_regions_for_001_and_003(seed_letters, seed_gold, tmp_path) -> None:
    for key, name in (("001", "001_8220bf60ca375ac6.txt"), ("003", "003_2e1617c66d1fe6e4.txt")):
        result = intake(write(tmp_path, f"{key}.txt", seed_letters[key]))
        gold = seed_gold[name]["items"]
        assert [r.body_regions for r in result.case.requests] == [i["body_regions"] for i in gold]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.json", "{not json", "invalid JSON"),
        ("bad.json", json.dumps({"case_id": "x", "requests": [{"text": ""}]}),
         "requests[0].text: a request needs text"),
        ("bad.json", json.dumps({"case_id": "x", "requests": [{"claims_administrator_guideline":
         "MTUS"}]}), "requests[0].text: required field is missing"),
        ("bad.json", json.dumps({"case_id": "x", "decision_date": "someday",
         "requests": [{"text": "PT"}]}), "decision_date: 'someday' is not a date"),
        ("bad.json", json.dumps({"case_id": "x", "requests": []}), "at least one request"),
        ("bad.json", json.dumps({"case_id": "x", "requests": [{"text": "PT"}], "extra": 1}),
         "extra: unknown field"),
        ("bad.json", json.dumps({"case_id": "x", "requests": [{"text": "PT"}],
         "records": [{"date": "2014-02-30", "text": "x"}]}), "records[0].date"),
        ("bad.json", "[1, 2]", "must be a JSON/YAML object"),
        ("bad.yaml", "case_id: [unclosed", "invalid YAML"),
        ("bad.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
        ("notes.txt", "Just some notes without any request lines.", "no requests found"),
        ("case.docx", "x", "unsupported kind of case file"),
        ("empty.json", "", "empty"),
    ],
)  # fmt: skip
def test_bad_input_names_the_file_and_the_problem(tmp_path, name, content, message) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(UserError) as info:
        load_case(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        load_case(tmp_path / "nope.json")


def test_schema_describes_the_minimal_form() -> None:
    schema = case_schema()
    assert schema["required"] == ["case_id", "requests"]
    assert set(schema["properties"]) == {
        "case_id",
        "decision_date",
        "ur_denial_date",
        "date_of_injury",
        "clinical_summary",
        "records",
        "requests",
    }


def test_case_file_dates_of_injury_and_ur_denial_are_kept() -> None:
    case = case_from_data(
        {
            "case_id": "c",
            "ur_denial_date": "2014-05-02",
            "date_of_injury": "06/01/2010",
            "clinical_summary": "A worker injured in 2009.",
            "requests": [{"text": "Acupuncture x6"}],
        }
    )
    assert case.ur_denial_date == dt.date(2014, 5, 2)
    assert case.patient.date_of_injury == dt.date(2010, 6, 1)


def test_cli_schema() -> None:
    result = CliRunner().invoke(cli, ["schema", "case"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "openimr case file"


def test_cli_facts_text_and_json(tmp_path: Path) -> None:
    path = write(tmp_path, "case.json", json.dumps(MINIMAL))
    text = CliRunner().invoke(cli, ["facts", str(path)])
    assert text.exit_code == 0, text.output
    assert "service: acupuncture" in text.output
    assert '"12 previous acupuncture treatments"' in text.output
    as_json = CliRunner().invoke(cli, ["facts", str(path), "--format", "json"])
    payload = json.loads(as_json.output)
    assert payload["case"]["requests"][0]["body_regions"] == ["cervical"]
    assert any(f["kind"] == "prior_treatment" for f in payload["facts"])


def test_cli_bad_input_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", "{not json")
    proc = subprocess.run(
        [sys.executable, "-c", "from openimr.cli import main; main()", "facts", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    assert "invalid JSON" in proc.stderr


def test_help_does_not_load_the_nlp_library() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from openimr.cli import cli; "
        "CliRunner().invoke(cli, ['facts', '--help']); "
        "CliRunner().invoke(cli, ['schema', 'case']); "
        "print('spacy' in sys.modules or 'medspacy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_demographics_and_requests_do_not_import_the_nlp_library() -> None:
    code = (
        "import sys; import openimr.intake.demographics, openimr.intake.requests, "
        "openimr.intake.case_file; "
        "print('spacy' in sys.modules or 'medspacy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(
        st.sampled_from(
            ["case_id", "decision_date", "clinical_summary", "records", "requests", "text",
             "date", "kind", "claims_administrator_guideline", "other"]
        ),
        children,
        max_size=5,
    ),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(_JSON)
def test_any_json_gives_a_case_or_a_user_error(data) -> None:
    try:
        case = case_from_data(data, "random.json")
    except UserError as exc:
        assert str(exc).startswith("random.json: ")
    else:
        assert case.requests
