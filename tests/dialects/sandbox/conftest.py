"""The control plane's tests share the session database with every other test: each leaves the
sandbox's clock and moderation modes as it found them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pazar.app import Pazar
from pazar.services.sandbox import admin
from support import World


@pytest.fixture
async def admin_headers(app: Pazar) -> dict[str, str]:
    async with app.runtime.db.transaction() as session:
        key = await admin.admin_key(session, "")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(autouse=True)
async def _leave_sandbox_clean(world: World, admin_headers: dict[str, str]) -> AsyncIterator[None]:
    yield
    http = world.http
    assert (await http.post("/_pazar/v1/clock/reset", headers=admin_headers)).status_code == 200
    restored = await http.put("/_pazar/v1/moderation", json={"mode": "rules"}, headers=admin_headers)
    assert restored.status_code == 200
