"""/advert/v1 through HTTP: accepted at once, applied by the worker, told by signed webhook (seed 004)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from pazar.db.models import Advert, Job
from pazar.domain import webhooks as wire
from support import (
    RE_SITE,
    Receiver,
    RePartner,
    World,
    dispatcher,
    quiet_outbox,
    re_advert,
    re_code,
    re_partner,
    re_token,
    run_jobs,
    unique,
)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(autouse=True)
async def _quiet(world: World) -> None:
    await quiet_outbox(world)


@pytest.fixture
async def receiver() -> Any:
    server = await Receiver().start()
    yield server
    await server.stop()


@pytest.fixture
async def me(world: World, receiver: Receiver) -> Any:
    partner = await re_partner(world, webhook_url=receiver.url)
    yield partner
    await partner.client.aclose()


async def deliver(world: World, receiver: Receiver, partner: RePartner) -> list[dict[str, Any]]:
    """Run the worker and the dispatcher; the notifications received since the last call, verified."""
    seen = len(receiver.requests)
    await run_jobs(world)
    await dispatcher(world).run_until_idle()
    notes = []
    for request in receiver.requests[seen:]:
        payload = Webhook(partner.notification_secret).verify(request.body, request.headers)
        assert request.headers["x-signature"] == wire.x_signature(
            partner.notification_secret, payload["object_id"], payload["transaction_id"]
        )
        notes.append(payload)
    return notes


async def test_publish_is_accepted_at_once_and_notified_in_the_seed_004_shape(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    response = await me.post(re_advert())
    assert response.status_code == 201, response.text
    accepted = response.json()
    assert accepted["message"] == "Advert accepted for publication"
    data = accepted["data"]
    assert UUID.match(data["uuid"]) and UUID.match(accepted["transaction_id"])
    assert data["last_action_status"] == "TO_POST" and ISO.match(data["last_action_at"])
    assert data["custom_fields"] == {"id": "CRM-1", "reference_id": "REF-1"}
    assert receiver.requests == []  # the outcome comes later

    queued = await me.meta(data["uuid"])
    assert queued.status_code == 200 and queued.json()["data"]["last_action_status"] == "TO_POST"

    (note,) = await deliver(world, receiver, me)
    assert list(note) == [
        "destination",
        "timestamp",
        "event_timestamp",
        "transaction_id",
        "object_id",
        "flow",
        "data",
        "event_type",
    ]
    assert note["destination"] == receiver.url
    assert isinstance(note["timestamp"], int) and isinstance(note["event_timestamp"], int)
    assert note["timestamp"] == wire.millis(world.clock.now())
    assert note["event_timestamp"] >= note["timestamp"]
    assert note["transaction_id"] == accepted["transaction_id"] and note["object_id"] == data["uuid"]
    assert (note["flow"], note["event_type"]) == ("publish_advert", "advert_posted_success")
    state = note["data"]
    assert list(state) == [
        "activated_at",
        "recorded_at",
        "code",
        "moderation",
        "created_at",
        "modified_at",
        "ttl",
        "url",
    ]
    assert state["code"] == "active" and state["moderation"] == {"reason": None, "description": None}
    for key in ("activated_at", "recorded_at", "created_at", "modified_at", "ttl"):
        assert ISO.match(state[key]), key
    assert state["recorded_at"].endswith(f".{world.clock.now().microsecond // 1000:03d}+0000")
    assert state["url"].startswith("http://") and state["url"].endswith(".html")

    meta = (await me.meta(data["uuid"])).json()
    assert meta["transaction_id"] == accepted["transaction_id"]
    assert meta["message"] == "Advert status information"
    item = meta["data"]
    assert item["uuid"] == data["uuid"] and item["last_action_status"] == "POSTED"
    assert item["custom_fields"] == {"id": "CRM-1", "reference_id": "REF-1"} and item["last_error"] is None
    assert item["state"] == {**state, "recorded_at": item["state"]["recorded_at"], "visible_in_profile": True}


async def test_the_advert_is_the_core_advert_filed_by_its_coordinates(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    uuid = await me.publish()
    async with world.app.runtime.db.transaction() as session:
        advert = (await session.execute(select(Advert).where(Advert.uuid == uuid))).scalar_one()
    assert advert.site_id == RE_SITE and advert.source == "re_v1" and advert.external_id == uuid
    assert (advert.city_id, advert.location["district_id"]) == (146, 1007)  # Lisboa, Alvalade
    assert advert.price == {
        "value": 295000.0,
        "currency": "EUR",
        "negotiable": False,
        "trade": False,
        "budget": False,
    }
    assert {
        "code": "urn:concept:characteristics",
        "value": None,
        "values": ["urn:concept:elevator", "urn:concept:balcony"],
    } in advert.attributes
    assert advert.contact["email"] == "joaquim@example.pt"
    assert advert.extra["custom_fields"] == {"id": "CRM-1", "reference_id": "REF-1"}
    assert advert.extra["location_exact"] is True


async def test_immediate_moderation_is_part_of_the_operation_and_queues_no_moderation_job(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    uuid = await me.publish()
    async with world.app.runtime.db.transaction() as session:
        advert = (await session.execute(select(Advert).where(Advert.uuid == uuid))).scalar_one()
        queued = (await session.execute(select(Job.kind, Job.payload))).all()
    assert advert.status == "active"
    mine = [
        kind
        for kind, payload in queued
        if advert.id in [payload.get("advert_id"), *payload.get("advert_ids", [])]
    ]
    assert mine == ["expire"]  # the verdict came with the operation; only the expiry is left to do


async def test_an_invalid_advert_is_an_advert_posted_error(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    body = re_advert(
        title="Casa",
        contact={"name": "Joaquim", "phone": "12", "email": "not-an-email"},
        attributes=[{"urn": "urn:concept:number-of-rooms", "value": "urn:concept:99"}],
        location={"lat": 40.4168, "lon": -3.7038},  # Madrid
    )
    response = await me.post(body)
    assert response.status_code == 201
    uuid, transaction = response.json()["data"]["uuid"], response.json()["transaction_id"]
    (note,) = await deliver(world, receiver, me)
    assert (note["flow"], note["event_type"], note["object_id"]) == (
        "publish_advert",
        "advert_posted_error",
        uuid,
    )
    assert note["transaction_id"] == transaction
    error = note["data"]
    assert list(error) == ["title", "detail", "validation"]
    assert (error["title"], error["detail"]) == ("Invalid request", "Data validation error occurred")
    fields = {entry["field"] for entry in error["validation"]}
    assert {
        "title",
        "contact.phone",
        "contact.email",
        "attributes.urn:concept:number-of-rooms",
        "attributes.urn:concept:net-area-m2",
        "location",
    } <= fields
    assert all(set(entry) == {"field", "title", "detail"} for entry in error["validation"])

    meta = (await me.meta(uuid)).json()["data"]
    assert meta["state"] is None and meta["last_action_status"] == "POST_ERROR"
    assert meta["last_error"] == error
    assert (await me.put(uuid, re_advert())).status_code == 404  # no advert was created


async def test_moderation_refusing_a_new_advert_is_an_advert_posted_error(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    wanted = re_advert(
        description="Procuro apartamento T2 em Alvalade para comprar, com varanda e elevador, perto do metro e de escolas."
    )
    response = await me.post(wanted)
    (note,) = await deliver(world, receiver, me)
    assert (
        note["event_type"] == "advert_posted_error"
        and note["transaction_id"] == response.json()["transaction_id"]
    )
    assert (
        note["data"]["title"] == "Advert rejected by moderation"
        and "procuro apartamento" in note["data"]["detail"]
    )
    meta = (await me.meta(note["object_id"])).json()["data"]
    assert meta["state"]["code"] == "moderated" and meta["last_action_status"] == "POST_ERROR"


async def test_lifecycle_operations_and_their_notifications(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    uuid = await me.publish()
    await deliver(world, receiver, me)

    deactivated = await me.command(uuid, "deactivate")
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["data"]["last_action_status"] == "TO_DEACTIVATE"
    (note,) = await deliver(world, receiver, me)
    assert (note["event_type"], note["data"]["code"]) == ("advert_deactivated_success", "removed_by_user")
    assert note["transaction_id"] == deactivated.json()["transaction_id"]
    again = await me.command(uuid, "deactivate")
    assert again.status_code == 409 and again.json()["error"]["title"] == "Illegal status change"

    activated = await me.command(uuid, "activate")
    assert activated.status_code == 200
    (note,) = await deliver(world, receiver, me)  # after moderation
    assert (note["event_type"], note["data"]["code"]) == ("advert_activated_success", "active")
    assert note["transaction_id"] == activated.json()["transaction_id"]

    updated = await me.put(uuid, re_advert(title="Apartamento T2 com varanda em Alvalade"))
    assert updated.status_code == 200 and updated.json()["data"]["last_action_status"] == "TO_PUT"
    (note,) = await deliver(world, receiver, me)
    assert (note["event_type"], note["data"]["code"]) == ("advert_put_success", "active")
    assert (await me.meta(uuid)).json()["data"]["last_action_status"] == "PUT"

    deleted = await me.delete(uuid)  # an active advert: taken down, then deleted
    assert deleted.status_code == 200 and deleted.json()["data"]["last_action_status"] == "TO_DELETE"
    (note,) = await deliver(world, receiver, me)
    assert (note["event_type"], note["data"]["code"]) == ("advert_deleted_success", "removed_by_user")
    meta = (await me.meta(uuid)).json()["data"]
    assert meta["last_action_status"] == "DELETED" and meta["state"]["visible_in_profile"] is False
    for late in (await me.delete(uuid), await me.put(uuid, re_advert()), await me.command(uuid, "activate")):
        assert late.status_code == 409
    assert (await me.list_meta()).json()["data"] == []


async def test_an_invalid_put_is_an_advert_put_error_and_changes_nothing(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    uuid = await me.publish()
    await deliver(world, receiver, me)
    response = await me.put(uuid, re_advert(description="Curta."))
    (note,) = await deliver(world, receiver, me)
    assert (
        note["event_type"] == "advert_put_error"
        and note["transaction_id"] == response.json()["transaction_id"]
    )
    assert [v["field"] for v in note["data"]["validation"]] == ["description"]
    meta = (await me.meta(uuid)).json()["data"]
    assert meta["last_action_status"] == "PUT_ERROR" and meta["state"]["code"] == "active"
    assert meta["last_error"] == note["data"]


async def test_later_status_changes_are_advert_state_changed(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    uuid = await me.publish()
    await deliver(world, receiver, me)
    world.clock.advance(timedelta(days=31))
    (note,) = await deliver(world, receiver, me)
    assert (note["flow"], note["event_type"]) == ("advert_lifecycle", "advert_state_changed")
    assert note["object_id"] == uuid and note["data"]["code"] == "outdated"
    assert UUID.match(note["transaction_id"])
    await me.refresh()  # a month later: a new access token
    assert (await me.command(uuid, "activate")).status_code == 200  # outdated adverts can be activated


async def test_olx_export_rules_arrive_as_a_posted_error(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    body = re_advert(
        olx_export=True,
        images=[],
        contact={"name": "Joaquim Silva", "phone": "2123456", "email": "joaquim@example.pt"},
        attributes=[
            {"urn": "urn:concept:net-area-m2", "value": "85.5"},
            {"urn": "urn:concept:number-of-rooms", "value": "urn:concept:2"},
        ],
    )
    await me.post(body)
    (note,) = await deliver(world, receiver, me)
    assert note["event_type"] == "advert_posted_error"
    exported = {
        v["field"] for v in note["data"]["validation"] if v["title"] == "Not accepted for the OLX export"
    }
    assert exported == {"images", "contact.phone", "attributes.urn:concept:net-area-m2"}
    # Without the export the same advert is fine apart from the images rule of OLX.
    await me.post({**body, "olx_export": False, "images": [{"url": "https://cdn.example.pt/2.jpg"}]})
    (note,) = await deliver(world, receiver, me)
    assert note["event_type"] == "advert_posted_success"


async def test_a_repeated_single_choice_attribute_is_invalid(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    body = re_advert()
    body["attributes"] = [
        *body["attributes"],
        {"urn": "urn:concept:number-of-rooms", "value": "urn:concept:3"},
    ]
    await me.post(body)
    (note,) = await deliver(world, receiver, me)
    assert note["event_type"] == "advert_posted_error"
    assert [v["field"] for v in note["data"]["validation"]] == ["attributes.urn:concept:number-of-rooms"]


async def test_the_metadata_list_is_paged(world: World, receiver: Receiver, me: RePartner) -> None:
    uuids = [await me.publish(re_advert(custom_fields={"id": f"CRM-{n}"})) for n in range(3)]
    first = (await me.list_meta(limit=2)).json()
    assert first["message"] == "Adverts status information" and UUID.match(first["transaction_id"])
    assert first["pagination"] == {"offset": 0, "limit": 2, "total": 3}
    assert [i["uuid"] for i in first["data"]] == uuids[:2]
    assert first["data"][0]["custom_fields"] == {"id": "CRM-0", "reference_id": None}
    rest = (await me.list_meta(offset=2, limit=2)).json()
    assert [i["uuid"] for i in rest["data"]] == uuids[2:] and rest["pagination"]["total"] == 3
    assert (await me.list_meta(limit=0)).status_code == 400
    assert (await me.list_meta(limit=101)).status_code == 400
    # Another app of the same user sees none of them.
    other = await re_partner(world, user=me.user)
    assert (await other.list_meta()).json()["pagination"]["total"] == 0
    assert (await other.meta(uuids[0])).status_code == 403
    await other.client.aclose()


# --- synchronous answers ---------------------------------------------------------------------------


async def test_authentication_failures(world: World, me: RePartner) -> None:
    body = re_advert()
    no_key = await me.client.post("/advert/v1", json=body, headers={"Authorization": f"Bearer {me.token}"})
    assert no_key.status_code == 401
    error = no_key.json()
    assert set(error) == {"transaction_id", "message", "error"}
    assert error["message"] == "Unauthorized: Missing X-API-KEY header"
    bad_key = await me.client.post("/advert/v1", json=body, headers=me.headers(**{"X-API-KEY": "0" * 40}))
    assert bad_key.status_code == 401 and bad_key.json()["error"]["detail"] == "Invalid X-API-KEY"
    no_token = await me.client.post("/advert/v1", json=body, headers={"X-API-KEY": me.api_key})
    assert no_token.status_code == 401
    bad_token = await me.client.post("/advert/v1", json=body, headers=me.headers(Authorization="Bearer nope"))
    assert bad_token.status_code == 401
    other = await re_partner(world)
    mixed = await me.client.post("/advert/v1", json=body, headers=me.headers(**{"X-API-KEY": other.api_key}))
    assert mixed.status_code == 403 and mixed.json()["error"]["title"] == "Forbidden"
    await other.client.aclose()


async def test_malformed_requests(world: World, me: RePartner) -> None:
    headers = me.headers(**{"Content-Type": "application/json"})
    broken = await me.client.post("/advert/v1", content=b'{"title": ', headers=headers)
    assert broken.status_code == 400 and broken.json()["error"]["detail"] == "Malformed JSON"
    listed = await me.client.post("/advert/v1", content=b"[]", headers=headers)
    assert listed.status_code == 400
    huge = await me.client.post(
        "/advert/v1", content=b'{"title": "' + b"x" * 300_000 + b'"}', headers=headers
    )
    assert huge.status_code == 413
    wrong = await me.post(
        re_advert(
            site_urn="urn:site:otodompl",
            category_urn="urn:concept:castles",
            title=12,
            price={"value": "a lot"},
        )
    )
    assert wrong.status_code == 400
    error = wrong.json()["error"]
    assert (error["status"], error["title"], error["detail"]) == (
        400,
        "Invalid request",
        "Data validation error occurred",
    )
    assert [v["field"] for v in error["validation"]] == ["site_urn", "category_urn", "price.value"]
    missing = await me.post({"title": "x"})
    assert [v["field"] for v in missing.json()["error"]["validation"]] == ["site_urn", "category_urn"]


async def test_unknown_adverts_and_paths(world: World, me: RePartner) -> None:
    unknown = "0b7e5f6a-1b2c-4d3e-8f90-123456789abc"
    assert (await me.meta(unknown)).status_code == 404
    assert (await me.command(unknown, "activate")).status_code == 404
    assert (await me.meta("not-a-uuid")).status_code == 404
    assert (await me.client.get("/advert/v1/whatever/else", headers=me.headers())).status_code == 404
    method = await me.client.patch(f"/advert/v1/{unknown}", headers=me.headers())
    assert method.status_code == 405


async def test_an_operation_waits_for_the_previous_one(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    posted = await me.post(re_advert())
    uuid = posted.json()["data"]["uuid"]
    early = await me.put(uuid, re_advert())  # the POST is still queued: its advert does not exist yet
    assert early.status_code == 409 and "still being processed" in early.json()["error"]["detail"]
    await deliver(world, receiver, me)
    assert (await me.put(uuid, re_advert())).status_code == 200
    busy = await me.command(uuid, "deactivate")
    assert busy.status_code == 409
    await deliver(world, receiver, me)
    assert (await me.command(uuid, "deactivate")).status_code == 200


async def test_another_users_advert_is_forbidden(world: World, receiver: Receiver, me: RePartner) -> None:
    uuid = await me.publish()
    stranger = await world.user(site=RE_SITE, name=unique("Outro"))
    code = await re_code(world, me.app, stranger)
    token = (
        await re_token(me.client, me.app, me.api_key, {"grant_type": "authorization_code", "code": code})
    ).json()
    response = await me.client.get(
        f"/advert/v1/{uuid}/meta",
        headers={"X-API-KEY": me.api_key, "Authorization": f"Bearer {token['access_token']}"},
    )
    assert response.status_code == 403


async def test_an_app_without_a_callback_url_still_works_through_meta(world: World) -> None:
    partner = await re_partner(world)
    uuid = await partner.publish()
    meta = (await partner.meta(uuid)).json()["data"]
    assert meta["last_action_status"] == "POSTED" and meta["state"]["code"] == "active"
    await partner.client.aclose()


async def test_with_a_moderation_delay_the_verdict_settles_the_post_later(
    world: World, receiver: Receiver, me: RePartner
) -> None:
    from dataclasses import replace

    from pazar.worker import Worker

    delayed = replace(
        world.app.runtime,
        settings=world.app.runtime.settings.model_copy(update={"moderation_delay_seconds": None}),
    )
    response = await me.post(re_advert())
    uuid = response.json()["data"]["uuid"]
    await Worker(delayed, name=unique("delayed")).run_until_idle()
    await dispatcher(world).run_until_idle()
    assert receiver.requests == []  # created, waiting for moderation (3 s on imovirtual)
    waiting = (await me.meta(uuid)).json()["data"]
    assert waiting["last_action_status"] == "TO_POST" and waiting["state"]["code"] == "new"
    world.clock.advance(timedelta(seconds=3))
    (note,) = await deliver(world, receiver, me)
    assert (note["event_type"], note["transaction_id"]) == (
        "advert_posted_success",
        response.json()["transaction_id"],
    )
    assert (await me.meta(uuid)).json()["data"]["last_action_status"] == "POSTED"
