"""Logins hash off the event loop, and an unknown e-mail costs the same scrypt as a known one."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import pytest

from pazar.services import accounts
from support import World


@pytest.fixture
def scrypt_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread of every scrypt computation."""
    seen: list[int] = []
    real = hashlib.scrypt

    def recording(*args: Any, **kwargs: Any) -> bytes:
        seen.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", recording)
    return seen


async def _login(world: World, email: str, password: str) -> bool:
    async with world.app.runtime.db.transaction() as session:
        found = await accounts.login(
            session, site_id="olx.pl", email=email, password=password, clock=world.clock
        )
        return found is not None


async def test_a_login_hashes_in_a_thread(world: World, scrypt_threads: list[int]) -> None:
    user = await world.user()
    scrypt_threads.clear()
    assert await _login(world, user.email, "secret-pass")
    assert not await _login(world, user.email, "wrong-pass")
    assert len(scrypt_threads) == 2
    assert threading.get_ident() not in scrypt_threads


async def test_an_unknown_e_mail_costs_a_scrypt_too(world: World, scrypt_threads: list[int]) -> None:
    await world.user()  # the dummy hash may be computed once, before
    assert not await _login(world, "nobody-here@example.com", "secret-pass")
    scrypt_threads.clear()
    assert not await _login(world, "nobody-else@example.com", "secret-pass")
    assert len(scrypt_threads) == 1 and threading.get_ident() not in scrypt_threads
