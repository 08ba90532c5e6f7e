"""Two processes on one database (two apps, each with its own runtime and caches): a control call made
through one is seen by the other — its clock, and the moderation mode its worker applies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from pazar.app import Pazar, create_app
from pazar.config import Settings
from pazar.worker import Worker
from support import V2, World, phone_advert, seller


@pytest.fixture
async def other(settings: Settings, world: World) -> AsyncIterator[Pazar]:
    process = create_app(settings, clock=world.clock)
    await process.startup()
    yield process
    await process.shutdown()


async def test_the_other_process_follows_the_clock_and_the_moderation_mode(
    world: World, other: Pazar, admin_headers: dict[str, str]
) -> None:
    me = await seller(world)
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl") as http:
        headers = {**V2, "Authorization": f"Bearer {me.token}"}

        async def post_and_moderate() -> str:
            created = await http.post("/api/partner/adverts", json=phone_advert(), headers=headers)
            assert created.status_code == 200, created.text
            await Worker(other.runtime).run_until_idle()
            shown = await http.get(f"/api/partner/adverts/{created.json()['data']['id']}", headers=headers)
            return str(shown.json()["data"]["status"])

        assert await post_and_moderate() == "active"  # the other process has the site cached now
        await world.http.put(
            "/_pazar/v1/moderation", json={"site": "olx.pl", "mode": "manual"}, headers=admin_headers
        )
        await world.http.post("/_pazar/v1/clock/freeze", headers=admin_headers)
        await asyncio.sleep(0.25)  # the other process re-reads the sandbox state at most every 0.2 s
        assert await post_and_moderate() == "new"  # held for a human, as the new mode says
        clock = await http.get("/_pazar/v1/clock", headers=admin_headers)
        assert clock.json()["frozen"] is True
