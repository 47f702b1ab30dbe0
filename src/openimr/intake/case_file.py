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
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from openimr.errors import UserError
from openimr.intake.dates import find_dates, parse_date
from openimr.intake.documents import check_file, read_raw_document, repair_mapped, repair_text
from openimr.intake.facts import case_level_facts, extract_facts, principal_regions
from openimr.intake.limits import (
    MAX_CASE_CHARACTERS,
    MAX_JSONL_BYTES,
    MAX_JSONL_LINE_BYTES,
    MAX_NESTING,
    MAX_REQUESTS,
    MAX_VALUES,
)
from openimr.intake.numbers import ImplausibleValue
from openimr.intake.published.reader import detect_layout, is_known_layout, parse_letter_text
from openimr.intake.published.record import LetterRecord
from openimr.intake.requests import parse_request
from openimr.model import Case, DatedEvent, Evidence, Fact, Intake, Patient, Record, Request
from openimr.yamlload import load_yaml

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
        if isinstance(value, list) and len(value) > MAX_REQUESTS:
            raise ValueError(
                f"{len(value):,} requests, over the limit of {MAX_REQUESTS} items in one case"
            )
        return value


def _request(text: str, guideline: str | None, field: str, source: str) -> Request:
    """A request title read; a count in it that cannot be real is refused naming the field."""
    try:
        return parse_request(text, guideline)
    except ImplausibleValue as exc:
        raise UserError(f"{field}: {exc}", source=source) from None


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


def _check_shape(data: Any, source: str) -> None:
    """Refuse, naming the field, what no case file holds: text that is not Unicode (a lone
    surrogate from a JSON escape) and nesting deeper than any schema needs."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    seen = 0
    while stack:
        value, where, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise UserError(
                f"holds more than {MAX_VALUES:,} values (YAML aliases repeated?)", source=source
            )
        if depth > MAX_NESTING:
            raise UserError(f"nested more than {MAX_NESTING} levels deep", source=source)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                field = where or "(top level)"
                raise UserError(
                    f"{field}: holds a character that is not valid Unicode (a lone surrogate)",
                    source=source,
                ) from None
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, where, depth + 1))
                stack.append((item, f"{where}.{key}" if where else str(key), depth + 1))
        elif isinstance(value, list):
            stack += [(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]


def _check_length(case: Case, source: str) -> Case:
    characters = len(case.clinical_summary) + sum(len(r.text) for r in case.records)
    if characters > MAX_CASE_CHARACTERS:
        raise UserError(
            f"the case holds {characters:,} characters of text, over the limit of "
            f"{MAX_CASE_CHARACTERS:,}",
            source=source,
        )
    return case


def case_from_data(data: Any, source: str = "<data>", *, sha256: str | None = None) -> Case:
    """A Case from the parsed JSON/YAML of a case file. Texts are kept as supplied, so that
    evidence offsets point into them; intake repairs a copy for reading."""
    if not isinstance(data, dict):
        raise UserError("a case file must be a JSON/YAML object (mapping)", source=source)
    _check_shape(data, source)
    try:
        parsed = CaseFileInput.model_validate(data)
    except ValidationError as exc:
        raise UserError(_validation_message(exc), source=source) from None
    case = Case(
        case_id=parsed.case_id,
        decision_date=parsed.decision_date,
        ur_denial_date=parsed.ur_denial_date,
        clinical_summary=parsed.clinical_summary,
        records=[Record(date=r.date, kind=r.kind, text=r.text) for r in parsed.records],
        requests=[],
        patient=Patient(date_of_injury=parsed.date_of_injury),
        input_sha256=sha256,
    )
    _check_length(case, source)
    requests = [
        _request(
            repair_text(r.text), r.claims_administrator_guideline, f"requests[{i}].text", source
        )
        for i, r in enumerate(parsed.requests)
    ]
    return case.model_copy(update={"requests": requests})


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


def _is_letter(text: str) -> bool:
    """A published letter is told by its layout's markers, not by a phrase a note may use."""
    return is_known_layout(detect_layout(text))


