"""PAZAR_SANDBOX_JOURNAL=false: the sandbox without its journal (load tests in sandbox mode)."""

from __future__ import annotations

import pytest

from pazar.config import Settings
from support import V2, World


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sandbox_journal": False})


async def test_calls_are_not_journaled(world: World, admin_headers: dict[str, str]) -> None:
    await world.http.delete("/_pazar/v1/requests", headers=admin_headers)
    assert (await world.http.get("/api/partner/categories", headers=V2)).status_code == 401
    assert (await world.http.get("/_pazar/v1/requests", headers=admin_headers)).json() == {"requests": []}
