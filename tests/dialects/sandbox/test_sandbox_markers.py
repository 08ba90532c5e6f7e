"""Magic values: markers in an advert's text decide its moderation in sandbox mode, and only there."""

from __future__ import annotations

import httpx
import pytest

from pazar.app import create_app
from pazar.config import Settings
from pazar.worker import Worker
from support import V2, Receiver, World, phone_advert, quiet_outbox, re_advert, re_partner, run_jobs, seller

DESCRIPTION = phone_advert()["description"]


@pytest.mark.parametrize(
    ("marker", "status"),
    [
        ("pazar:accept", "active"),
        ("PAZAR:REJECT", "moderated"),
        ("pazar:reject:photos", "moderated"),
        ("pazar:block", "blocked"),
        ("pazar:block:scam", "blocked"),
        ("pazar:hold", "new"),
        ("pazar:nothing", "active"),
    ],
)
async def test_a_marker_decides_the_verdict(world: World, marker: str, status: str) -> None:
    me = await seller(world)
    advert = await me.create(phone_advert(description=f"{DESCRIPTION} {marker}"))
    await run_jobs(world)
    assert await me.status(advert["id"]) == status


async def test_a_marker_beats_the_rules(world: World) -> None:
    me = await seller(world)
    wholesale = await me.create(phone_advert(description=f"{DESCRIPTION} Sprzedaż hurtowo. pazar:accept"))
    await run_jobs(world)
    assert await me.status(wholesale["id"]) == "active"


async def test_the_reason_reaches_the_re_partner(world: World) -> None:
    partner = await re_partner(world)
    try:
        text = re_advert()["description"] + " pazar:reject:floor_plan"
        posted = await partner.post(re_advert(description=text))
        assert posted.status_code == 201, posted.text
        await run_jobs(world)
        meta = (await partner.meta(posted.json()["data"]["uuid"])).json()["data"]
        assert meta["state"]["code"] == "moderated"
        assert meta["state"]["moderation"] == {
            "reason": "floor_plan",
            "description": "Rejected by a sandbox marker",
        }
    finally:
        await partner.client.aclose()


async def test_operator_mode_ignores_markers(world: World, settings: Settings) -> None:
    me = await seller(world)
    operator = create_app(settings.model_copy(update={"sandbox": False}), clock=world.clock)
    await operator.startup()
    try:
        transport = httpx.ASGITransport(app=operator)
        async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl") as http:
            headers = {**V2, "Authorization": f"Bearer {me.token}"}
            body = phone_advert(description=f"{DESCRIPTION} pazar:block")
            created = await http.post("/api/partner/adverts", json=body, headers=headers)
            assert created.status_code == 200, created.text
            await Worker(operator.runtime).run_until_idle()
            advert = await http.get(f"/api/partner/adverts/{created.json()['data']['id']}", headers=headers)
            assert advert.json()["data"]["status"] == "active"
    finally:
        await operator.shutdown()


async def test_an_invalid_marker_fails_the_re_publish_on_that_field(
    world: World, admin_headers: dict[str, str]
) -> None:
    await quiet_outbox(world)
    receiver = await Receiver().start()
    partner = await re_partner(world, webhook_url=receiver.url)
    try:
        text = re_advert()["description"] + " pazar:invalid:price"
        posted = await partner.post(re_advert(description=text))
        assert posted.status_code == 201, posted.text  # accepted for processing, as always
        await world.http.post("/_pazar/v1/clock/advance", json={"seconds": 5}, headers=admin_headers)
        (note,) = [r.json() for r in receiver.requests]
        assert note["event_type"] == "advert_posted_error"
        assert note["object_id"] == posted.json()["data"]["uuid"]
        (entry,) = note["data"]["validation"]
        assert entry["field"] == "price" and "pazar:invalid:price" in entry["detail"]
    finally:
        await partner.client.aclose()
        await receiver.stop()
