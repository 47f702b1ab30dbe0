"""Score labelled cases: JSON Lines files of case files whose requests say what the decision
should be, reviewed and compared with what openimr decides.

Each line is a case in the form ``openimr review`` reads, plus labels: on every request
``expected`` (Upheld / Overturned) and optionally ``service`` (the service kind to report the
item under); on the case optionally ``style`` (how the case is written). Other label keys of
a request (``rule``, ``criteria``, ``uncertain``) are the author's notes. Every label is
removed before the case is read, so that the engine never sees one and each determination is
the one ``openimr review`` gives for the unlabelled case.

The figures are those of ``shared/eval/score.py`` (``metrics.scores``), overall, per writing
style and per service; every miss names the criteria that decided our side.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import computed_field

from openimr.corpus.metrics import DECISIONS, Scores, scores
from openimr.corpus.replay import deciding_criterion
from openimr.errors import UserError, failure_message
from openimr.intake.case_file import case_from_data, intake_case, jsonl_lines
from openimr.intake.documents import check_file
from openimr.intake.limits import MAX_JSONL_BYTES, MAX_JSONL_LINE_BYTES, MAX_NESTING
from openimr.model import Case, Decision, Model
from openimr.review.engine import review_case

REQUEST_LABELS = ("expected", "service", "rule", "criteria", "uncertain")
"""Keys of a request that are labels, never case data."""
CASE_LABELS = ("style",)
NO_GROUP = "(none)"
"""The group of a case with no style."""


class LabelledCase(Model):
    """One line: the case as review reads it (labels removed) and its labels."""

    where: str
    case: Case
    style: str | None
    expected: list[Decision]
    services: list[str | None]
    """Each request's ``service`` label, if it has one."""


class LabelledOutcome(Model):
    """One labelled item and what openimr decided for it."""

    where: str
    """``file:line`` of the case."""
    case_id: str
    request: str
    style: str | None
    service: str
    """The ``service`` label, else the service kind openimr read from the request."""
    expected: Decision
    ours: Decision | None
    """None: left to physician judgement."""
    deciding_criterion: str | None = None
    reason: str | None = None
    """Why the item went to physician judgement."""


class LabelledReport(Model):
    cases: int
    failed: list[str]
    """One line per case that could not be read: ``file:line: what is wrong``."""
    overall: Scores
    styles: dict[str, Scores]
    services: dict[str, Scores]
    outcomes: list[LabelledOutcome]

    @computed_field
    @property
    def misses(self) -> list[LabelledOutcome]:
        """Items decided otherwise than expected, or left to physician judgement."""
        return [o for o in self.outcomes if o.ours != o.expected]


# --- reading ---------------------------------------------------------------------------------


