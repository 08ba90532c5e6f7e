"""Ports: time, randomness and the outside world, injected so lifecycles are testable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told: tests and the sandbox fast-forward with it.

    With ``follow_real_time`` it keeps ticking from the moment it was set, plus the
    offsets it was moved by, which is what a sandbox user expects.
    """

    def __init__(self, start: datetime | None = None, *, follow_real_time: bool = False) -> None:
        self._start = start or datetime(2026, 1, 15, 10, 0, 0, tzinfo=UTC)
        self._offset = timedelta(0)
        self._follow = follow_real_time
        self._anchor = datetime.now(UTC)

    def now(self) -> datetime:
        base = self._start
        if self._follow:
            base = base + (datetime.now(UTC) - self._anchor)
        return base + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    def set(self, moment: datetime) -> None:
        self._start = moment
        self._offset = timedelta(0)
        self._anchor = datetime.now(UTC)


class TokenGenerator(Protocol):
    def token(self) -> str:
        """A new opaque secret (40 lowercase hex characters, like OLX tokens)."""
        ...


class RandomTokens:
    def token(self) -> str:
        return secrets.token_hex(20)


def token_digest(token: str) -> str:
    """How secrets are stored: a SHA-256 of a high-entropy token is enough (no salt needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
