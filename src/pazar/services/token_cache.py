"""A short-lived, per-process memory of bearer-token look-ups.

Every API call authenticates its bearer token; the look-up (token joined to its app) was a third
of a GET's time (bench/README.md). A process keeps what it read for ``ttl`` seconds
(``PAZAR_TOKEN_CACHE_SECONDS``, 0 turns it off), so a busy client costs one look-up per token and
interval. What may be stale for that long: the app's ``is_active`` and ``allow_external_url`` flags.
Expiry is checked on every call against the current time, cached or not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class BearerGrant:
    """What an access token stands for: the token's columns and its app's."""

    user_id: int | None
    scope: str
    expires_at: datetime
    app_id: int
    client_id: str
    site_id: str
    app_is_active: bool
    external_url_allowed: bool


class TokenCache:
    def __init__(
        self, ttl: float, *, max_entries: int = 10_000, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._monotonic = monotonic
        self._entries: dict[str, tuple[float, BearerGrant]] = {}

    def get(self, digest: str) -> BearerGrant | None:
        if self.ttl <= 0:
            return None
        entry = self._entries.get(digest)
        if entry is None:
            return None
        stored_at, grant = entry
        if self._monotonic() - stored_at >= self.ttl:
            del self._entries[digest]
            return None
        return grant

    def put(self, digest: str, grant: BearerGrant) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            # Oldest first (dicts keep insertion order): drop a tenth rather than one per call.
            for key in list(self._entries)[: max(1, self.max_entries // 10)]:
                del self._entries[key]
        self._entries[digest] = (self._monotonic(), grant)

    def clear(self) -> None:
        self._entries.clear()
