"""Password hashing with scrypt (stdlib), in a self-describing format.

scrypt costs tens of milliseconds of CPU by design: the ``*_off_loop`` forms run it in a thread so
the event loop keeps serving, and ``check_login`` spends the same work on an unknown e-mail as on a
known one, so the time of a failed login does not tell which accounts exist.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt_b64),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


async def hash_password_off_loop(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches in practice, checked in place of a missing account's."""
    return hash_password(secrets.token_urlsafe(32))


async def check_login(password: str, stored: str | None) -> bool:
    """``verify_password`` off the event loop; with ``stored`` None (no such account) the same work
    is done against a dummy hash and the answer is False."""
    if stored is None:
        await asyncio.to_thread(verify_password, password, await asyncio.to_thread(_dummy_hash))
        return False
    return await asyncio.to_thread(verify_password, password, stored)
