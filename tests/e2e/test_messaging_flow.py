"""End to end, as an integrator: messages, business data and logos through pazar.client only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from image_server import local_images, serving
from messaging_support import browser, page_path, write
from pazar.app import Pazar
from pazar.client import ApiError, PartnerClient
from support import AppCreds, World, phone_advert, run_jobs


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serving() as found:
        yield found


@pytest.fixture
async def olx(world: World, app: Pazar) -> AsyncIterator[tuple[PartnerClient, AppCreds]]:
    creds = await world.partner_app()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with PartnerClient(
        "http://olx.pl", client_id=creds.client_id, client_secret=creds.client_secret, transport=transport
    ) as client:
        yield client, creds


async def test_buyer_writes_partner_replies_buyer_reads_and_the_thread_is_read(
    olx: tuple[PartnerClient, AppCreds], world: World
) -> None:
    client, creds = olx
    user = await world.user(business=True)
    await client.authorize_with_code(await world.code(creds, user))
    advert = await client.post("/adverts", phone_advert())
    await run_jobs(world)

    async with browser(world) as buyer:
        assert (await write(buyer, advert, "Czy wysyłka jest możliwa?")).status_code == 303
        [thread] = await client.get("/threads")
        assert (thread["advert_id"], thread["total_count"], thread["unread_count"]) == (advert["id"], 1, 1)
        [question] = await client.get(f"/threads/{thread['id']}/messages")
        assert (question["type"], question["text"]) == ("received", "Czy wysyłka jest możliwa?")

        reply = await client.post(f"/threads/{thread['id']}/messages", {"text": "Tak, kurierem."})
        assert reply["type"] == "sent"
        page = await buyer.get(page_path(advert["url"]))
        assert "Tak, kurierem." in page.text

    assert await client.post(f"/threads/{thread['id']}/commands", {"command": "mark-as-read"}) is None
    assert (await client.get(f"/threads/{thread['id']}"))["unread_count"] == 0
    await client.post(f"/threads/{thread['id']}/commands", {"command": "set-favourite", "is_favourite": True})
    assert (await client.get("/threads", advert_id=advert["id"]))[0]["is_favourite"] is True


async def test_business_data_logos_and_banners(
    olx: tuple[PartnerClient, AppCreds], world: World, port: int
) -> None:
    client, creds = olx
    user = await world.user(business=True)
    await client.authorize_with_code(await world.code(creds, user))
    updated = await client.put("/users-business/me", {"name": "Sklep Jana", "subdomain": f"jan{user.id}"})
    assert (updated["name"], updated["subdomain"]) == ("Sklep Jana", f"jan{user.id}")
    async with local_images(world, port) as base:
        [logo] = await client.post("/users-business/me/logos", {"url": f"{base}/logo.png"})
        [banner] = await client.post("/users-business/me/banners", {"url": f"{base}/banner.jpg"})
        with pytest.raises(ApiError) as refused:
            await client.post("/users-business/me/logos", {"url": f"{base}/page.html"})
        assert refused.value.status == 400
    data = await client.get("/users-business/me")
    assert (data["logo"], data["banner"]) == ({"url": logo["url"]}, {"url": banner["url"]})
    assert await client.get("/users-business/me/logos") == [logo]
    assert await client.delete(f"/users-business/me/logos/{logo['id']}") is None
    assert await client.delete(f"/users-business/me/banners/{banner['id']}") is None
    assert await client.get("/users-business/me/banners") == []