def _lines(path: Path) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines without their ending; None for a line over the limit (skipped unread)."""
    check_file(path, max_bytes=MAX_JSONL_BYTES)
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise UserError(f"cannot read ({exc.strerror})", source=str(path)) from None
    with stream:
        yield from enumerate(jsonl_lines(stream), start=1)


def _json(raw: bytes, where: str, first: bool) -> Any:
    try:
        text = raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError:
        raise UserError("not UTF-8 text", source=where) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"not JSON: {exc.msg} (column {exc.colno})", source=where) from None
    except ValueError:
        raise UserError("not JSON: a number with too many digits", source=where) from None
    except RecursionError:
        raise UserError(f"nested more than {MAX_NESTING} levels deep", source=where) from None


def _labels(data: Any, where: str) -> tuple[Any, str | None, list[Decision], list[str | None]]:
    """The case without its labels, and the labels; a label that is wrong is refused."""
    if not isinstance(data, dict) or not isinstance(data.get("requests"), list):
        return data, None, [], []  # not a case: case_from_data says what is wrong
    style = data.get("style")
    if style is not None and not isinstance(style, str):
        raise UserError("style: a writing style is a name (a string)", source=where)
    expected: list[Decision] = []
    services: list[str | None] = []
    requests = []
    for index, request in enumerate(data["requests"]):
        if not isinstance(request, dict):
            requests.append(request)  # case_from_data says what is wrong
            continue
        field = f"requests[{index}]"
        if "expected" not in request:
            raise UserError(f"{field}: no expected decision (Upheld or Overturned)", source=where)
        if request["expected"] not in DECISIONS:
            raise UserError(
                f"{field}.expected: {request['expected']!r} is not Upheld or Overturned",
                source=where,
            )
        service = request.get("service")
        if service is not None and (not isinstance(service, str) or not service.strip()):
            raise UserError(f"{field}.service: a service is a name (a string)", source=where)
        expected.append(request["expected"])
        services.append(service)
        requests.append({k: v for k, v in request.items() if k not in REQUEST_LABELS})
    case = {k: v for k, v in data.items() if k not in CASE_LABELS}
    return {**case, "requests": requests}, style, expected, services


def read_labelled(raw: bytes, where: str, *, first: bool = False) -> LabelledCase:
    """One line of a labelled file: the case as review reads it, and its labels."""
    data, style, expected, services = _labels(_json(raw, where, first), where)
    case = case_from_data(data, where, sha256=hashlib.sha256(raw).hexdigest())
    return LabelledCase(where=where, case=case, style=style, expected=expected, services=services)


LabelledSource = tuple[str, Callable[[], LabelledCase]]


def labelled_sources(path: Path) -> Iterator[LabelledSource]:
    """The labelled cases of one file, each to be read on its own (a bad line does not stop
    the others); a file that cannot be read at all is one source that fails."""
    try:
        for number, raw in _lines(path):
            where = f"{path}:{number}"
            if raw is None:
                yield (
                    where,
                    _fails(
                        UserError(
                            f"the line is over the limit of {MAX_JSONL_LINE_BYTES:,} bytes",
                            source=where,
                        )
                    ),
                )
            elif raw.strip():
                yield where, lambda r=raw, w=where, f=number == 1: read_labelled(r, w, first=f)
    except UserError as exc:
        yield str(path), _fails(exc)


def _fails(error: UserError) -> Callable[[], LabelledCase]:
    def fail() -> LabelledCase:
        raise error

    return fail


# --- scoring ---------------------------------------------------------------------------------


def score_case(labelled: LabelledCase) -> list[LabelledOutcome]:
    """Review the case (as ``openimr review`` does) and compare each item with its label."""
    review = review_case(intake_case(labelled.case))
    case = labelled.case
    outcomes = []
    for item, expected, service in zip(
        review.items, labelled.expected, labelled.services, strict=True
    ):
        ours = item.decision
        outcomes.append(
            LabelledOutcome(
                where=labelled.where,
                case_id=case.case_id,
                request=ours.request,
                style=labelled.style,
                service=service or ours.service,
                expected=expected,
                ours=ours.decision,
                deciding_criterion=deciding_criterion(item, expected)
                if ours.decision != expected
                else None,
                reason=ours.rationale if ours.decision is None else None,
            )
        )
    return outcomes


def _grouped(outcomes: list[LabelledOutcome], key: Callable[[LabelledOutcome], str]):
    groups: dict[str, list[LabelledOutcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[key(outcome)].append(outcome)
    return {name: _scores(groups[name]) for name in sorted(groups)}


def _scores(outcomes: Iterable[LabelledOutcome]) -> Scores:
    return scores((o.expected, o.ours) for o in outcomes)


def labelled_report(outcomes: list[LabelledOutcome], cases: int, failed: list[str]):
    return LabelledReport(
        cases=cases,
        failed=failed,
        overall=_scores(outcomes),
        styles=_grouped(outcomes, lambda o: o.style or NO_GROUP),
        services=_grouped(outcomes, lambda o: o.service),
        outcomes=outcomes,
    )


def score_labelled(
    paths: Iterable[Path],
    *,
    on_error: Callable[[str], None] = lambda message: None,
    advance: Callable[[], None] = lambda: None,
) -> LabelledReport:
    """Score each case on its own: a line that cannot be read (or a wrong label) is reported
    in one line and the rest are still scored."""
    outcomes: list[LabelledOutcome] = []
    failed: list[str] = []
    cases = 0
    for path in paths:
        for where, read in labelled_sources(path):
            try:
                found = score_case(read())
            except Exception as exc:  # a bug must not lose the rest of the batch either
                message = failure_message(where, exc)
                if isinstance(exc, UserError) and exc.source is None:
                    message = f"{where}: {message}"  # e.g. the review's refusal of a date
                failed.append(message)
                on_error(message)
                continue
            finally:
                advance()
            cases += 1
            outcomes += found
    return labelled_report(outcomes, cases, failed)