def case_from_text(
    text: str,
    source: str = "<text>",
    case_id: str | None = None,
    *,
    sha256: str | None = None,
    extracted: bool = False,
) -> Case:
    """A Case from a plain-text case file (or a published letter's text), as decoded.

    ``extracted``: the text was extracted from a PDF, so offsets into it cannot be checked
    against the file itself."""
    requests = list(_REQUEST_LINE.finditer(text))
    if _is_letter(text):
        try:
            return case_from_letter(repair_text(text), source, case_id, sha256=sha256)
        except UserError:
            if not requests:
                raise
    if not requests:
        raise UserError(
            "no requests found: a text case file lists each disputed item on a line "
            "starting 'Request:'",
            source=source,
        )
    decision_date = None
    if m := _DATE_LINE.search(text):
        try:
            decision_date = _date(repair_text(m["v"]))
        except ValueError as exc:
            raise UserError(f"Decision date: {exc}", source=source) from None
    if m := _CASE_ID_LINE.search(text):
        case_id = repair_text(m["v"]).strip()
    # The summary is the text with the structured lines blanked out by spaces of the same
    # length: they are not clinical content, and offsets into the summary stay offsets into
    # the file.
    summary = text
    for rx in (_REQUEST_LINE, _CASE_ID_LINE, _DATE_LINE):
        summary = rx.sub(_blank, summary)
    case = Case(
        case_id=case_id or "case",
        decision_date=decision_date,
        clinical_summary=summary,
        requests=[],
        input_sha256=sha256,
        text_origin="extracted" if extracted else "input",
    )
    _check_length(case, source)
    if len(requests) > MAX_REQUESTS:
        raise UserError(
            f"{len(requests):,} requests, over the limit of {MAX_REQUESTS} items in one case",
            source=source,
        )
    parsed = [
        _request(repair_text(m["text"]), None, f"Request line {i + 1}", source)
        for i, m in enumerate(requests)
    ]
    return case.model_copy(update={"requests": parsed})


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def case_from_letter(
    text: str, source: str = "<letter>", case_id: str | None = None, *, sha256: str | None = None
) -> Case:
    """A Case from a published Final Determination Letter: summary and item titles only."""
    record = parse_letter_text(text, source, demographics=False)
    return case_from_record(record, case_id, sha256=sha256)


def case_from_record(
    record: LetterRecord, case_id: str | None = None, *, sha256: str | None = None
) -> Case:
    """A Case from a letter already read: its clinical summary and item titles, never its
    rationales."""
    source = record.source
    requests = []
    for item in record.items:
        # A partially certified item: IMR decides only the remainder not authorized.
        partial = item.partial_certification
        request = partial.remainder if partial is not None else item.request
        if not request.strip():
            continue
        guideline = item.claims_administrator_guideline
        requests.append(
            _request(request, guideline.text if guideline else None, f"item {item.number}", source)
        )
    if not requests:
        raise UserError("the letter's items have no titles", source=source)
    return Case(
        case_id=record.header.case_number or case_id or "letter",
        decision_date=record.header.decision_date or record.header.letter_date,
        ur_denial_date=record.header.ur_denial_date,
        clinical_summary=record.clinical_summary,
        requests=requests,
        patient=Patient(date_of_injury=record.header.date_of_injury),
        input_sha256=sha256,
        # The summary is the letter's section as the letter reader assembled it.
        text_origin="extracted",
        # Not the published letter's reviewer: openimr's draft is for whoever reviews it now.
    )


