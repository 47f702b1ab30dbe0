"""Replay published decisions: rebuild each letter's case from its clinical case summary and
item titles (never its rationales), review it, and compare with what the reviewer decided.

For each disagreement the report names the criterion that decided our side and checks
whether the published rationale states a fact, needed by that criterion, that the
clinical summary does not: then the summary, not the rule, is the likely cause.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from pydantic import Field

from openimr.corpus.metrics import Agreement, Outcome, agreement, by_service
from openimr.errors import UserError
from openimr.intake.case_file import case_from_record, intake_case
from openimr.intake.documents import read_document
from openimr.intake.facts.extract import extract_facts
from openimr.intake.published.reader import is_openimr_draft, parse_letter_text
from openimr.intake.published.record import LetterRecord
from openimr.model import Case, CriterionStatus, Decision, Model, Request
from openimr.pack.answers import Predicates
from openimr.pack.schema import Node, Rule
from openimr.review.engine import CaseReview, ItemReview, review_case
from openimr.review.evaluate import PRIOR_SESSIONS


class ReplayReport(Model):
    letters: int
    failed: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    """openimr's own drafts found among the letters."""
    overall: Agreement
    services: dict[str, Agreement]
    outcomes: list[Outcome]

    @property
    def disagreements(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ours is not None and o.ours != o.published]


def _predicates_of(rule: Rule, criterion_id: str) -> list[str]:
    """The predicates behind a criterion (a leaf, a group, a limit or an exception)."""
    for limit in rule.limits:
        if limit.id == criterion_id:
            found = [limit.predicate] if limit.predicate else []
            if limit.of == "total_with_prior":
                found.append(PRIOR_SESSIONS)
            for exception in rule.exceptions:
                if limit.id in exception.lifts:
                    found += [leaf.predicate for leaf in exception.when.leaves() if leaf.predicate]
            return found

    def find(node: Node | None) -> Node | None:
        if node is None:
            return None
        if node.id == criterion_id:
            return node
        return next((hit for child in node.children if (hit := find(child))), None)

    node = find(rule.criteria)
    return [leaf.predicate for leaf in node.leaves() if leaf.predicate] if node else []


def _missing_from_summary(
    review: CaseReview, item: ItemReview, request: Request, rationale: str, day: dt.date
) -> list[str]:
    """Facts the published rationale states, that the deciding criteria need, and that the
    clinical summary does not document."""
    if item.rule is None or not rationale:
        return []
    in_summary = Predicates(review.pack, review.facts, request, day)
    rationale_facts = extract_facts(rationale, "published_rationale")
    in_rationale = Predicates(review.pack, rationale_facts, request, day)
    criteria = item.deciding or item.decision.criteria
    missing: list[str] = []
    for criterion in criteria:
        for predicate in _predicates_of(item.rule, criterion.id):
            stated = in_rationale.get(predicate)
            if stated is None or in_summary.get(predicate) is not None:
                continue
            quote = f' ("{stated.evidence[0].text}")' if stated.evidence else ""
            line = f"{predicate.replace('_', ' ')}: {stated.value!r}{quote}"
            if line not in missing:
                missing.append(line)
    return missing


def deciding_criterion(item: ItemReview, expected: Decision) -> str | None:
    """The criteria that decided our side, with their status: those not met or not
    documented for an Upheld item; for an item we overturned against an expected Upheld,
    the criteria we found met. None when nothing decided it (physician judgement)."""
    ours = item.decision
    deciding = item.deciding or (
        [c for c in ours.criteria if c.status is CriterionStatus.MET]
        if ours.decision and ours.decision != expected
        else []
    )
    return "; ".join(f"{c.id} ({c.status.value})" for c in deciding) or None


def replay_letter(record: LetterRecord, case: Case) -> list[Outcome]:
    """Outcomes of one letter; ``case`` is built from its summary and titles only."""
    review = review_case(intake_case(case), today=dt.date.today())
    day = review.date.date
    outcomes = []
    for published, item, request in zip(
        record.items, review.items, review.case.requests, strict=True
    ):
        if published.decision is None:
            continue
        ours = item.decision
        disagree = ours.decision is not None and ours.decision != published.decision
        outcomes.append(
            Outcome(
                letter=Path(record.source).name,
                request=published.request,
                service=ours.service,
                published=published.decision,
                ours=ours.decision,
                deciding_criterion=deciding_criterion(item, published.decision),
                reason=ours.rationale if ours.decision is None else None,
                facts_missing_from_summary=_missing_from_summary(
                    review, item, request, published.rationale, day
                )
                if disagree
                else [],
            )
        )
    return outcomes


def replay(
    paths: Iterable[Path],
    *,
    on_error: Callable[[str], None] = lambda message: None,
    on_skip: Callable[[str], None] = lambda message: None,
    advance: Callable[[], None] = lambda: None,
) -> ReplayReport:
    """Replay each letter on its own: one that cannot be read is reported and the rest go on;
    openimr's own drafts are not published letters and are skipped with a note."""
    outcomes: list[Outcome] = []
    failed: list[str] = []
    skipped: list[str] = []
    letters = 0
    for path in paths:
        try:
            text = read_document(path)
            if is_openimr_draft(text):
                skipped.append(str(path))
                on_skip(f"{path}: an openimr draft, not a published letter; skipped")
                continue
            record = parse_letter_text(text, str(path), demographics=False)
            case = case_from_record(record, case_id=path.stem)
            found = replay_letter(record, case)
        except UserError as exc:
            failed.append(str(exc))
            on_error(str(exc))
            continue
        except Exception as exc:  # a bug must not lose the rest of the batch
            message = f"{path}: internal error ({type(exc).__name__}); please report it"
            failed.append(message)
            on_error(message)
            continue
        finally:
            advance()
        letters += 1
        outcomes += found
    return ReplayReport(
        letters=letters,
        failed=failed,
        skipped=skipped,
        overall=agreement(outcomes),
        services=by_service(outcomes),
        outcomes=outcomes,
    )
