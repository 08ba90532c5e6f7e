"""Server secrets: from the settings, or generated once and kept in the database."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from pazar.db.models import ServerSecret
from pazar.db.upsert import insert_ignore
from pazar.services.runtime import Session

SECRET_KEY = "secret_key"


async def server_secret_key(session: Session, configured: str) -> str:
    if configured:
        return configured
    await session.execute(
        insert_ignore(session, ServerSecret, [{"name": SECRET_KEY, "value": secrets.token_hex(32)}])
    )
    value = await session.scalar(select(ServerSecret.value).where(ServerSecret.name == SECRET_KEY))
    assert value is not None
    return value


def derive_secret(secret_key: str, purpose: str, length: int = 48) -> str:
    """A stable secret for ``purpose`` (demo credentials, cookie signing) from the server key."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:length]