def load_case(path: Path | str) -> Case:
    """Read one case file of any supported form."""
    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise UserError("is a folder; give the case files in it (for example DIR/*.json)",
                        source=source)  # fmt: skip
    if suffix in DATA_SUFFIXES:
        raw = _read_bytes(path)
        return case_from_data(_parse_data(raw, path), source, sha256=_sha256(raw))
    if suffix in TEXT_SUFFIXES:
        text = read_raw_document(path)
        return case_from_text(
            text,
            source,
            case_id=path.stem,
            sha256=_sha256(path.read_bytes()),
            extracted=suffix == ".pdf",
        )
    raise UserError(
        f"unsupported kind of case file {suffix or '(no extension)'!r}; expected "
        ".json, .yaml, .yml, .jsonl, .txt or .pdf",
        source=source,
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_bytes(path: Path) -> bytes:
    check_file(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the file ({exc.strerror})", source=str(path)) from None


def _parse_data(raw: bytes, path: Path) -> Any:
    source = str(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError("not UTF-8 text", source=source) from None
    if not text.strip():
        raise UserError("the file is empty", source=source)
    try:
        if path.suffix.lower() == ".json":
            return _json(text, source)
        return _yaml(text, source)
    except RecursionError:
        raise UserError(f"nested more than {MAX_NESTING} levels deep", source=source) from None


def _json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", source=source
        ) from None
    except ValueError:  # an integer of thousands of digits: no case file holds one
        raise UserError("invalid JSON: a number with too many digits", source=source) from None


def _yaml(text: str, source: str) -> Any:
    try:
        return load_yaml(text)
    except (ValueError, TypeError, OverflowError):  # a tagged value that is no value (`!!int x`)
        raise UserError("invalid YAML: a tagged value that cannot be read", source=source) from None
    except yaml.YAMLError as exc:
        where = ""
        if mark := getattr(exc, "problem_mark", None):
            where = f" (line {mark.line + 1}, column {mark.column + 1})"
        problem = getattr(exc, "problem", None) or "cannot parse"
        raise UserError(f"invalid YAML: {problem}{where}", source=source) from None


CaseSource = tuple[str, Callable[[], Case]]
"""Where a case comes from (``file`` or ``file:line``) and how to read it."""


def case_sources(path: Path) -> Iterator[CaseSource]:
    """The cases of one file, each to be read on its own, so one bad case does not stop the
    others: a JSON Lines file holds one case per line (split on newlines only: U+2028 and
    U+0085 are legal inside JSON strings)."""
    if path.suffix.lower() != ".jsonl" or path.is_dir():
        yield str(path), partial(load_case, path)
        return
    try:
        size = check_file(path, max_bytes=MAX_JSONL_BYTES)
        stream = path.open("rb")
    except UserError as exc:
        yield str(path), partial(_raise, exc)
        return
    except OSError as exc:
        yield (
            str(path),
            partial(_raise, UserError(f"cannot read ({exc.strerror})", source=str(path))),
        )
        return
    del size
    with stream:
        for number, raw in enumerate(jsonl_lines(stream), start=1):
            where = f"{path}:{number}"
            if raw is None:
                error = UserError(
                    f"the line is over the limit of {MAX_JSONL_LINE_BYTES:,} bytes", source=where
                )
                yield where, partial(_raise, error)
            elif raw.strip():
                yield where, partial(_case_from_line, raw, where, number == 1)


def count_cases(paths: Iterable[Path]) -> int:
    """About how many cases the files hold (a JSON Lines file: its lines, counted in chunks
    so that a huge line costs no memory), for a progress bar."""
    total = 0
    for path in paths:
        if path.suffix.lower() != ".jsonl":
            total += 1
            continue
        try:
            with path.open("rb") as stream:
                total += sum(
                    chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b"")
                )
        except OSError:
            total += 1
    return total


def jsonl_lines(stream: IO[bytes]) -> Iterator[bytes | None]:
    """Lines without their ending; None for a line over the limit (skipped unread)."""
    while line := stream.readline(MAX_JSONL_LINE_BYTES + 1):
        if len(line) > MAX_JSONL_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield line.rstrip(b"\n").removesuffix(b"\r")


def _case_from_line(raw: bytes, where: str, first: bool) -> Case:
    try:
        text = raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError:
        raise UserError("not UTF-8 text", source=where) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"invalid JSON: {exc.msg} (column {exc.colno})", source=where) from None
    except ValueError:
        raise UserError("invalid JSON: a number with too many digits", source=where) from None
    except RecursionError:
        raise UserError(f"nested more than {MAX_NESTING} levels deep", source=where) from None
    return case_from_data(data, where, sha256=_sha256(raw))


