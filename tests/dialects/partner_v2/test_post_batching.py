"""Concurrent POST /adverts share transactions (group commit) and still answer as if each ran alone.

Every post is checked against its row: same id, same status, visible to the next request; the free
slot rule holds across a shared batch; a refused post in a batch is refused alone; an unexpected
error in one post fails that post only.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from pazar.db.models import Advert, AdvertEvent
from pazar.services.adverts import posting
from support import CARS, World, phone_advert, run_jobs, seller, validation


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


@pytest.fixture
def commits(world: World) -> Iterator[list[int]]:
    """Counts the commits of the app's engine while the test runs."""
    seen: list[int] = []
    engine = world.app.runtime.db.engine.sync_engine

    def on_commit(_: Any) -> None:
        seen.append(1)

    event.listen(engine, "commit", on_commit)
    yield seen
    event.remove(engine, "commit", on_commit)


async def test_concurrent_posts_of_two_sellers_each_get_their_own_advert(
    world: World, commits: list[int]
) -> None:
    anna, jan = await seller(world), await seller(world)
    posts = [(anna if i % 2 else jan, f"post-{i}") for i in range(40)]
    commits.clear()
    responses = await asyncio.gather(*(who.post(phone_advert(external_id=ref)) for who, ref in posts))
    assert [r.status_code for r in responses] == [200] * 40
    bodies = [r.json()["data"] for r in responses]
    assert len({b["id"] for b in bodies}) == 40
    assert [b["external_id"] for b in bodies] == [ref for _, ref in posts]
    assert {b["status"] for b in bodies} == {"new"}
    # Shared commits: fewer transactions than posts (each would otherwise commit alone).
    assert len(commits) < 40
    for (who, ref), body in zip(posts, bodies, strict=True):
        read = await who.get(f"/adverts/{body['id']}")
        assert read.json()["data"] == body, ref
        other = anna if who is jan else jan
        theirs = await other.get(f"/adverts/{body['id']}")
        assert theirs.json() == validation(("ad", "You are not the owner of this ad"))
    async with world.app.runtime.db.transaction() as session:
        posted = await session.execute(
            select(AdvertEvent.advert_id).where(
                AdvertEvent.type == "advert_posted", AdvertEvent.advert_id.in_([b["id"] for b in bodies])
            )
        )
        assert sorted(posted.scalars()) == sorted(b["id"] for b in bodies)  # one each
    await run_jobs(world)
    assert {await who.status(b["id"]) for (who, _), b in zip(posts, bodies, strict=True)} == {"active"}


async def test_the_free_limit_holds_across_a_shared_batch(world: World) -> None:
    me = await seller(world)  # cars: one free advert per user
    responses = await asyncio.gather(*(me.post(car_advert(external_id=f"car-{i}")) for i in range(12)))
    statuses = Counter(r.json()["data"]["status"] for r in responses)
    assert statuses == {"new": 1, "limited": 11}
    async with world.app.runtime.db.transaction() as session:
        rows = await session.execute(select(Advert.status).where(Advert.user_id == me.user.id))
        assert Counter(rows.scalars()) == {"new": 1, "limited": 11}


async def test_a_refused_post_in_a_batch_is_refused_alone(world: World) -> None:
    me = await seller(world)
    bodies = [
        phone_advert(external_id=f"ok-{i}") if i % 2 else phone_advert(external_id=f"bad-{i}", title="Short")
        for i in range(20)
    ]
    responses = await asyncio.gather(*(me.post(body) for body in bodies))
    for body, response in zip(bodies, responses, strict=True):
        if body["title"] == "Short":
            assert response.json() == validation(
                ("title", "Title is too short. Minimum length is 16 characters")
            )
        else:
            assert response.status_code == 200
            assert response.json()["data"]["external_id"] == body["external_id"]
    async with world.app.runtime.db.transaction() as session:
        refs = await session.execute(select(Advert.external_id).where(Advert.user_id == me.user.id))
        assert sorted(refs.scalars()) == sorted(f"ok-{i}" for i in range(1, 20, 2))


async def test_an_unexpected_error_fails_only_its_own_post(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = await seller(world)
    real = posting.create_adverts

    async def failing_on_boom(session: Any, **kwargs: Any) -> Any:
        if any(c.draft.external_id == "boom" for c in kwargs["commands"]):
            raise RuntimeError("the database went away")
        return await real(session, **kwargs)

    monkeypatch.setattr(posting, "create_adverts", failing_on_boom)
    refs = [f"fine-{i}" for i in range(10)]
    refs.insert(5, "boom")
    responses: list[httpx.Response] = await asyncio.gather(
        *(me.post(phone_advert(external_id=ref)) for ref in refs)
    )
    for ref, response in zip(refs, responses, strict=True):
        if ref == "boom":
            assert response.status_code == 500
            assert response.json()["error"]["status"] == 500
        else:
            assert response.json()["data"]["external_id"] == ref
    async with world.app.runtime.db.transaction() as session:
        stored = await session.execute(select(Advert.external_id).where(Advert.user_id == me.user.id))
        assert sorted(stored.scalars()) == sorted(r for r in refs if r != "boom")
