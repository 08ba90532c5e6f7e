"""The sandbox admin key: from the settings, or generated once and kept with the server secrets."""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession as Session

from pazar.db.models import ServerSecret
from pazar.db.upsert import insert_ignore
from pazar.services.runtime import Runtime

ADMIN_KEY = "sandbox_admin_key"


async def admin_key(session: Session, configured: str) -> str:
    if configured:
        return configured
    await session.execute(
        insert_ignore(session, ServerSecret, [{"name": ADMIN_KEY, "value": "pzadm_" + secrets.token_hex(24)}])
    )
    value = await session.scalar(select(ServerSecret.value).where(ServerSecret.name == ADMIN_KEY))
    assert value is not None
    return value


def matches(presented: str, key: str) -> bool:
    """Constant-time comparison (of bytes: ``compare_digest`` refuses non-ASCII str)."""
    return hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), key.encode())


async def resolve(runtime: Runtime) -> str:
    """The key every control call must carry (``pazar serve`` prints it at start)."""
    async with runtime.db.transaction() as session:
        return await admin_key(session, runtime.settings.admin_key)
