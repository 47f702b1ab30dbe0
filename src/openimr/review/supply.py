"""A drug asked for without its quantity is not certified as asked.

The pack's ``supply_required`` names the service families it holds for. A drug request
that states no count ("#60"), no amount ("240 grams") and no length of supply ("x 30
days") is Upheld, whatever its rule finds, with the gap stated: the reviewer cannot
certify an open-ended supply, and IMR cannot fill in the quantity.
"""

from __future__ import annotations

from openimr.model import UPHELD, Criterion, CriterionStatus, ItemDecision, Request
from openimr.pack.schema import SupplyRequired
from openimr.review.rationale import render_sentences
from openimr.vocabulary import vocabulary

CRITERION = "supply_stated"


def supply_stated(request: Request) -> bool:
    drug = request.drug
    if drug is None:
        return True
    duration = request.frequency.duration if request.frequency else None
    return bool(drug.count or drug.amount or request.quantity or duration)


def require_supply(
    request: Request, item: ItemDecision, rule: SupplyRequired | None
) -> ItemDecision:
    """The item, Upheld for a missing quantity when the rule decided it; items the
    physician reviewer decides stay with the reviewer."""
    if (
        rule is None
        or item.decided_by != "rule"
        or request.drug is None
        or vocabulary().family_of(request.service) not in rule.families
        or supply_stated(request)
    ):
        return item
    missing = Criterion(
        id=CRITERION, text=rule.text, status=CriterionStatus.NOT_DOCUMENTED, gap=rule.gap
    )
    before = item.rationale if item.decision == UPHELD else ""
    rationale = render_sentences("supply_missing.txt.j2", before=before, drug=request.drug.name)
    return item.model_copy(
        update={
            "decision": UPHELD,
            "medically_necessary": False,
            "criteria": [missing, *item.criteria],
            "rationale": rationale,
            "documentation_gaps": [rule.gap, *item.documentation_gaps],
        }
    )