def _raise(error: UserError) -> Case:
    raise error


# --- the full intake: case, facts, dated events, regions filled ----------------------------


def case_facts(case: Case) -> list[Fact]:
    """Facts of the summary and of every record, each pointing into its own source as
    supplied: facts are read from a repaired copy, and their offsets mapped back."""
    facts = _facts_of(extract_facts, case.clinical_summary, "clinical_summary")
    for index, record in enumerate(case.records):
        facts += _facts_of(extract_facts, record.text, f"records[{index}]")
    return facts + case_level_facts(facts)


def _facts_of(extract: Callable[[str, str], list[Fact]], text: str, source: str) -> list[Fact]:
    repaired = repair_mapped(text)
    facts = extract(repaired.text, source)
    if not repaired.steps:
        return facts

    def back(evidence: Evidence) -> Evidence:
        start, end = repaired.span(evidence.start, evidence.end)
        return evidence.model_copy(update={"start": start, "end": end, "text": text[start:end]})

    return [f.model_copy(update={"evidence": [back(e) for e in f.evidence]}) for f in facts]


def fill_regions(case: Case, facts: list[Fact]) -> Case:
    """A request whose title names no body region concerns the regions of the records."""
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
    return intake_case(load_case(path))


def intake_case(case: Case) -> Intake:
    """Everything the review needs, read once: facts, the patient, dated events, regions."""
    facts = case_facts(case)
    patient = _patient(case.patient, facts)
    if case.patient.date_of_injury and not any(f.kind == DATE_OF_INJURY for f in facts):
        # Given by the case file (or a letter's header), not read from a text: no evidence.
        facts.append(Fact(kind=DATE_OF_INJURY, value=case.patient.date_of_injury))
    # The fingerprint of a case built in code (not read from bytes) is of the case as given.
    sha256 = case.input_sha256 or _sha256(case.model_dump_json().encode("utf-8"))
    case = fill_regions(case.model_copy(update={"patient": patient, "input_sha256": sha256}), facts)
    return Intake(case=case, facts=facts, events=dated_events(case, facts))


DATE_OF_INJURY = "date_of_injury"
_PATIENT_FIELDS = {"age": "age", "sex": "sex", "date_of_injury": DATE_OF_INJURY}


def _patient(given: Patient, facts: list[Fact]) -> Patient:
    """What the case file says of the patient, else what its clinical summary states."""
    found = {}
    for field, kind in _PATIENT_FIELDS.items():
        if getattr(given, field) is not None:
            continue
        stated = next((f for f in facts if f.kind == kind and _source(f) == SUMMARY), None)
        if stated is not None:
            found[field] = stated.value
    return given.model_copy(update=found)


SUMMARY = "clinical_summary"


def _source(fact: Fact) -> str | None:
    return fact.evidence[0].source if fact.evidence else None


def dated_events(case: Case, facts: list[Fact]) -> list[DatedEvent]:
    """The dated events of the case, in a stable order: the utilization review, each record
    (its date, then the dates in it), then the dates in the clinical summary. Dates that are
    the date of injury are not events of the dispute."""
    injury = {
        (e.source, e.start, e.end) for f in facts if f.kind == DATE_OF_INJURY for e in f.evidence
    }

    def mentioned(text: str, source: str, what: str) -> list[DatedEvent]:
        spans = [(s, e) for src, s, e in injury if src == source]
        return [
            DatedEvent(date=day, what=what)
            for start, end, day in find_dates(text)
            if not any(start < e and s < end for s, e in spans)
        ]

    events = [
        DatedEvent(date=f.value.date, what="the utilization review")
        for f in facts
        if f.kind == "ur_history" and f.value.date is not None
    ]
    for index, record in enumerate(case.records):
        if record.date is not None:
            events.append(
                DatedEvent(date=record.date, what=f"record {index + 1} ({record.kind or 'record'})")
            )
        events += mentioned(record.text, f"records[{index}]", f"a date in record {index + 1}")
    events += mentioned(case.clinical_summary, SUMMARY, "a date in the clinical summary")
    return events
