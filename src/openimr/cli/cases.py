"""`openimr case`: the life of an IMR case from the command line, as a named account (``--as``),
through the same service operations as the HTTP API."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from openimr.cli.outputs import check_out, out_option, output
from openimr.cli.service import (
    as_option,
    db_option,
    echo_json,
    echo_table,
    format_option,
    message,
    principal_for,
    read_data,
    service_for,
)
from openimr.errors import UserError

_MEDIA = {".pdf": "application/pdf", ".txt": "text/plain", ".text": "text/plain"}


def _case_id(command: Any) -> Any:
    return click.argument("case_id", metavar="ID")(command)


@click.group(name="case")
def case() -> None:
    """IMR cases: file an application, gather the records, assign, decide, sign.

    Every command acts as an account of the store (--as USERNAME, or set
    OPENIMR_USER), and its role decides what it may do: a coordinator files,
    assigns and gathers records; the assigned reviewer decides and signs; a
    medical director sees every case. A reviewer is told a case not assigned
    to them does not exist. No password is asked: whoever can open the store
    file can read it all anyway (the HTTP API does ask).

    \b
    A case from application to signed letter:
      export OPENIMR_USER=coord
      openimr case file application.yaml          # prints IMR-2026-000001 eligible
      openimr case add-document IMR-2026-000001 records.pdf --kind medical_record
      openimr case assign IMR-2026-000001
      openimr case request-records IMR-2026-000001 --notice-by electronic
      openimr case records-complete IMR-2026-000001
      openimr case draft IMR-2026-000001 --as dr.lee | jq '.items[].decision'
      openimr case decide IMR-2026-000001 1 --decision Upheld --as dr.lee
      openimr case sign IMR-2026-000001 --as dr.lee
      openimr case letter IMR-2026-000001 --format pdf --out letter.pdf
    """


@case.command(name="file")
@click.argument("application", type=click.Path(path_type=Path))
@db_option
@as_option
def case_file(application: Path, db: str | None, acting: str | None) -> None:
    """File an application: a case is opened and screened.

    APPLICATION is a .json or .yaml file.
    Prints the case number and its status (eligible, ineligible or
    deferred) on the first line, then each screening reason. An application
    of the same employee, requesting physician and injury as an open case
    joins that case (8 CCR 9792.10.4).

    \b
    An application:
      employee_name: Jane Example
      employee_id: CLAIM-0042
      date_of_injury: 2013-08-10
      requesting_physician: Dr. Pat Treating
      claims_administrator: Example Claims Services
      employer: Example Employer
      filed_by: employee
      signed: true
      ur_decision_attached: true
      ur_decision_date: 2014-03-11
      filed_on: 2014-03-20
      treatments:
        - Acupuncture 1 x week x 4 months (16 visits) for the Lumbar Spine
    """
    from openimr.service.application import parse_application

    data = read_data(application)
    try:
        parsed = parse_application(data)
    except UserError as exc:
        raise UserError(str(exc), source=str(application)) from None
    with service_for(db) as service:
        filed = service.file_application(principal_for(service, acting), parsed)
    joined = " (joined an open case)" if filed.consolidated else ""
    click.echo(f"{filed.case_id}\t{filed.status}{joined}")
    for reason in filed.eligibility.get("reasons", []):
        click.echo(f"  {reason['code']}: {reason['text']}")


def _due(deadline: Any) -> str:
    if deadline.due is None:
        return "-"
    shown = deadline.due.date().isoformat()
    return f"{shown} LATE" if deadline.late else shown


@case.command(name="list")
@click.option("--status", metavar="S", help="Only cases in this status (e.g. records_requested).")
@click.option("--reviewer", "reviewer_id", metavar="R", help="Only cases assigned to reviewer R.")
@click.option("--overdue", is_flag=True, help="Only cases past a records or decision deadline.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="At most this many cases.",
)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many cases first.")
@format_option
@db_option
@as_option
def case_list(
    status: str | None,
    reviewer_id: str | None,
    overdue: bool,
    limit: int,
    offset: int,
    output_format: str,
    db: str | None,
    acting: str | None,
) -> None:
    """The queue of cases, oldest first.

    Status, reviewer, items and both deadlines of each case.
    A reviewer sees only the cases assigned to them.

    \b
    Examples:
      openimr case list --as coord
      openimr case list --overdue --as director
      openimr case list --status in_review --format json --as dr.lee
    """
    with service_for(db) as service:
        who = principal_for(service, acting)
        cases = service.list_cases(
            who,
            status=status,
            reviewer_id=reviewer_id,
            overdue=True if overdue else None,
            limit=limit,
            offset=offset,
        )
    if len(cases) == limit:
        message(f"openimr: the first {limit} cases; --offset {offset + limit} shows the next")
    if output_format == "json":
        echo_json(cases)
        return
    echo_table(
        ["CASE", "STATUS", "EXPEDITED", "REVIEWER", "ITEMS", "RECORDS DUE", "DECISION DUE"],
        [
            [
                c.id,
                c.status,
                "yes" if c.expedited else "no",
                c.reviewer_id,
                c.item_count,
                _due(c.records_due),
                _due(c.determination_due),
            ]
            for c in cases
        ],
    )


@case.command(name="show")
@_case_id
@db_option
@as_option
def case_show(case_id: str, db: str | None, acting: str | None) -> None:
    """The case as JSON.

    Status, deadlines, items, documents and assignment.
    """
    with service_for(db) as service:
        echo_json(service.get_case(principal_for(service, acting), case_id))


@case.command(name="add-document")
@_case_id
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--kind",
    required=True,
    metavar="K",
    help="What the document is: application, ur_decision, medical_record, "
    "physician_submission, employee_submission, case_summary or correspondence "
    "(rules/workflow.yaml). The draft is made from the clinical kinds.",
)
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The document's date (YYYY-MM-DD), when it has one.",
)
@db_option
@as_option
def case_add_document(
    case_id: str, file: Path, kind: str, on: dt.datetime | None, db: str | None, acting: str | None
) -> None:
    """Add a record (.txt or .pdf) to a case.

    FILE is added to case ID's records; prints the document's number.
    The same file added twice is kept once.
    """
    source = str(file)
    try:
        content = file.read_bytes()
    except FileNotFoundError:
        raise UserError("no such file", source=source) from None
    except IsADirectoryError:
        raise UserError("is a folder; give a file", source=source) from None
    except OSError as exc:
        raise UserError(f"cannot read ({exc.strerror})", source=source) from None
    media_type = _MEDIA.get(file.suffix.lower(), "application/octet-stream")
    with service_for(db) as service:
        try:
            document = service.add_document(
                principal_for(service, acting),
                case_id,
                content=content,
                filename=file.name,
                kind=kind,
                media_type=media_type,
                date=on.date() if on else None,
            )
        except UserError as exc:
            if str(exc).startswith("file:"):  # the service names the upload; name the path
                raise UserError(str(exc).removeprefix("file:").strip(), source=source) from None
            raise
    click.echo(
        f"document {document.id}\t{document.kind}\t{document.characters} characters\t"
        f"sha256 {document.sha256[:16]}"
    )


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _status_line(view: Any) -> None:
    click.echo(f"{view.id}\t{view.status}")


@case.command(name="request-records")
@_case_id
@click.option(
    "--notice-by",
    type=click.Choice(["mail", "electronic"]),
    default="mail",
    show_default=True,
    help="How the assignment notice goes out: the records clock differs (9792.10.5).",
)
@db_option
@as_option
def case_request_records(case_id: str, notice_by: str, db: str | None, acting: str | None) -> None:
    """Send the assignment notice: the records clock starts. Prints the records due date."""
    with service_for(db) as service:
        view = service.request_records(
            principal_for(service, acting),
            case_id,
            notice_by=notice_by,  # type: ignore[arg-type]
        )
    click.echo(f"{view.id}\t{view.status}\trecords due {_due(view.records_due)}")


@case.command(name="records-complete")
@_case_id
@db_option
@as_option
def case_records_complete(case_id: str, db: str | None, acting: str | None) -> None:
    """The records are complete: the decision clock starts.

    The draft is made from the records.
    """
    with service_for(db) as service:
        view = service.complete_records(principal_for(service, acting), case_id)
    click.echo(f"{view.id}\t{view.status}\tdecision due {_due(view.determination_due)}")


@case.command(name="assign")
@_case_id
@click.option(
    "--reviewer",
    "reviewer_id",
    metavar="R",
    help="Assign reviewer R if they qualify [default: the reviewer the rules choose].",
)
@db_option
@as_option
def case_assign(case_id: str, reviewer_id: str | None, db: str | None, acting: str | None) -> None:
    """Assign a reviewer; prints who and why.

    The reviewer is qualified and conflict-free.
    Without --reviewer the rules choose (specialty, licence, independence,
    load); with it, the named reviewer is checked the same way and refused
    with the reason when they do not qualify.
    """
    with service_for(db) as service:
        view = service.assign(principal_for(service, acting), case_id, reviewer_id=reviewer_id)
    assignment = view.assignment or {}
    click.echo(f"{view.id}\t{view.status}\t{view.reviewer_id}")
    if assignment.get("explanation"):
        click.echo(assignment["explanation"])  # names the reviewers passed over, and why


@case.command(name="draft")
@_case_id
@db_option
@as_option
def case_draft(case_id: str, db: str | None, acting: str | None) -> None:
    """The draft determination as JSON.

    The engine's draft, in the JSON contract of `openimr review`.
    """
    with service_for(db) as service:
        echo_json(service.get_draft(principal_for(service, acting), case_id))


@case.command(name="decide")
@_case_id
@click.argument("n", type=int)
@click.option("--decision", required=True, type=click.Choice(["Upheld", "Overturned"]))
@click.option(
    "--reason", metavar="TEXT", help="Why, in writing: required when the draft said otherwise."
)
@click.option(
    "--version",
    type=int,
    help="The item's version you read (`case show`): refused if someone changed it since.",
)
@db_option
@as_option
def case_decide(
    case_id: str,
    n: int,
    decision: str,
    reason: str | None,
    version: int | None,
    db: str | None,
    acting: str | None,
) -> None:
    """The assigned reviewer decides item N of case ID.

    Upheld: the treatment is not medically necessary (the UR denial
    stands); Overturned: it is. The first decision starts the review.

    \b
    Examples:
      openimr case decide IMR-2026-000001 1 --decision Upheld --as dr.lee
      openimr case decide IMR-2026-000001 2 --decision Overturned \\
          --reason "Failed conservative care is documented on 2014-02-03" --as dr.lee
    """
    with service_for(db) as service:
        item = service.decide_item(
            principal_for(service, acting),
            case_id,
            n,
            decision=decision,
            reason=reason,
            version=version,
        )
    draft = item.draft_decision or "left to the reviewer"
    click.echo(f"item {item.n}\t{item.decision}\t(draft: {draft})\tversion {item.version}")


@case.command(name="sign")
@_case_id
@db_option
@as_option
def case_sign(case_id: str, db: str | None, acting: str | None) -> None:
    """The assigned reviewer signs the determination.

    The determination and its letters are made and stored; they are final.
    Every item must be decided first.
    """
    with service_for(db) as service:
        signed = service.sign(principal_for(service, acting), case_id)
    click.echo(
        f"{signed.case_id}\tdetermined\tdetermination {signed.determination_id}\t"
        f"signed {signed.signed_at.isoformat()} by {signed.reviewer_id}"
    )


@case.command(name="correct")
@_case_id
@click.option(
    "--item",
    "items",
    nargs=3,
    multiple=True,
    required=True,
    type=(int, click.Choice(["Upheld", "Overturned"]), str),
    metavar="N DECISION REASON",
    help="An item's corrected decision and its written reason; repeat for each item changed.",
)
@click.option("--reason", required=True, help="Why the determination is corrected.")
@db_option
@as_option
def case_correct(
    case_id: str,
    items: tuple[tuple[int, str, str], ...],
    reason: str,
    db: str | None,
    acting: str | None,
) -> None:
    """Correct a signed determination with a new one.

    The signed determination stays as it was; the new one names it, carries
    the changed items and why, and has its own letters.

    \b
    Example:
      openimr case correct IMR-2026-000001 --item 2 Overturned \\
          "The 2014-02-03 note documents failed conservative care" \\
          --reason "Item 2 was decided on a misread record" --as dr.lee
    """
    changes = {n: (decision, text) for n, decision, text in items}
    if len(changes) != len(items):
        raise UserError("an item is given twice", source="--item")
    with service_for(db) as service:
        signed = service.correct(
            principal_for(service, acting), case_id, changes=changes, reason=reason
        )
    click.echo(
        f"{signed.case_id}\tdetermined\tdetermination {signed.determination_id}\t"
        f"corrects {signed.corrects}\tsigned {signed.signed_at.isoformat()} by {signed.reviewer_id}"
    )


@case.command(name="determination")
@_case_id
@db_option
@as_option
def case_determination(case_id: str, db: str | None, acting: str | None) -> None:
    """The signed determination as JSON."""
    with service_for(db) as service:
        echo_json(service.determination(principal_for(service, acting), case_id))


@case.command(name="letter")
@_case_id
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "html", "pdf"]),
    default="text",
    show_default=True,
)
@out_option
@db_option
@as_option
def case_letter(
    case_id: str, output_format: str, out: Path | None, db: str | None, acting: str | None
) -> None:
    """The Final Determination Letter.

    The signed letter once the case is signed, else the draft.
    A party sees only the signed letter.

    \b
    Examples:
      openimr case letter IMR-2026-000001 | less
      openimr case letter IMR-2026-000001 --format pdf --out letter.pdf
    """
    check_out(out)
    if output_format == "pdf" and out is None and stdout_is_terminal():
        raise UserError("a PDF is binary: give --out FILE, or pipe the output")
    with service_for(db) as service:
        body = service.letter(principal_for(service, acting), case_id, output_format)  # type: ignore[arg-type]
    with output(out, binary=output_format == "pdf") as stream:
        stream.write(body)


@case.command(name="audit")
@_case_id
@db_option
@as_option
def case_audit(case_id: str, db: str | None, acting: str | None) -> None:
    """The case's audit trail as JSON.

    Who did what, when, and the state before and after, each event with its hash.
    """
    with service_for(db) as service:
        echo_json(service.audit_trail(principal_for(service, acting), case_id))


@case.command(name="terminate")
@_case_id
@click.option("--reason", required=True, help="Why: e.g. the claims administrator authorised it.")
@db_option
@as_option
def case_terminate(case_id: str, reason: str, db: str | None, acting: str | None) -> None:
    """End the review: the treatment was authorised.

    8 CCR 9792.10.6.
    """
    with service_for(db) as service:
        _status_line(service.terminate(principal_for(service, acting), case_id, reason=reason))


@case.command(name="expedite")
@_case_id
@click.option(
    "--certification",
    required=True,
    metavar="TEXT",
    help="The treating physician's certification of an imminent, serious threat to health.",
)
@db_option
@as_option
def case_expedite(case_id: str, certification: str, db: str | None, acting: str | None) -> None:
    """Expedite a regular review (9792.10.4(c)).

    Prints the new deadlines.
    """
    with service_for(db) as service:
        view = service.expedite(
            principal_for(service, acting), case_id, certification=certification
        )
    click.echo(
        f"{view.id}\t{view.status}\texpedited\trecords due {_due(view.records_due)}\t"
        f"decision due {_due(view.determination_due)}"
    )


@case.command(name="resolve-liability")
@_case_id
@db_option
@as_option
def case_resolve_liability(case_id: str, db: str | None, acting: str | None) -> None:
    """Liability resolved: a deferred case becomes eligible.

    8 CCR 9792.10.3.
    """
    with service_for(db) as service:
        _status_line(service.resolve_liability(principal_for(service, acting), case_id))
