"""Accounts and tokens: passwords hashed with Argon2 (argon2-cffi), bearer tokens of 32
random bytes of which only the SHA-256 is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openimr.service.errors import Unauthenticated
from openimr.service.tables import Token, User

TOKEN_LIFETIME = dt.timedelta(hours=8)
"""A working day; then the user logs in again."""

_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    """Who is acting: what every service operation is given and checks."""

    user_id: int
    username: str
    role: str
    reviewer_id: str | None = None

    @property
    def actor(self) -> str:
        # Audit and logs name the account by number: a party's user name may be their own.
        return f"user:{self.user_id}"


SYSTEM = Principal(0, "system", "medical_director")
"""Seeding and migrations: acts with the director's reach."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal(user: User) -> Principal:
    return Principal(user.id, user.username, user.role, user.reviewer_id)


def check_password(session: Session, username: str, password: str) -> Principal:
    """The account, if the password is right, else Unauthenticated (the same message whichever
    was wrong). Argon2 takes a tenth of a second on purpose: callers check in a reading
    session, so no writer waits for it."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    try:
        if user is None or not user.active:
            raise VerificationError
        _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated("username or password is wrong") from None
    return principal(user)


def issue_token(session: Session, who: Principal, *, now: dt.datetime) -> str:
    """A new token for the account (and its expired ones removed)."""
    token = secrets.token_urlsafe(32)
    session.add(
        Token(
            token_sha256=_sha(token),
            user_id=who.user_id,
            created_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
    )
    session.execute(delete(Token).where(Token.user_id == who.user_id, Token.expires_at < now))
    return token


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def authenticate(session: Session, token: str, *, now: dt.datetime) -> Principal:
    row = session.get(Token, _sha(token))
    if row is None or _aware(row.expires_at) <= now:
        raise Unauthenticated("token: missing, unknown or expired; log in again")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("token: the account is disabled")
    return principal(user)
