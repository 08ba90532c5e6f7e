"""Concurrent advert writes behave as if they ran one after another (an integrator's retry storm).

Each test fires real concurrent requests at the in-process app and then checks the rows and events:
one command wins, the others get the documented error, and no path takes more free slots than the
category allows.
"""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from pazar.app import Pazar, create_app
from pazar.config import Settings
from pazar.db.models import Advert, AdvertEvent
from pazar.domain.commands import ModerationDecision
from pazar.domain.errors import BadRequest
from pazar.domain.lifecycle import Action
from pazar.ports import ManualClock
from pazar.services import moderation
from pazar.services.runtime import Runtime
from support import CARS, Seller, World, bad_request, phone_advert, run_jobs, seller


def car_advert(**overrides: object) -> dict[str, object]:
    return phone_advert(
        title="Audi A4 B8 2.0 TDI kombi, bezwypadkowy",
        category_id=CARS,
        attributes=[
            {"code": "brand", "value": "audi"},
            {"code": "year", "value": 2012},
            {"code": "petrol", "value": "diesel"},
        ],
        **overrides,
    )


async def _events(world: World, advert_id: int) -> Counter[str]:
    async with world.app.runtime.db.transaction() as session:
        rows = await session.execute(select(AdvertEvent.type).where(AdvertEvent.advert_id == advert_id))
        return Counter(rows.scalars())


async def _row(world: World, advert_id: int) -> Advert:
    async with world.app.runtime.db.transaction() as session:
        advert = await session.get(Advert, advert_id)
        assert advert is not None
        return advert


async def _active(world: World, me: Seller, body: dict[str, object]) -> int:
    advert = await me.create(body)
    await run_jobs(world)
    assert await me.status(advert["id"]) == "active"
    return int(advert["id"])


