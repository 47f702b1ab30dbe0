"""Care that goes with an operation follows the operation's decision.

When an operation is itself an item of the case, the services that exist for it (an
assistant surgeon, pre-operative tests, care after it; the pack's ``follows_operation``)
are necessary only if it is: with the operation Upheld they are Upheld, and while a
physician reviewer decides the operation they wait for that decision. An operation
Overturned, or none in dispute, leaves each item to its own rule.
"""

from __future__ import annotations

from openimr.model import UPHELD, Criterion, CriterionStatus, ItemDecision, Request
from openimr.pack.schema import FollowsOperation
from openimr.review.rationale import render_sentences

CRITERION = "operation_necessary"


def _goes_with(request: Request, operation: Request, rule: FollowsOperation) -> bool:
    if request.service not in rule.services and request.phase not in rule.phases:
        return False
    # the same part of the body, when both name one
    return not (request.body_regions and operation.body_regions) or bool(
        set(request.body_regions) & set(operation.body_regions)
    )


def follow_operations(
    requests: list[Request], items: list[ItemDecision], rule: FollowsOperation | None
) -> list[ItemDecision]:
    """The items, each dependent one decided by the operation it goes with."""
    if rule is None:
        return items
    operations = [
        (request, item)
        for request, item in zip(requests, items, strict=True)
        if request.service in rule.operations
    ]
    if not operations:
        return items
    out = []
    for request, item in zip(requests, items, strict=True):
        if request.service in rule.operations:
            out.append(item)
            continue
        with_it = [(op, done) for op, done in operations if _goes_with(request, op, rule)]
        upheld = [op for op, done in with_it if done.decision == UPHELD]
        waiting = [op for op, done in with_it if done.decision is None]
        if upheld:
            out.append(_follow(item, upheld[0], upheld=True))
        elif waiting:
            out.append(_follow(item, waiting[0], upheld=False))
        else:
            out.append(item)
    return out


def _follow(item: ItemDecision, operation: Request, upheld: bool) -> ItemDecision:
    """The item decided by its operation: Upheld with it, or waiting for the reviewer."""
    status = CriterionStatus.NOT_MET if upheld else CriterionStatus.NEEDS_REVIEWER
    criterion = Criterion(
        id=CRITERION,
        text=f"The operation it goes with ({operation.text}) is medically necessary.",
        status=status,
    )
    update = {
        "decision": UPHELD if upheld else None,
        "medically_necessary": False if upheld else None,
        "decided_by": "rule" if upheld else "physician_judgement_required",
        "criteria": [criterion, *item.criteria],
        "rationale": render_sentences(
            "follows_operation.txt.j2", operation=operation.text, upheld=upheld
        ),
    }
    if upheld:
        update["documentation_gaps"] = []
    return item.model_copy(update=update)
