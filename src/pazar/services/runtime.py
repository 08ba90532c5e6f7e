"""The runtime a use case needs besides its session: settings, database and ports.

Built once by the composition root (``pazar.app``, ``pazar.cli``, ``pazar.worker``)
and handed down; nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pazar.config import Settings
from pazar.db.session import Database
from pazar.fetcher import HttpFetcher
from pazar.ports import Clock, RandomTokens, SystemClock, TokenGenerator
from pazar.services.reference import ReferenceCache
from pazar.services.sandbox.clock import SandboxClock
from pazar.services.token_cache import TokenCache

# Dialects type their session parameters with this alias: they never import SQLAlchemy.
Session = AsyncSession


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    tokens: TokenGenerator = field(default_factory=RandomTokens)
    reference: ReferenceCache = field(default_factory=ReferenceCache)
    secret_key: str = ""  # resolved at start-up (settings or the database)
    tokens_seen: TokenCache = field(default_factory=lambda: TokenCache(0))
    # Work to finish before the database closes (the sandbox journal's waiting calls), in order.
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    image_fetcher: HttpFetcher | None = None  # built from the settings on first use (autoupload.images)

    def __post_init__(self) -> None:
        if isinstance(self.clock, SandboxClock):  # another process's sandbox call made them stale
            self.clock.on_caches_stale += [self.reference.invalidate, self.tokens_seen.clear]

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None) -> Runtime:
        db = Database(settings.database_url, pool_size=settings.database_pool_size)
        clock = clock or SystemClock()
        if settings.sandbox:  # the one place time is routed through the sandbox clock
            clock = SandboxClock(clock)
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            tokens_seen=TokenCache(settings.token_cache_seconds),
        )


# A worker job's handler: the job's payload, run in the worker's transaction (``pazar.wiring`` lists them).
JobHandler = Callable[[Session, dict[str, Any], Runtime], Awaitable[None]]
