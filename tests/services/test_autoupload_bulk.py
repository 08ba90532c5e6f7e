"""The bulk advert use cases and the batch moderation job: the same rows and events as one by one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from pazar.db.models import Advert, AdvertEvent, Job, PartnerApp, WebhookDelivery
from pazar.domain.commands import (
    AdvertDraft,
    AttributeValue,
    Contact,
    CreateAdvert,
    Location,
    Price,
    UpdateAdvert,
)
from pazar.domain.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from pazar.domain.oauth import Principal
from pazar.services import adverts, moderation
from pazar.services.reference import SiteSnapshot
from support import BR_SITE, World, run_jobs, unique

ZERO = timedelta(0)


@pytest.fixture(autouse=True)
async def forget_batch_jobs(world: World) -> AsyncIterator[None]:
    """tests/test_worker.py reads every ``moderate`` job as a one-advert job: leave none with a list."""
    yield
    async with world.app.runtime.db.transaction() as session:
        rows = (await session.execute(select(Job.id, Job.payload).where(Job.kind == "moderate"))).all()
        batch = [job_id for job_id, payload in rows if "advert_ids" in payload]
        if batch:
            await session.execute(delete(Job).where(Job.id.in_(batch)))


def flat(ref: str, **overrides: Any) -> AdvertDraft:
    fields: dict[str, Any] = {
        "title": "Apartamento 2 quartos",
        "description": "Perto do metrô, reformado.",
        "category_id": 1020,
        "contact": Contact(name="Revenda", phone="11987654321"),
        "location": Location(city_id=None, zipcode="01310100"),
        "price": Price(value=3500, currency="BRL"),
        "attributes": (AttributeValue("apartment_type", "1"), AttributeValue("rooms", "2")),
        "external_id": ref,
        "extra": {"type": "u"},
    }
    fields.update(overrides)
    return AdvertDraft(**fields)


async def _owner(world: World) -> tuple[Principal, SiteSnapshot]:
    app = await world.partner_app(site=BR_SITE, scopes=["autoupload"], grants=["authorization_code"])
    user = await world.user(site=BR_SITE)
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        row = (
            await session.execute(select(PartnerApp).where(PartnerApp.client_id == app.client_id))
        ).scalar_one()
        site = await runtime.reference.get(session, BR_SITE)
    principal = Principal(
        app_id=row.id, client_id=app.client_id, site_id=BR_SITE, scopes=frozenset(), user_id=user.id
    )
    return principal, site


COMPARED = (
    "site_id",
    "user_id",
    "app_id",
    "source",
    "status",
    "deleted",
    "title",
    "description",
    "category_id",
    "root_category_id",
    "advertiser_type",
    "city_id",
    "contact",
    "location",
    "images",
    "price",
    "salary",
    "attributes",
    "courier",
    "ad_delivery",
    "extra",
    "activated_at",
    "valid_to",
)


async def _rows(world: World, ids: list[int]) -> list[dict[str, Any]]:
    async with world.app.runtime.db.transaction() as session:
        found = (
            await session.execute(select(Advert).where(Advert.id.in_(ids)).order_by(Advert.id))
        ).scalars()
        return [{name: getattr(a, name) for name in COMPARED} for a in found]


async def _events(world: World, advert_id: int) -> list[tuple[str, dict[str, Any]]]:
    async with world.app.runtime.db.transaction() as session:
        rows = await session.execute(
            select(AdvertEvent.type, AdvertEvent.payload)
            .where(AdvertEvent.advert_id == advert_id)
            .order_by(AdvertEvent.id)
        )
        return [(t, p) for t, p in rows.all()]


async def test_bulk_create_writes_what_create_writes(world: World) -> None:
    principal, site = await _owner(world)
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        single = await adverts.create_advert(
            session,
            site=site,
            principal=principal,
            command=CreateAdvert(flat("one"), "autoupload"),
            clock=world.clock,
            moderation_delay=ZERO,
        )
        results = await adverts.create_adverts(
            session,
            site=site,
            principal=principal,
            commands=[
                CreateAdvert(flat("two"), "autoupload"),
                CreateAdvert(flat("bad", title="x"), "autoupload"),
                CreateAdvert(flat("three"), "autoupload"),
            ],
            clock=world.clock,
            moderation_delay=ZERO,
        )
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert isinstance(results[1], ValidationFailed)
    assert [(e.field, e.code) for e in results[1].errors] == [("title", "too_short")]
    one, two = await _rows(world, [single.id, results[0]])
    assert {k: v for k, v in one.items() if k != "extra"} == {k: v for k, v in two.items() if k != "extra"}
    assert await _events(world, single.id) == await _events(world, results[0])
    async with runtime.db.transaction() as session:
        jobs = (await session.execute(select(Job.payload).where(Job.kind == "moderate"))).scalars().all()
    assert {"advert_ids": [results[0], results[2]]} in jobs  # one moderation job for the batch

    assert await run_jobs(world) >= 2
    one, two, three = await _rows(world, [single.id, results[0], results[2]])
    assert one["status"] == two["status"] == three["status"] == "active"
    assert one["valid_to"] - one["activated_at"] == two["valid_to"] - two["activated_at"]
    assert await _events(world, single.id) == await _events(world, results[0])


async def test_batch_moderation_refuses_blocks_and_holds_like_one_by_one(world: World) -> None:
    principal, site = await _owner(world)
    drafts = [
        flat("fine"),
        flat("banned", title="Vendo cocaína"),
        flat("fixable", description="Atacado de apartamentos, lista de preços"),
    ]
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        singles = [
            (
                await adverts.create_advert(
                    session,
                    site=site,
                    principal=principal,
                    command=CreateAdvert(d, "autoupload"),
                    clock=world.clock,
                    moderation_delay=ZERO,
                )
            ).id
            for d in drafts
        ]
        bulk = await adverts.create_adverts(
            session,
            site=site,
            principal=principal,
            commands=[
                CreateAdvert(replace(d, external_id=f"{d.external_id}-b"), "autoupload") for d in drafts
            ],
            clock=world.clock,
            moderation_delay=ZERO,
            schedule_moderation=False,
        )
    ids = [i for i in bulk if isinstance(i, int)]
    async with runtime.db.transaction() as session:
        await moderation.run_moderation_batch(
            session, advert_ids=ids, site_for=runtime.reference.get, clock=world.clock
        )
    await run_jobs(world)  # the single adverts' own jobs
    statuses = [r["status"] for r in await _rows(world, singles)]
    assert statuses == ["active", "blocked", "moderated"]
    assert [r["status"] for r in await _rows(world, ids)] == statuses
    for single, batched in zip(singles, ids, strict=True):
        assert await _events(world, single) == await _events(world, batched)
    async with runtime.db.transaction() as session:
        # A second run changes nothing: accepted ones stay, refused ones are not reviewed again.
        await moderation.run_moderation_batch(
            session, advert_ids=ids, site_for=runtime.reference.get, clock=world.clock
        )
    assert [len(await _events(world, i)) for i in ids] == [2, 2, 2]


async def test_the_moderate_job_takes_a_list_and_still_takes_one(world: World) -> None:
    principal, site = await _owner(world)
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        made = await adverts.create_adverts(
            session,
            site=site,
            principal=principal,
            commands=[CreateAdvert(flat(unique("a")), "autoupload") for _ in range(3)],
            clock=world.clock,
            moderation_delay=ZERO,
            schedule_moderation=False,
        )
        ids = [i for i in made if isinstance(i, int)]
        await adverts.schedule_moderation_batch(session, ids[:2], now=world.clock.now(), delay=ZERO)
        from pazar.services import jobs

        await jobs.enqueue(
            session,
            kind="moderate",
            payload={"advert_id": ids[2]},
            run_at=world.clock.now(),
            now=world.clock.now(),
        )
    await run_jobs(world)
    assert [r["status"] for r in await _rows(world, ids)] == ["active"] * 3
    async with runtime.db.transaction() as session:
        expiry = (await session.execute(select(Job.payload).where(Job.kind == "expire"))).scalars().all()
    assert {"advert_ids": ids[:2]} in expiry and {"advert_ids": [ids[2]]} in expiry


async def test_bulk_update_and_delete_follow_the_transition_table(world: World) -> None:
    principal, site = await _owner(world)
    stranger, _ = await _owner(world)
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        made = await adverts.create_adverts(
            session,
            site=site,
            principal=principal,
            commands=[CreateAdvert(flat(f"u{i}"), "autoupload") for i in range(4)],
            clock=world.clock,
            moderation_delay=ZERO,
        )
    ids = [i for i in made if isinstance(i, int)]
    await run_jobs(world)
    async with runtime.db.transaction() as session:
        await session.execute(update(Advert).where(Advert.id == ids[3]).values(status="blocked"))
    async with runtime.db.transaction() as session:
        results = await adverts.update_adverts(
            session,
            site=site,
            principal=principal,
            commands=[
                UpdateAdvert(ids[0], flat("u0", title="Apartamento 3 quartos")),
                UpdateAdvert(ids[1], flat("u1", title="")),
                UpdateAdvert(ids[3], flat("u3")),
                UpdateAdvert(999_999_999, flat("x")),
            ],
            clock=world.clock,
            moderation_delay=ZERO,
        )
        foreign = await adverts.update_adverts(
            session,
            site=site,
            principal=stranger,
            commands=[UpdateAdvert(ids[2], flat("u2"))],
            clock=world.clock,
            moderation_delay=ZERO,
        )
    assert results[0] == ids[0]
    assert isinstance(results[1], ValidationFailed)
    assert isinstance(results[2], InvalidState)
    assert isinstance(results[3], NotFound)
    assert isinstance(foreign[0], PermissionDenied)
    row = (await _rows(world, [ids[0]]))[0]
    assert row["title"] == "Apartamento 3 quartos" and row["status"] == "active"
    assert (await _events(world, ids[0]))[-1] == (
        "advert_updated",
        {"status": "active", "site": BR_SITE, "previous_status": "active"},
    )

    async with runtime.db.transaction() as session:
        deleted = await adverts.delete_adverts(
            session,
            principal=principal,
            advert_ids=[ids[0], ids[1]],
            clock=world.clock,
            deactivate_active=True,
        )
        refused = await adverts.delete_adverts(
            session, principal=principal, advert_ids=[ids[2]], clock=world.clock
        )
    assert deleted == [ids[0], ids[1]]
    assert isinstance(refused[0], InvalidState)  # v2's rule: an active advert is not deleted as it is
    types = [t for t, _ in await _events(world, ids[0])]
    assert types[-2:] == ["advert_deactivated", "advert_deleted"]
    assert [r["deleted"] for r in await _rows(world, [ids[0], ids[2]])] == [True, False]


async def test_an_app_that_listens_for_webhooks_gets_every_event(world: World) -> None:
    principal, site = await _owner(world)
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        await session.execute(
            update(PartnerApp)
            .where(PartnerApp.id == principal.app_id)
            .values(webhook_url="https://crm.example.com/h")
        )
    async with runtime.db.transaction() as session:
        made = await adverts.create_adverts(
            session,
            site=site,
            principal=principal,
            commands=[CreateAdvert(flat(unique("w")), "autoupload") for _ in range(2)],
            clock=world.clock,
            moderation_delay=ZERO,
            schedule_moderation=False,  # as the import does: one review job for the batch
        )
    ids = [i for i in made if isinstance(i, int)]
    async with runtime.db.transaction() as session:
        queued = (await session.execute(select(Job.payload).where(Job.kind == "moderate"))).scalars()
        assert not [p for p in queued if p.get("advert_id") in ids]  # one by one, still no job each
        await moderation.run_moderation_batch(
            session, advert_ids=ids, site_for=runtime.reference.get, clock=world.clock
        )
    async with runtime.db.transaction() as session:  # what the batch's transaction committed
        sent = (
            await session.execute(
                select(WebhookDelivery.object_id, WebhookDelivery.payload).where(
                    WebhookDelivery.app_id == principal.app_id
                )
            )
        ).all()
        uuids = set((await session.execute(select(Advert.uuid).where(Advert.id.in_(ids)))).scalars())
    # posted (new) and activated (active), for each advert, each about its own advert
    assert sorted((o, p["data"]["code"]) for o, p in sent) == sorted(
        (u, code) for u in uuids for code in ("active", "new")
    )


async def test_one_by_one_and_as_a_batch_notify_the_same(world: World) -> None:
    """The equivalence of the one write path: the same drafts, written one by one (as v2 and RE do)
    and as one batch (as the import does), give the same rows, events and webhook deliveries."""
    principal, site = await _owner(world)
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        await session.execute(
            update(PartnerApp)
            .where(PartnerApp.id == principal.app_id)
            .values(webhook_url="https://crm.example.com/h")
        )
    writing: dict[str, Any] = {
        "site": site,
        "principal": principal,
        "clock": world.clock,
        "moderation_delay": ZERO,
    }
    drafts = [flat("eq-1"), flat("eq-2", title="Vendo cocaína")]
    async with runtime.db.transaction() as session:
        singles = [
            (await adverts.create_advert(session, command=CreateAdvert(d, "autoupload"), **writing)).id
            for d in drafts
        ]
    again = [replace(d, external_id=f"{d.external_id}-b") for d in drafts]  # one external id per advert
    async with runtime.db.transaction() as session:
        batch = await adverts.create_adverts(
            session, commands=[CreateAdvert(d, "autoupload") for d in again], **writing
        )
    assert all(isinstance(i, int) for i in batch)
    await run_jobs(world)

    async def notified(advert_id: int) -> list[tuple[str, str | None]]:
        async with runtime.db.transaction() as session:
            advert = await session.get(Advert, advert_id)
            assert advert is not None
            rows = await session.execute(
                select(WebhookDelivery.event_type, WebhookDelivery.payload)
                .where(WebhookDelivery.object_id == advert.uuid)
                .order_by(WebhookDelivery.id)
            )
            return [(kind, (payload.get("data") or {}).get("code")) for kind, payload in rows.all()]

    for single, batched in zip(singles, batch, strict=True):
        assert isinstance(batched, int)
        one, two = await _rows(world, [single, batched])
        assert {k: v for k, v in one.items() if k != "extra"} == {
            k: v for k, v in two.items() if k != "extra"
        }
        assert await _events(world, single) == await _events(world, batched)
        assert await notified(single) == await notified(batched)
        assert len(await notified(single)) == 2  # posted, then the verdict
