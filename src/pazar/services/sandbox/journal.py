"""The request journal: recent API calls with secrets redacted and bodies truncated, bounded in size."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession as Session

from pazar.db.models import AccessToken, PartnerApp, SandboxRequest
from pazar.ports import token_digest

MAX_BODY = 8 * 1024  # characters kept of each body
RETENTION = 2000  # calls kept; older ones are pruned as new ones arrive
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


async def record(session: Session, entry: dict[str, Any]) -> None:
    """Add one call; every hundredth call prunes what is beyond the retention."""
    row = SandboxRequest(**entry)
    session.add(row)
    await session.flush()
    if row.id % 100 == 0:
        await session.execute(delete(SandboxRequest).where(SandboxRequest.id <= row.id - RETENTION))


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
