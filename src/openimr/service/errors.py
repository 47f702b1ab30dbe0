"""What the service refuses, by kind: the HTTP API maps each to its status, the command line
prints it as one line."""

from __future__ import annotations

from openimr.errors import UserError


class NotFound(UserError):
    """No such case, item, document or reviewer (or none this user may see: a reviewer is
    told a case they are not assigned does not exist for them)."""


class Forbidden(UserError):
    """The user's role may not take this action."""


class Conflict(UserError):
    """The action does not fit the case's state, or someone else changed it first."""


class Unauthenticated(UserError):
    """No valid token, or a wrong user name or password."""
