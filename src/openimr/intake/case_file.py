"""Case files in, a Case out: JSON, YAML, plain text, PDF, or a published letter.

The JSON/YAML form is documented by ``CaseFileInput`` (``openimr schema case`` prints its
JSON Schema). The minimal form is accepted as is::

    {"case_id": "...", "decision_date": "2014-06-01", "clinical_summary": "...",
     "records": [{"date": "...", "kind": "...", "text": "..."}],
     "requests": [{"text": "...", "claims_administrator_guideline": "..."}]}

A plain-text or PDF case file is the clinical summary, with one line per disputed item
starting ``Request:`` (also ``Requested:``, ``Disputed item:``, ``RFA:``), and optionally
``Case ID:`` and ``Decision date:`` lines. A published Final Determination Letter is
recognised by its headings: its clinical case summary and item titles become the case;
its rationales are never read.

Bad input raises ``UserError`` naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from openimr.errors import UserError
from openimr.intake.dates import parse_date
from openimr.intake.demographics import extract_patient
from openimr.intake.documents import check_file, read_document, repair_text
from openimr.intake.requests import parse_request
from openimr.model import Case, Fact, Record

DATA_SUFFIXES = (".json", ".yaml", ".yml")
TEXT_SUFFIXES = (".txt", ".text", ".pdf")


def _date(value: Any) -> Any:
    """ISO dates, and the US forms case files use ("06/01/2014", "June 1, 2014")."""
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        parsed = parse_date(text)
        if parsed is not None:
            return parsed
        raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD)")
    raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD)")


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class RequestInput(_Input):
    """One disputed item, as the request for authorization or the letter titles it."""

    text: str = Field(description="The request as written, e.g. 'Chiropractic 2x4 lumbar'.")
    claims_administrator_guideline: str | None = Field(
        default=None, description="The guideline utilization review relied on, if known."
    )

    @field_validator("text")
    @classmethod
    def _has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a request needs text (the item as the request titles it)")
        return value


class RecordInput(_Input):
    """One medical record of the case file."""

    date: dt.date | None = Field(default=None, description="Date of the record (YYYY-MM-DD).")
    kind: str | None = Field(default=None, description="e.g. 'progress note', 'MRI report'.")
    text: str = Field(description="The record's text.")

    @field_validator("date", mode="before")
    @classmethod
    def _check_date(cls, value: Any) -> Any:
        return _date(value)


class CaseFileInput(_Input):
    """An openimr case file (JSON or YAML)."""

    case_id: str = Field(min_length=1, description="Identifier of the case.")
    decision_date: dt.date | None = Field(
        default=None,
        description="Date of the decision (YYYY-MM-DD); selects the guideline edition.",
    )
    ur_denial_date: dt.date | None = Field(
        default=None, description="Date of the utilization review decision (YYYY-MM-DD)."
    )
    date_of_injury: dt.date | None = Field(
        default=None,
        description="Date of injury (YYYY-MM-DD); else read from the clinical summary.",
    )
    clinical_summary: str = Field(default="", description="The clinical case summary.")
    records: list[RecordInput] = Field(default_factory=list)
    requests: list[RequestInput] = Field(min_length=1, description="The disputed items.")

    @field_validator("decision_date", "ur_denial_date", "date_of_injury", mode="before")
    @classmethod
    def _check_decision_date(cls, value: Any) -> Any:
        return _date(value)

    @field_validator("requests", mode="before")
    @classmethod
    def _some_requests(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("a case file needs at least one request (the disputed items)")
        return value


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file."""
    schema = CaseFileInput.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "openimr case file"
    return schema


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _validation_message(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (see `openimr schema case`)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        problems.append(f"{_field_path(err['loc'])}: {msg}")
    return "; ".join(problems)


def case_from_data(data: Any, source: str = "<data>") -> Case:
    """A Case from the parsed JSON/YAML of a case file."""
    if not isinstance(data, dict):
        raise UserError("a case file must be a JSON/YAML object (mapping)", source=source)
    try:
        parsed = CaseFileInput.model_validate(data)
    except ValidationError as exc:
        raise UserError(_validation_message(exc), source=source) from None
    summary = repair_text(parsed.clinical_summary)
    patient, _ = extract_patient(summary)
    if parsed.date_of_injury is not None:
        patient = patient.model_copy(update={"date_of_injury": parsed.date_of_injury})
    return Case(
        case_id=parsed.case_id,
        decision_date=parsed.decision_date,
        ur_denial_date=parsed.ur_denial_date,
        clinical_summary=summary,
        records=[
            Record(date=r.date, kind=r.kind, text=repair_text(r.text)) for r in parsed.records
        ],
        requests=[parse_request(r.text, r.claims_administrator_guideline) for r in parsed.requests],
        patient=patient,
    )


_REQUEST_LINE = re.compile(
    r"^[ \t]*(?:requests?|requested(?:\s+(?:treatment|service|item))?|disputed\s+(?:item|"
    r"treatment|service)s?|RFA|item)\s*(?:\d+\s*)?[:\-]\s*(?P<text>\S.*?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_CASE_ID_LINE = re.compile(r"^[ \t]*case\s*(?:id|number|no\.?)\s*[:#]\s*(?P<v>\S.*?)\s*$",
                           re.IGNORECASE | re.MULTILINE)  # fmt: skip
_DATE_LINE = re.compile(r"^[ \t]*decision\s+date\s*:\s*(?P<v>\S.*?)\s*$",
                        re.IGNORECASE | re.MULTILINE)  # fmt: skip
_LETTER_MARKERS = re.compile(
    r"IMR ISSUES, DECISIONS AND RATIONALES|FINAL DETERMINATION|HOW THE IMR", re.IGNORECASE
)


def case_from_text(text: str, source: str = "<text>", case_id: str | None = None) -> Case:
    """A Case from a plain-text case file (or a published letter's text)."""
    if _LETTER_MARKERS.search(text):
        return case_from_letter(text, source, case_id)
    text = repair_text(text)
    requests = [m["text"] for m in _REQUEST_LINE.finditer(text)]
    if not requests:
        raise UserError(
            "no requests found: a text case file lists each disputed item on a line "
            "starting 'Request:'",
            source=source,
        )
    decision_date = None
    if m := _DATE_LINE.search(text):
        try:
            decision_date = _date(m["v"])
        except ValueError as exc:
            raise UserError(f"Decision date: {exc}", source=source) from None
    if m := _CASE_ID_LINE.search(text):
        case_id = m["v"]
    # The summary is everything but the structured lines (blanked, not removed, so that the
    # summary stays readable; the lines are not clinical content).
    summary = text
    for rx in (_REQUEST_LINE, _CASE_ID_LINE, _DATE_LINE):
        summary = rx.sub("", summary)
    summary = re.sub(r"\n{3,}", "\n\n", summary).strip()
    patient, _ = extract_patient(summary)
    return Case(
        case_id=case_id or "case",
        decision_date=decision_date,
        clinical_summary=summary,
        requests=[parse_request(r) for r in requests],
        patient=patient,
    )


def case_from_letter(text: str, source: str = "<letter>", case_id: str | None = None) -> Case:
    """A Case from a published Final Determination Letter: summary and item titles only."""
    try:
        from openimr.corpus.letters import parse_letter_text
    except ImportError:  # pragma: no cover - the corpus package ships with openimr
        raise UserError("reading published letters needs openimr.corpus", source=source) from None
    record = parse_letter_text(text, source)
    if not record.items:
        raise UserError("the letter has no disputed items", source=source)
    requests = []
    for item in record.items:
        if not item.request.strip():
            continue
        guideline = item.claims_administrator_guideline
        requests.append(parse_request(item.request, guideline.text if guideline else None))
    if not requests:
        raise UserError("the letter's items have no titles", source=source)
    summary = record.clinical_summary
    patient, _ = extract_patient(summary)
    if patient.date_of_injury is None and record.header.date_of_injury is not None:
        patient = patient.model_copy(update={"date_of_injury": record.header.date_of_injury})
    return Case(
        case_id=record.header.case_number or case_id or "letter",
        decision_date=record.header.decision_date or record.header.letter_date,
        ur_denial_date=record.header.ur_denial_date,
        clinical_summary=summary,
        requests=requests,
        patient=patient,
        # Not the published letter's reviewer: openimr's draft is for whoever reviews it now.
    )


def load_case(path: Path | str) -> Case:
    """Read one case file of any supported form."""
    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if suffix in DATA_SUFFIXES:
        return case_from_data(_read_data(path), source)
    if suffix in TEXT_SUFFIXES:
        return case_from_text(read_document(path), source, case_id=path.stem)
    raise UserError(
        f"unsupported kind of case file {suffix or '(no extension)'!r}; expected "
        ".json, .yaml, .yml, .txt or .pdf",
        source=source,
    )


def _read_data(path: Path) -> Any:
    source = str(path)
    check_file(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError("not UTF-8 text", source=source) from None
    if not text.strip():
        raise UserError("the file is empty", source=source)
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", source=source
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        if mark := getattr(exc, "problem_mark", None):
            where = f" (line {mark.line + 1}, column {mark.column + 1})"
        problem = getattr(exc, "problem", None) or "cannot parse"
        raise UserError(f"invalid YAML: {problem}{where}", source=source) from None


# --- the full intake: case, facts, regions filled ----------------------------------------


@dataclass
class Intake:
    """A case as read, with its clinical facts (summary first, then each record)."""

    case: Case
    facts: list[Fact]


def case_facts(case: Case) -> list[Fact]:
    """Facts of the summary and of every record, each pointing into its own source."""
    from openimr.intake.facts import case_level_facts, extract_facts

    facts = extract_facts(case.clinical_summary, "clinical_summary")
    for index, record in enumerate(case.records):
        facts += extract_facts(record.text, f"records[{index}]")
    # Time since injury is counted to the decision date, else to the latest record.
    as_of = case.decision_date or max((r.date for r in case.records if r.date), default=None)
    return facts + case_level_facts(facts, as_of)


def fill_regions(case: Case, facts: list[Fact]) -> Case:
    """A request whose title names no body region concerns the regions of the records."""
    from openimr.intake.facts import principal_regions

    missing = [i for i, r in enumerate(case.requests) if not r.body_regions]
    if not missing:
        return case
    regions = principal_regions([f for f in facts if f.evidence and f.evidence[0].source ==
                                 "clinical_summary"]) or principal_regions(facts)  # fmt: skip
    if not regions:
        return case
    requests = [
        r.model_copy(update={"body_regions": regions}) if i in missing else r
        for i, r in enumerate(case.requests)
    ]
    return case.model_copy(update={"requests": requests})


def intake(path: Path | str) -> Intake:
    """Read a case file, extract its facts, and fill request regions from the summary."""
    case = load_case(path)
    facts = case_facts(case)
    return Intake(case=fill_regions(case, facts), facts=facts)
