"""Signed browser sessions for the login and consent pages (no server-side state)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from pazar.services.secrets_store import derive_secret

SESSION_TTL = timedelta(hours=12)


def _sign(key: str, payload: str) -> str:
    return hmac.new(derive_secret(key, "web-session").encode(), payload.encode(), hashlib.sha256).hexdigest()


def issue(*, key: str, user_id: int, site_id: str, now: datetime) -> str:
    payload = f"{user_id}|{site_id}|{int((now + SESSION_TTL).timestamp())}"
    return f"{payload}|{_sign(key, payload)}"


def verify(value: str | None, *, key: str, site_id: str, now: datetime) -> int | None:
    """The user id of a valid, unexpired session cookie for this site; None otherwise."""
    if not value or value.count("|") != 3:
        return None
    payload, _, signature = value.rpartition("|")
    if not hmac.compare_digest(_sign(key, payload), signature):
        return None
    user_id, cookie_site, expires = payload.split("|")
    if cookie_site != site_id or not expires.isdigit() or int(expires) < now.timestamp():
        return None
    return int(user_id) if user_id.isdigit() else None


def csrf_token(*, key: str, session_value: str, purpose: str) -> str:
    return hmac.new(
        derive_secret(key, "csrf").encode(), f"{purpose}|{session_value}".encode(), hashlib.sha256
    ).hexdigest()
