"""Seed 000 end to end: legacy import -> authorize with import=1 -> metadata -> PUT each -> legacy refused."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from pazar.db.models import Advert
from pazar.domain.commands import AdvertCommand, CreateAdvert
from pazar.domain.errors import Conflict, DomainError
from pazar.domain.lifecycle import Action
from pazar.domain.oauth import Principal
from pazar.services import adverts
from pazar.services.runtime import Session
from support import (
    RE_SITE,
    Receiver,
    UserCreds,
    World,
    authorize,
    dispatcher,
    quiet_outbox,
    re_advert,
    re_app,
    re_client,
    re_token,
    run_jobs,
)


@pytest.fixture(autouse=True)
async def _quiet(world: World) -> None:
    await quiet_outbox(world)


async def legacy_import(
    world: World, user: UserCreds, ref: str, *, source: str = "autoupload", title: str | None = None
) -> int:
    """An advert as a legacy bulk integration posts it (through the same core, with its own id)."""
    from pazar.dialects.re_v1.wire import to_draft

    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        site = await runtime.reference.get(session, RE_SITE)
        legacy_app = await _legacy_app(world, session)
        body = re_advert(custom_fields={"id": ref, "reference_id": f"AG-{ref}"})
        if title:
            body["title"] = title
        draft = replace(to_draft(body, site), external_id=ref)
        from pazar.services.realestate.drafts import locate

        principal = Principal(
            app_id=legacy_app, client_id="", site_id=RE_SITE, scopes=frozenset(), user_id=user.id
        )
        advert = await adverts.create_advert(
            session,
            site=site,
            principal=principal,
            command=CreateAdvert(draft=locate(site, draft), source=source),
            clock=runtime.clock,
            moderation_delay=adverts.moderation_delay(site, 0),
        )
        return advert.id


async def _legacy_app(world: World, session: Session) -> int:
    from pazar.services import accounts

    found = await accounts.find_app(session, "legacy-feed-test")
    if found is None:
        found = (
            await accounts.create_app(
                session,
                site_id=RE_SITE,
                name="Legacy feed",
                redirect_uris=["https://legacy.example.pt/cb"],
                clock=world.clock,
                client_id="legacy-feed-test",
            )
        ).app
    return found.id


async def deactivate(world: World, user: UserCreds, advert_id: int) -> None:
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        site = await runtime.reference.get(session, RE_SITE)
        advert = await session.get(Advert, advert_id)
        assert advert is not None
        principal = Principal(
            app_id=advert.app_id or 0, client_id="", site_id=RE_SITE, scopes=frozenset(), user_id=user.id
        )
        await adverts.apply_command(
            session,
            site=site,
            principal=principal,
            command=AdvertCommand(advert_id=advert_id, action=Action.DEACTIVATE, is_success=False),
            clock=runtime.clock,
            moderation_delay=adverts.moderation_delay(site, 0),
        )


async def legacy_write(world: World, user: UserCreds, ref: str) -> Advert | None:
    """What the legacy import does before writing an ad: find it by its own id (raises if claimed)."""
    async with world.app.runtime.db.transaction() as session:
        found = await adverts.find_many_for_legacy_write(
            session, site_id=RE_SITE, user_id=user.id, external_ids=[ref], source="autoupload"
        )
    match found.get(ref):
        case DomainError() as refused:
            raise refused
        case advert:
            return advert


async def test_the_whole_migration_of_seed_000(world: World) -> None:
    receiver = await Receiver().start()
    try:
        await _walk_through(world, receiver)
    finally:
        await receiver.stop()


async def _walk_through(world: World, receiver: Receiver) -> None:
    user = await world.user(site=RE_SITE, business=True, name="Agência Migrada")
    neighbour = await world.user(site=RE_SITE, business=True, name="Outra Agência")

    # 1. Before: the user's adverts, posted by the legacy import (and one by hand, one taken down).
    first = await legacy_import(world, user, "123456")
    second = await legacy_import(world, user, "123457", title="Apartamento T2 com varanda e elevador")
    inactive = await legacy_import(world, user, "123458")
    manual = await legacy_import(world, user, "M-1", source="partner_v2")
    feed = await legacy_import(world, user, "FEED-9", source="legacy_feed")
    foreign = await legacy_import(world, neighbour, "999999")
    await run_jobs(world)  # moderation publishes them
    await deactivate(world, user, inactive)
    assert (await legacy_write(world, user, "123456")) is not None  # still the legacy import's

    # 2. The user authorizes the RE app with import=1 (the login and consent page).
    app, api_key, secret = await re_app(world, webhook_url=receiver.url)
    params = await authorize(world, app.client_id, user.email, user.password, **{"import": "1"})
    assert params["state"] == ["st-42"]
    async with re_client(world) as client:
        tokens = (
            await re_token(
                client, app, api_key, {"grant_type": "authorization_code", "code": params["code"][0]}
            )
        ).json()
        headers = {"X-API-KEY": api_key, "Authorization": f"Bearer {tokens['access_token']}"}

        # 3. The metadata list shows the claimed adverts: new uuids, the old id in custom_fields.id.
        listed = (await client.get("/advert/v1/meta", headers=headers)).json()
        assert listed["pagination"]["total"] == 3
        items = {item["custom_fields"]["id"]: item for item in listed["data"]}
        assert set(items) == {"123456", "123457", "FEED-9"}  # not the manual, inactive or foreign ones
        assert items["123456"]["custom_fields"] == {"id": "123456", "reference_id": "AG-123456"}
        for item in items.values():
            assert item["last_action_status"] == "IMPORTED" and item["state"]["code"] == "active"
        async with world.app.runtime.db.transaction() as session:
            rows = {
                a.id: a
                for a in (
                    await session.execute(
                        select(Advert).where(Advert.id.in_([first, second, inactive, manual, feed, foreign]))
                    )
                ).scalars()
            }
        assert rows[first].uuid == items["123456"]["uuid"] == rows[first].external_id
        assert rows[first].claimed_at is not None and rows[first].source == "autoupload"
        assert rows[inactive].claimed_at is None and rows[inactive].external_id == "123458"
        assert rows[manual].claimed_at is None and rows[foreign].claimed_at is None

        # Paged reading works the same.
        page = (await client.get("/advert/v1/meta", params={"limit": 2}, headers=headers)).json()
        rest = (await client.get("/advert/v1/meta", params={"offset": 2, "limit": 2}, headers=headers)).json()
        assert {i["uuid"] for i in page["data"] + rest["data"]} == {i["uuid"] for i in items.values()}

        # 4. The CRM matches on custom_fields.id, stores the uuid, and PUTs every advert to resync
        # (one of them under a new id of its own: the legacy id must still be known afterwards).
        crm_ids = {ref: ("CRM-7" if ref == "123457" else ref) for ref in items}
        transactions = {}
        for ref, item in items.items():
            body = re_advert(custom_fields={"id": crm_ids[ref], "reference_id": f"AG-{ref}"})
            body["title"] = f"Apartamento sincronizado {ref} em Lisboa"
            response = await client.put(f"/advert/v1/{item['uuid']}", json=body, headers=headers)
            assert response.status_code == 200, response.text
            transactions[response.json()["transaction_id"]] = item["uuid"]
        await run_jobs(world)
        await dispatcher(world).run_until_idle()
        notes = [Webhook(secret).verify(r.body, r.headers) for r in receiver.requests]
        assert sorted((n["transaction_id"], n["object_id"], n["event_type"]) for n in notes) == sorted(
            (tx, uuid, "advert_put_success") for tx, uuid in transactions.items()
        )
        for ref, item in items.items():
            meta = (await client.get(f"/advert/v1/{item['uuid']}/meta", headers=headers)).json()["data"]
            assert meta["last_action_status"] == "PUT" and meta["custom_fields"]["id"] == crm_ids[ref]
            assert meta["state"]["code"] == "active"

    # 5. The legacy import can no longer change them (also the one whose custom_fields.id the CRM
    # changed): an error, never a duplicate.
    for ref in ("123456", "123457"):
        with pytest.raises(Conflict) as refused:
            await legacy_write(world, user, ref)
        assert refused.value.code == "advert_claimed"
    async with world.app.runtime.db.transaction() as session:
        claimed = await session.get(Advert, first)
        assert claimed is not None
        with pytest.raises(Conflict):
            adverts.ensure_writable_by(claimed, source="autoupload")
        adverts.ensure_writable_by(claimed, source="re_v1")  # the API itself may
    assert (await legacy_write(world, user, "123458")) is not None  # not claimed: still the import's
    assert (await legacy_write(world, user, "NEW-1")) is None  # a new ad: the import inserts it


async def test_import_is_a_one_time_action_and_only_with_the_parameter(world: World) -> None:
    user = await world.user(site=RE_SITE, business=True)
    await legacy_import(world, user, "A-1")
    await run_jobs(world)
    app, api_key, _ = await re_app(world)

    without = await authorize(world, app.client_id, user.email, user.password)
    async with re_client(world) as client:
        tokens = (
            await re_token(
                client, app, api_key, {"grant_type": "authorization_code", "code": without["code"][0]}
            )
        ).json()
        headers = {"X-API-KEY": api_key, "Authorization": f"Bearer {tokens['access_token']}"}
        assert (await client.get("/advert/v1/meta", headers=headers)).json()["data"] == []

        await authorize(world, app.client_id, user.email, user.password, **{"import": "1"})
        claimed = (await client.get("/advert/v1/meta", headers=headers)).json()["data"]
        assert [i["custom_fields"]["id"] for i in claimed] == ["A-1"]

        # Again with import=1: nothing changes (the uuid stays), and another app cannot take them.
        await authorize(world, app.client_id, user.email, user.password, **{"import": "1"})
        again = (await client.get("/advert/v1/meta", headers=headers)).json()["data"]
        assert [i["uuid"] for i in again] == [i["uuid"] for i in claimed]
    other, _, _ = await re_app(world)
    await authorize(world, other.client_id, user.email, user.password, **{"import": "1"})
    async with world.app.runtime.db.transaction() as session:
        rows: Any = (await session.execute(select(Advert).where(Advert.user_id == user.id))).scalars().all()
        assert {r.uuid for r in rows} == {i["uuid"] for i in claimed}
