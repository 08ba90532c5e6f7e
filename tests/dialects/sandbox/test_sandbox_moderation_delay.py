"""The moderation delay set through the control plane (no PAZAR_MODERATION_DELAY_SECONDS override)."""

from __future__ import annotations

import pytest

from pazar.config import Settings
from support import World, seller


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"moderation_delay_seconds": None})


async def test_the_delay_is_how_long_a_new_advert_waits_on_the_sandbox_clock(
    world: World, admin_headers: dict[str, str]
) -> None:
    http = world.http
    set_mode = await http.put(
        "/_pazar/v1/moderation",
        json={"site": "olx.pl", "mode": "rules", "delay_seconds": 600},
        headers=admin_headers,
    )
    assert set_mode.json()["sites"][0]["delay_seconds"] == 600
    try:
        me = await seller(world)
        advert = await me.create()
        await http.post("/_pazar/v1/clock/advance", json={"seconds": 599}, headers=admin_headers)
        assert await me.status(advert["id"]) == "new"
        await http.post("/_pazar/v1/clock/advance", json={"seconds": 1}, headers=admin_headers)
        assert await me.status(advert["id"]) == "active"
    finally:
        await http.put(
            "/_pazar/v1/moderation",
            json={"site": "olx.pl", "mode": "rules", "delay_seconds": 3},
            headers=admin_headers,
        )
