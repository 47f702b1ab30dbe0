"""The case's life as ``rules/workflow.yaml`` states it: which action moves a case from which
state to which, and which role may take each action."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pydantic import Field

from openimr.model import Model
from openimr.service.errors import Conflict, Forbidden
from openimr.yamlload import load_yaml

Role = Literal["coordinator", "reviewer", "medical_director", "party"]
ROLES: tuple[Role, ...] = ("coordinator", "reviewer", "medical_director", "party")


class Transition(Model):
    from_: list[str] = Field(alias="from")
    to: str


class Workflow(Model):
    states: dict[str, str]
    open: list[str]
    consolidate_into: list[str]
    accepts_documents: list[str]
    transitions: dict[str, Transition]
    roles: dict[str, str]
    permissions: dict[str, list[str]]
    own_cases_only: list[str]
    document_kinds: dict[str, str]
    clinical_document_kinds: list[str]


@cache
def workflow() -> Workflow:
    text = resources.files("openimr.service").joinpath("rules/workflow.yaml").read_text("utf-8")
    flow = Workflow.model_validate(load_yaml(text, keep=True))
    known = set(flow.states)
    for name, step in flow.transitions.items():
        unknown = {
            step.to,
            *step.from_,
            *flow.consolidate_into,
            *flow.open,
            *flow.accepts_documents,
        } - known
        if unknown:
            raise ValueError(f"workflow.yaml: transition {name} names unknown states {unknown}")
    for action, roles in flow.permissions.items():
        if set(roles) - set(ROLES):
            raise ValueError(f"workflow.yaml: permission {action} names an unknown role")
    return flow


def next_state(state: str, action: str) -> str:
    """The state ``action`` leads to from ``state``, or a Conflict saying why it cannot."""
    step = workflow().transitions[action]
    if state not in step.from_:
        allowed = " or ".join(step.from_)
        what = action.replace("_", " ")
        raise Conflict(f"status: the case is {state}; {what} needs a case that is {allowed}")
    return step.to


def decidable(state: str) -> bool:
    """Whether the reviewer may decide items: in review, or about to start it."""
    step = workflow().transitions["start_review"]
    return state == step.to or state in step.from_


def starts_review(state: str) -> bool:
    """Whether a first decision moves the case into review."""
    return state in workflow().transitions["start_review"].from_


def is_open(state: str) -> bool:
    return state in workflow().open


def require(role: str, action: str) -> None:
    if role not in workflow().permissions[action]:
        raise Forbidden(f"role: a {role} may not {action.replace('_', ' ')}")


def own_cases_only(role: str) -> bool:
    return role in workflow().own_cases_only
