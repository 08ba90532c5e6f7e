"""Moderation controls over HTTP: a site's mode, and a decision on one advert (v2 id or RE uuid)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from pazar.db.models import AdvertEvent
from support import (
    RE_SITE,
    Receiver,
    RePartner,
    World,
    phone_advert,
    quiet_outbox,
    re_advert,
    re_partner,
    seller,
)

MOD = "/_pazar/v1/moderation"


@pytest.fixture
async def receiver(world: World) -> AsyncIterator[Receiver]:
    await quiet_outbox(world)
    server = await Receiver().start()
    yield server
    await server.stop()


async def advance(world: World, headers: dict[str, str], seconds: float = 1) -> None:
    response = await world.http.post("/_pazar/v1/clock/advance", json={"seconds": seconds}, headers=headers)
    assert response.status_code == 200, response.text


async def test_modes_are_listed_per_site_and_set_for_one_or_all(
    world: World, admin_headers: dict[str, str]
) -> None:
    http = world.http
    one = await http.put(
        MOD, json={"site": "olx.pl", "mode": "manual", "delay_seconds": 7}, headers=admin_headers
    )
    assert one.status_code == 200, one.text
    assert one.json() == {"sites": [{"site": "olx.pl", "mode": "manual", "delay_seconds": 7.0}]}
    listed = {s["site"]: s for s in (await http.get(MOD, headers=admin_headers)).json()["sites"]}
    assert listed["olx.pl"]["mode"] == "manual"
    assert listed[RE_SITE]["mode"] == "rules"
    every = await http.put(MOD, json={"mode": "accept_all"}, headers=admin_headers)
    assert {s["mode"] for s in every.json()["sites"]} == {"accept_all"}
    assert len(every.json()["sites"]) == len(listed)
    assert (
        every.json()["sites"][[s["site"] for s in every.json()["sites"]].index("olx.pl")]["delay_seconds"]
        == 7.0
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"mode": "lenient"}, 422),
        ({"mode": "manual", "delay_seconds": -1}, 422),
        ({"mode": "manual", "site": "<script>alert(1)</script>"}, 404),
        ({"mode": "manual", "site": "olx.pl' OR '1'='1"}, 404),
        ({}, 422),
    ],
)
async def test_bad_mode_requests(
    world: World, admin_headers: dict[str, str], body: dict[str, object], status: int
) -> None:
    response = await world.http.put(MOD, json=body, headers=admin_headers)
    assert response.status_code == status
    assert set(response.json()["error"]) >= {"code", "message"}


async def test_accept_all_and_reject_all_override_the_rule_set(
    world: World, admin_headers: dict[str, str]
) -> None:
    me = await seller(world)
    wholesale = phone_advert(description=phone_advert()["description"] + " Sprzedaż hurtowo.")
    ruled = await me.create(wholesale)
    await advance(world, admin_headers)
    assert await me.status(ruled["id"]) == "moderated"  # the rules refuse "hurtowo"

    await world.http.put(MOD, json={"site": "olx.pl", "mode": "accept_all"}, headers=admin_headers)
    accepted = await me.create(wholesale)
    await advance(world, admin_headers)
    assert await me.status(accepted["id"]) == "active"

    await world.http.put(MOD, json={"site": "olx.pl", "mode": "reject_all"}, headers=admin_headers)
    rejected = await me.create()
    await advance(world, admin_headers)
    data = (await me.get(f"/adverts/{rejected['id']}")).json()["data"]
    assert data["status"] == "moderated"


async def test_manual_mode_holds_adverts_until_a_decision(
    world: World, admin_headers: dict[str, str]
) -> None:
    await world.http.put(MOD, json={"site": "olx.pl", "mode": "manual"}, headers=admin_headers)
    me = await seller(world)
    advert = await me.create()
    await advance(world, admin_headers, 3600)
    assert await me.status(advert["id"]) == "new"
    decided = await world.http.post(
        f"/_pazar/v1/adverts/{advert['id']}/moderation", json={"decision": "accept"}, headers=admin_headers
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "active" and decided.json()["id"] == advert["id"]
    assert await me.status(advert["id"]) == "active"
    blocked = await world.http.post(
        f"/_pazar/v1/adverts/{advert['id']}/moderation",
        json={"decision": "block", "reason": "scam", "description": "Suspected scam"},
        headers=admin_headers,
    )
    assert blocked.json() == {
        "id": advert["id"],
        "uuid": blocked.json()["uuid"],
        "status": "blocked",
        "reason": "scam",
        "description": "Suspected scam",
    }
    removed = await world.http.post(
        f"/_pazar/v1/adverts/{advert['id']}/moderation", json={"decision": "remove"}, headers=admin_headers
    )
    assert removed.json()["status"] == "removed_by_moderator"
    again = await world.http.post(
        f"/_pazar/v1/adverts/{advert['id']}/moderation", json={"decision": "accept"}, headers=admin_headers
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_state"


@pytest.mark.parametrize(
    ("ref", "body", "status"),
    [
        ("999999999", {"decision": "accept"}, 404),
        ("18446744073709551616", {"decision": "accept"}, 404),
        ("00000000-0000-4000-8000-000000000000", {"decision": "accept"}, 404),
        ("x" * 300, {"decision": "accept"}, 404),
        ("1", {"decision": "approve"}, 422),
        ("1", {"decision": "accept", "reason": "r" * 500}, 422),
    ],
)
async def test_bad_decisions(
    world: World, admin_headers: dict[str, str], ref: str, body: dict[str, object], status: int
) -> None:
    response = await world.http.post(f"/_pazar/v1/adverts/{ref}/moderation", json=body, headers=admin_headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] in {"not_found", "invalid"}


async def test_a_reject_decision_on_an_re_advert_sends_its_signed_webhook(
    world: World, admin_headers: dict[str, str], receiver: Receiver
) -> None:
    await world.http.put(MOD, json={"site": RE_SITE, "mode": "manual"}, headers=admin_headers)
    partner: RePartner = await re_partner(world, webhook_url=receiver.url)
    try:
        posted = await partner.post(re_advert())
        assert posted.status_code == 201, posted.text
        uuid = posted.json()["data"]["uuid"]
        await advance(world, admin_headers, 60)
        assert receiver.requests == []  # held for a human: no outcome yet
        decided = await world.http.post(
            f"/_pazar/v1/adverts/{uuid}/moderation",
            json={"decision": "reject", "reason": "rules", "description": "Add a floor plan"},
            headers=admin_headers,
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "moderated" and decided.json()["uuid"] == uuid
        await advance(world, admin_headers)  # runs the delivery
        (note,) = [Webhook(partner.notification_secret).verify(r.body, r.headers) for r in receiver.requests]
        assert note["object_id"] == uuid
        assert (note["flow"], note["event_type"]) == ("publish_advert", "advert_posted_error")
        meta = (await partner.meta(uuid)).json()["data"]
        assert meta["last_action_status"] == "POSTED_ERROR" or meta["state"]["code"] == "moderated"

        accepted = await world.http.post(
            f"/_pazar/v1/adverts/{uuid}/moderation", json={"decision": "accept"}, headers=admin_headers
        )
        assert accepted.json()["status"] == "active"
        await advance(world, admin_headers)
        later = [
            Webhook(partner.notification_secret).verify(r.body, r.headers) for r in receiver.requests[1:]
        ]
        assert [(n["flow"], n["event_type"]) for n in later] == [("advert_lifecycle", "advert_state_changed")]
        assert later[0]["data"]["code"] == "active"
    finally:
        await partner.client.aclose()


async def test_disable_unconfirm_and_unpaid_decisions_follow_the_transition_table(
    world: World, admin_headers: dict[str, str]
) -> None:
    me = await seller(world)
    ids = [(await me.create(phone_advert(external_id=f"dec-{i}")))["id"] for i in range(3)]
    await advance(world, admin_headers)

    async def decide(advert_id: int, decision: str) -> httpx.Response:
        return await world.http.post(
            f"/_pazar/v1/adverts/{advert_id}/moderation", json={"decision": decision}, headers=admin_headers
        )

    disabled, unconfirmed, unpaid = ids
    assert (await decide(disabled, "disable")).status_code == 200
    assert await me.status(disabled) == "disabled"
    assert (await decide(unconfirmed, "unconfirm")).status_code == 200
    assert await me.status(unconfirmed) == "unconfirmed"
    assert (await decide(unconfirmed, "accept")).status_code == 200  # confirmed: published
    assert await me.status(unconfirmed) == "active"
    assert (await decide(unpaid, "unpaid")).status_code == 200
    assert await me.status(unpaid) == "unpaid"
    again = await decide(unpaid, "unconfirm")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
    assert (await me.command(unpaid, "activate")).status_code == 204  # a free slot is left: back to review
    assert await me.status(unpaid) == "new"
    async with world.app.runtime.db.transaction() as session:
        rows = await session.execute(
            select(AdvertEvent.advert_id, AdvertEvent.type).where(AdvertEvent.advert_id.in_(ids))
        )
        kinds = {(advert_id, kind) for advert_id, kind in rows.all()}
    assert {
        (disabled, "advert_disabled"),
        (unconfirmed, "advert_unconfirmed"),
        (unpaid, "advert_payment_required"),
    } <= kinds
