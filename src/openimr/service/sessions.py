"""The workbench's sessions: CSRF tokens derived from the session's key, whether a request
came over TLS, and the throttle that slows repeated failed sign-ins."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from fastapi import Request


def csrf_token(key: str, label: str = "openimr-csrf") -> str:
    """The form token of a session (or of a pre-session, before sign-in)."""
    return hmac.new(key.encode(), label.encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: str | None, given: str, label: str = "openimr-csrf") -> bool:
    return bool(key) and bool(given) and hmac.compare_digest(csrf_token(key or "", label), given)


def is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


class Throttle:
    """Repeated failed sign-ins for one email wait longer each time (doubling, capped), so
    guessing passwords through the form is slow. In memory: one process's count."""

    def __init__(
        self,
        *,
        first: float = 0.5,
        cap: float = 8.0,
        size: int = 10_000,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.first, self.cap, self.size, self.sleep = first, cap, size, sleep
        self._failures: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def delay(self, login: str) -> float:
        failures = self._failures.get(_login_key(login), 0)
        return 0.0 if failures == 0 else min(self.cap, self.first * 2 ** (failures - 1))

    async def wait(self, login: str) -> None:
        # Awaited, not slept in a worker thread: waiting sign-ins do not hold the threads
        # every other page needs.
        seconds = self.delay(login)
        if seconds:
            await self.sleep(seconds)

    def failed(self, login: str) -> None:
        key = _login_key(login)
        with self._lock:
            self._failures[key] = self._failures.pop(key, 0) + 1
            while len(self._failures) > self.size:
                self._failures.popitem(last=False)

    def succeeded(self, login: str) -> None:
        with self._lock:
            self._failures.pop(_login_key(login), None)


def _login_key(login: str) -> str:
    return login.strip().casefold()