@pytest.fixture
async def other_process(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on the same database, with its own engine, pool and write gate: what a second
    `pazar serve` worker process is to the first."""
    application: Pazar = create_app(settings, runtime=Runtime.from_settings(settings, clock=clock))
    await application.startup()
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl") as client:
        yield client
    await application.shutdown()


def _both(me: Seller, other: httpx.AsyncClient, method: str, path: str, count: int, **kwargs: object) -> list:
    """``count`` requests, alternating between this process and the other one."""
    headers = {"Version": "2.0", "Authorization": f"Bearer {me.token}"}
    clients = (me.world.http, other)
    return [
        clients[i % 2].request(method, f"/api/partner{path}", headers=headers, **kwargs)  # type: ignore[arg-type]
        for i in range(count)
    ]


def _statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


async def test_concurrent_deactivations_deactivate_once(
    world: World, other_process: httpx.AsyncClient
) -> None:
    me = await seller(world)
    advert_id = await _active(world, me, phone_advert())
    body = {"command": "deactivate", "is_success": True}
    responses = await asyncio.gather(
        *_both(me, other_process, "POST", f"/adverts/{advert_id}/commands", 50, json=body)
    )
    assert _statuses(responses) == {204: 1, 400: 49}
    refused = next(r for r in responses if r.status_code == 400)
    assert refused.json()["error"]["status"] == 400
    assert (await _events(world, advert_id))["advert_deactivated"] == 1
    assert await me.status(advert_id) == "removed_by_user"


async def test_concurrent_deletes_delete_once(world: World, other_process: httpx.AsyncClient) -> None:
    me = await seller(world)
    advert_id = await _active(world, me, phone_advert())
    assert (await me.command(advert_id, "deactivate", is_success=False)).status_code == 204
    responses = await asyncio.gather(*_both(me, other_process, "DELETE", f"/adverts/{advert_id}", 50))
    assert _statuses(responses) == {204: 1, 404: 49}
    assert (await _events(world, advert_id))["advert_deleted"] == 1


async def test_delete_racing_activate_ends_in_one_of_the_two_orders(
    world: World, other_process: httpx.AsyncClient
) -> None:
    me = await seller(world)
    headers = {"Version": "2.0", "Authorization": f"Bearer {me.token}"}
    for trial in range(5):
        advert_id = await _active(world, me, phone_advert(external_id=f"race-{trial}"))
        assert (await me.command(advert_id, "deactivate", is_success=False)).status_code == 204
        deleted, activated = await asyncio.gather(
            me.delete(f"/adverts/{advert_id}"),
            other_process.post(
                f"/api/partner/adverts/{advert_id}/commands", json={"command": "activate"}, headers=headers
            ),
        )
        row = await _row(world, advert_id)
        if deleted.status_code == 204:
            # Deleted first, so the activation found no advert; or activated first, then the delete
            # of a `new` advert is allowed by the transition table and wins last.
            assert row.deleted
            assert activated.status_code in (204, 404)
        else:
            assert activated.status_code == 204
            assert not row.deleted and row.status == "new"
        assert not (row.deleted and row.status == "new") or activated.status_code == 204
        events = await _events(world, advert_id)
        assert events["advert_deleted"] == (1 if row.deleted else 0)


async def test_concurrent_activations_take_only_the_free_slots(
    world: World, other_process: httpx.AsyncClient
) -> None:
    me = await seller(world)  # cars: one free advert per user
    first = await _active(world, me, car_advert())
    limited = [await me.create(car_advert(external_id=f"car-{i}")) for i in range(30)]
    assert {a["status"] for a in limited} == {"limited"}
    assert (await me.command(first, "deactivate", is_success=True)).status_code == 204
    headers = {"Version": "2.0", "Authorization": f"Bearer {me.token}"}
    clients = (me.world.http, other_process)
    responses = await asyncio.gather(
        *(
            clients[i % 2].post(
                f"/api/partner/adverts/{a['id']}/commands", json={"command": "activate"}, headers=headers
            )
            for i, a in enumerate(limited)
        )
    )
    assert _statuses(responses) == {204: 1, 400: 29}
    assert next(r for r in responses if r.status_code == 400).json() == bad_request(
        "You have reached the limit of free adverts in this category"
    )
    async with world.app.runtime.db.transaction() as session:
        taking = await session.execute(
            select(func.count())
            .select_from(Advert)
            .where(
                Advert.user_id == me.user.id, Advert.status.in_(("new", "active")), Advert.deleted.is_(False)
            )
        )
        assert taking.scalar_one() == 1


async def test_update_into_a_full_category_is_refused(world: World) -> None:
    me = await seller(world)
    await _active(world, me, car_advert())
    phone = await _active(world, me, phone_advert(external_id="phone-1"))
    moved = await me.put(phone, car_advert(external_id="phone-1"))
    assert moved.json() == bad_request("You have reached the limit of free adverts in this category")
    assert (await _row(world, phone)).category_id != CARS


async def test_reactivating_an_old_advert_respects_the_limit(world: World) -> None:
    me = await seller(world)
    car_1 = await _active(world, me, car_advert())
    assert (await me.command(car_1, "deactivate", is_success=True)).status_code == 204
    car_2 = await me.create(car_advert(external_id="car-2"))
    assert car_2["status"] == "new"
    refused = await me.command(car_1, "activate")
    assert refused.json() == bad_request("You have reached the limit of free adverts in this category")
    assert await me.status(car_1) == "removed_by_user"


async def test_a_moderator_accepting_a_blocked_advert_needs_a_free_slot(world: World) -> None:
    me = await seller(world)
    blocked = await _active(world, me, car_advert())
    runtime = world.app.runtime
    decide = functools.partial(
        moderation.moderator_decision, site_for=runtime.reference.get, clock=world.clock
    )
    async with runtime.db.transaction() as session:
        await decide(session, decision=ModerationDecision(blocked, Action.BLOCK, "spam", None, "human"))
    car_2 = await _active(world, me, car_advert(external_id="car-2"))  # the slot the blocked car left
    with pytest.raises(BadRequest) as refused:
        async with runtime.db.transaction() as session:
            await decide(session, decision=ModerationDecision(blocked, Action.ACCEPT, None, None, "human"))
    assert refused.value.code == "limit_reached"
    assert await me.status(blocked) == "blocked"
    assert (await me.command(car_2, "deactivate", is_success=True)).status_code == 204
    async with runtime.db.transaction() as session:
        await decide(session, decision=ModerationDecision(blocked, Action.ACCEPT, None, None, "human"))
    assert await me.status(blocked) == "active"
