"""Buyer activity and webhook deliveries through the control plane."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from standardwebhooks import Webhook

from support import Receiver, World, quiet_outbox, re_advert, re_partner, run_jobs, seller


async def test_buyers_move_an_active_adverts_statistics(world: World, admin_headers: dict[str, str]) -> None:
    me = await seller(world)
    advert = await me.create()
    path = f"/_pazar/v1/adverts/{advert['id']}/activity"
    early = await world.http.post(path, json={"views": 1}, headers=admin_headers)
    assert early.status_code == 404  # not public yet: no buyer can see it
    await run_jobs(world)
    moved = await world.http.post(path, json={"views": 5, "phone_views": 2}, headers=admin_headers)
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"advert_views": 5, "phone_views": 2, "users_observing": 0}
    together = await asyncio.gather(
        *(world.http.post(path, json={"views": 1}, headers=admin_headers) for _ in range(10))
    )
    assert {r.status_code for r in together} == {200}
    stats = (await me.get(f"/adverts/{advert['id']}/statistics")).json()["data"]
    assert stats == {"advert_views": 15, "phone_views": 2, "users_observing": 0}
    watched = await world.http.post(path, json={"observers": 3}, headers=admin_headers)
    assert watched.json() == {"advert_views": 15, "phone_views": 2, "users_observing": 3}
    stats = (await me.get(f"/adverts/{advert['id']}/statistics")).json()["data"]
    assert stats["users_observing"] == 3
    for bad in ({"views": -1}, {"views": 10**20}, {"likes": 3}, {"observers": 1001}, {"observers": -1}):
        refused = await world.http.post(path, json=bad, headers=admin_headers)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid"


@pytest.fixture
async def receiver(world: World) -> AsyncIterator[Receiver]:
    await quiet_outbox(world)
    server = await Receiver().start()
    yield server
    await server.stop()


async def test_deliveries_are_listed_and_replayed(
    world: World, admin_headers: dict[str, str], receiver: Receiver
) -> None:
    partner = await re_partner(world, webhook_url=receiver.url)
    try:
        posted = await partner.post(re_advert())
        assert posted.status_code == 201
        await world.http.post("/_pazar/v1/clock/advance", json={"seconds": 5}, headers=admin_headers)
        assert len(receiver.requests) == 1
        listed = await world.http.get(
            "/_pazar/v1/webhooks/deliveries",
            params={"client_id": partner.app.client_id},
            headers=admin_headers,
        )
        (delivery,) = listed.json()["deliveries"]
        assert delivery["status"] == "delivered" and delivery["event_type"] == "advert_posted_success"
        assert delivery["object_id"] == posted.json()["data"]["uuid"] and delivery["url"] == receiver.url
        replayed = await world.http.post(
            f"/_pazar/v1/webhooks/deliveries/{delivery['delivery_id']}/replay", headers=admin_headers
        )
        assert replayed.json() == {
            "id": delivery["id"],
            "delivery_id": delivery["delivery_id"],
            "status": "pending",
        }
        await world.http.post("/_pazar/v1/clock/advance", json={"seconds": 1}, headers=admin_headers)
        assert len(receiver.requests) == 2
        assert receiver.requests[1].headers["webhook-id"] == receiver.requests[0].headers["webhook-id"]
        missing = await world.http.post(
            "/_pazar/v1/webhooks/deliveries/999999999/replay", headers=admin_headers
        )
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        bad = await world.http.get(
            "/_pazar/v1/webhooks/deliveries", params={"status": "lost"}, headers=admin_headers
        )
        assert bad.status_code == 422
    finally:
        await partner.client.aclose()


async def test_a_buyer_writes_through_the_control_plane(world: World, admin_headers: dict[str, str]) -> None:
    me = await seller(world)
    advert = await me.create()
    path = f"/_pazar/v1/adverts/{advert['id']}/messages"
    body = {
        "text": "Czy telefon jest nadal dostępny?",
        "buyer": {"email": "kupiec@example.com", "name": "Kupiec"},
    }
    early = await world.http.post(path, json=body, headers=admin_headers)
    assert early.status_code == 404  # not public yet: no buyer can see it
    await run_jobs(world)
    sent = await world.http.post(path, json=body, headers=admin_headers)
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["advert_id"] == advert["id"] and message["text"] == body["text"]
    again = await world.http.post(path, json={**body, "text": "Halo?"}, headers=admin_headers)
    assert again.json()["thread_id"] == message["thread_id"]  # one thread per advert and buyer

    threads = (await me.get("/threads", params={"advert_id": advert["id"]})).json()["data"]
    assert [(t["id"], t["total_count"], t["unread_count"]) for t in threads] == [(message["thread_id"], 2, 2)]
    texts = (await me.get(f"/threads/{message['thread_id']}/messages")).json()["data"]
    assert [(m["type"], m["text"]) for m in texts] == [("received", body["text"]), ("received", "Halo?")]

    for bad, status in (
        ({"text": "x", "buyer": {"email": "k@example.com"}, "extra": 1}, 422),
        ({"text": "Hej", "buyer": {}}, 422),
        ({"text": "", "buyer": {"email": "k@example.com"}}, 400),
    ):
        refused = await world.http.post(path, json=bad, headers=admin_headers)
        assert refused.status_code == status, (bad, refused.text)
    for ref in ("9223372036854775808", "2147483648", "no-such-uuid"):
        missing = await world.http.post(
            f"/_pazar/v1/adverts/{ref}/messages", json=body, headers=admin_headers
        )
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert (await world.http.post(path, json=body)).status_code == 401


async def test_a_triggered_notification_is_real_and_signed(
    world: World, admin_headers: dict[str, str], receiver: Receiver
) -> None:
    partner = await re_partner(world, webhook_url=receiver.url)
    try:
        posted = await partner.post(re_advert())
        uuid = posted.json()["data"]["uuid"]
        await world.http.post("/_pazar/v1/clock/advance", json={"seconds": 5}, headers=admin_headers)
        before = len(receiver.requests)
        path = "/_pazar/v1/webhooks/trigger"
        made = await world.http.post(
            path, json={"advert": uuid, "event_type": "advert_posted_error"}, headers=admin_headers
        )
        assert made.status_code == 201, made.text
        assert made.json()["event_type"] == "advert_posted_error" and made.json()["object_id"] == uuid
        await world.http.post("/_pazar/v1/clock/advance", json={"seconds": 1}, headers=admin_headers)
        (sent,) = receiver.requests[before:]
        note = Webhook(partner.notification_secret).verify(
            sent.body, sent.headers
        )  # signed with the app's secret
        assert note["event_type"] == "advert_posted_error" and note["object_id"] == uuid
        assert note["flow"] == "publish_advert" and note["data"]["title"] == "Advert rejected by moderation"
        changed = await world.http.post(
            path, json={"advert": uuid, "event_type": "advert_state_changed"}, headers=admin_headers
        )
        assert changed.status_code == 201
        await world.http.post("/_pazar/v1/clock/advance", json={"seconds": 1}, headers=admin_headers)
        state = receiver.requests[-1].json()
        assert state["flow"] == "advert_lifecycle" and state["data"]["code"] == "active"

        unknown = await world.http.post(
            path, json={"advert": uuid, "event_type": "advert_exploded"}, headers=admin_headers
        )
        assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalid_event_type"
        missing = await world.http.post(
            path, json={"advert": "2147483648", "event_type": "advert_state_changed"}, headers=admin_headers
        )
        assert missing.status_code == 404
        me = await seller(world)  # a v2 app: no callback URL
        silent = await world.http.post(
            path,
            json={"advert": str((await me.create())["id"]), "event_type": "advert_state_changed"},
            headers=admin_headers,
        )
        assert silent.status_code == 400 and silent.json()["error"]["code"] == "no_callback"
        assert (await world.http.post(path, json={"advert": uuid})).status_code == 401
    finally:
        await partner.client.aclose()
