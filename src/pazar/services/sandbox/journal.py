"""The request journal: recent API calls with secrets redacted and bodies truncated, bounded in size.

Calls are not written by the request that makes them: a ``JournalWriter`` keeps them in memory and
writes them together, one short transaction for every call of the last ``FLUSH_DELAY`` seconds, so a
GET stays a read and a burst of calls costs one write. A reader in the same process (the control
plane's ``/requests``) flushes first, so it always sees every call answered before it asked; a
reader in another process (``pazar requests``) sees a call at most ``FLUSH_DELAY`` after its answer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession as Session

from pazar.db.models import AccessToken, PartnerApp, SandboxRequest
from pazar.db.session import Database
from pazar.ports import token_digest

log = logging.getLogger("pazar.sandbox")

MAX_BODY = 8 * 1024  # characters kept of each body
RETENTION = 2000  # calls kept; older ones are pruned as new ones arrive
FLUSH_DELAY = 0.05  # seconds a call waits in memory for others to be written with it
MAX_PENDING = 5000  # calls held in memory at most (beyond, the oldest waiting ones are dropped)
REDACTED = "[redacted]"
# Keys whose values are secrets, wherever they appear (JSON at any depth, forms, query strings).
_SECRET = re.compile(r"token|secret|password|passwd|api_?key|authorization|^code$|signature", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Caller:
    client_id: str | None = None
    user_id: int | None = None


def _redact_json(value: Any, depth: int = 0) -> Any:
    if depth > 64:
        return "…"
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(k, str) and _SECRET.search(k) else _redact_json(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(v, depth + 1) for v in value]
    return value


def redact_pairs(text: str) -> str:
    """A query string or form body with secret values replaced."""
    pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=500)
    return urlencode([(k, REDACTED if _SECRET.search(k) else v) for k, v in pairs])


def redact_body(raw: bytes, content_type: str) -> str | None:
    """What the journal keeps of a body: redacted, decoded, truncated."""
    if not raw:
        return None
    text: str
    if "json" in content_type or raw[:1] in (b"{", b"["):
        try:
            text = orjson.dumps(_redact_json(orjson.loads(raw))).decode()
        except (orjson.JSONDecodeError, orjson.JSONEncodeError):
            text = raw.decode("utf-8", "replace")
    elif "x-www-form-urlencoded" in content_type:
        try:
            text = redact_pairs(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            text = raw.decode("utf-8", "replace")
    elif content_type.startswith(("text/", "application/")) or not content_type:
        text = raw.decode("utf-8", "replace")
    else:
        return f"<{len(raw)} bytes of {content_type}>"
    text = text.replace("\x00", "\\u0000")  # PostgreSQL text cannot hold NUL
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + f"… [{len(text) - MAX_BODY} more]"


async def caller_of(session: Session, *, bearer: str | None, api_key: str | None) -> Caller:
    """The app (and user) behind a call's credentials, as far as they are valid."""
    if bearer:
        row = (
            await session.execute(
                select(PartnerApp.client_id, AccessToken.user_id)
                .join(PartnerApp, PartnerApp.id == AccessToken.app_id)
                .where(AccessToken.token_hash == token_digest(bearer))
            )
        ).first()
        if row is not None:
            return Caller(row.client_id, row.user_id)
    if api_key:
        client_id = await session.scalar(
            select(PartnerApp.client_id).where(PartnerApp.api_key_hash == token_digest(api_key))
        )
        if client_id is not None:
            return Caller(client_id)
    return Caller()


@dataclass(slots=True)
class PendingCall:
    """A call as the edge saw it; who made it is looked up when it is written."""

    entry: dict[str, Any]  # every column but client_id and user_id
    bearer: str | None = None
    api_key: str | None = None
    client_hint: str | None = None  # a client id read from Basic auth or the body, if no credential tells


@dataclass
class JournalWriter:
    db: Database
    _pending: list[PendingCall] = field(default_factory=list)
    _timer: asyncio.Task[None] | None = None
    _writing: asyncio.Lock = field(default_factory=asyncio.Lock)

    def add(self, call: PendingCall) -> None:
        if len(self._pending) >= MAX_PENDING:
            del self._pending[0]
        self._pending.append(call)
        if self._timer is None or self._timer.done():
            self._timer = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_DELAY)
        await self.flush()

    async def close(self) -> None:
        """At shutdown: no task left behind (one holding SQLite's write lock would block the next
        user of the file), every waiting call written."""
        if self._timer is not None and not self._timer.done():
            await self._timer  # at most FLUSH_DELAY, then its flush
        await self.flush()

    async def flush(self) -> None:
        """Write every waiting call (the journal never breaks or slows the calls it records)."""
        async with self._writing:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                async with self.db.transaction() as session:
                    await write(session, batch)
            except Exception:
                log.exception("could not journal %d calls", len(batch))


async def write(session: Session, calls: list[PendingCall]) -> None:
    """Add the calls, and prune what is beyond the retention."""
    callers: dict[tuple[str | None, str | None], Caller] = {}
    rows = []
    for call in calls:
        key = (call.bearer, call.api_key)
        if key not in callers:
            callers[key] = await caller_of(session, bearer=call.bearer, api_key=call.api_key)
        caller = callers[key]
        rows.append(
            {**call.entry, "client_id": caller.client_id or call.client_hint, "user_id": caller.user_id}
        )
    await session.execute(insert(SandboxRequest), rows)
    newest = int(await session.scalar(select(func.max(SandboxRequest.id))) or 0)
    await session.execute(delete(SandboxRequest).where(SandboxRequest.id <= newest - RETENTION))


async def search(
    session: Session,
    *,
    method: str | None = None,
    path: str | None = None,
    status: int | None = None,
    client_id: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The newest calls first, filtered (``path`` is a prefix)."""
    stmt = select(SandboxRequest).order_by(SandboxRequest.id.desc()).limit(limit)
    if method:
        stmt = stmt.where(SandboxRequest.method == method.upper())
    if path:
        escaped = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(SandboxRequest.path.like(escaped + "%", escape="\\"))
    if status is not None:
        stmt = stmt.where(SandboxRequest.status == status)
    if client_id:
        stmt = stmt.where(SandboxRequest.client_id == client_id)
    if since is not None:
        stmt = stmt.where(SandboxRequest.at >= since)
    return [describe(row) for row in (await session.execute(stmt)).scalars()]


def describe(row: SandboxRequest) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "site": row.site,
        "dialect": row.dialect,
        "client_id": row.client_id,
        "user_id": row.user_id,
        "method": row.method,
        "path": row.path,
        "query": row.query,
        "status": row.status,
        "latency_ms": row.latency_ms,
        "request_body": row.request_body,
        "response_body": row.response_body,
    }


async def clear(session: Session) -> int:
    count = int(await session.scalar(select(func.count()).select_from(SandboxRequest)) or 0)
    await session.execute(delete(SandboxRequest))
    return count
