"""Injected faults over HTTP: each dialect's own error body, times, probability with a seed, matching."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from support import V2, World, phone_advert, re_client, seller

FAULTS = "/_pazar/v1/faults"


@pytest.fixture(autouse=True)
async def _no_faults_left(world: World, admin_headers: dict[str, str]) -> AsyncIterator[None]:
    yield
    assert (await world.http.delete(FAULTS, headers=admin_headers)).status_code == 200


async def add(world: World, headers: dict[str, str], spec: dict[str, object]) -> dict[str, object]:
    response = await world.http.post(FAULTS, json=spec, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_429_is_seen_once_and_the_retry_succeeds(world: World, admin_headers: dict[str, str]) -> None:
    me = await seller(world)
    fault = await add(
        world,
        admin_headers,
        {
            "match": {"method": "POST", "path": "/api/partner/adverts"},
            "effect": {"status": 429, "retry_after": 2},
            "times": 1,
        },
    )
    assert (
        fault["remaining"] == 1
        and fault["hits"] == 0
        and fault["effect"] == {"status": 429, "retry_after": 2, "drop": False}
    )
    first = await me.post(phone_advert())
    assert first.status_code == 429
    assert first.headers["retry-after"] == "2"
    assert first.json() == {
        "error": {
            "status": 429,
            "title": "Too Many Requests",
            "detail": "Too many requests, please try again later",
        }
    }
    retry = await me.post(phone_advert())
    assert retry.status_code == 200, retry.text
    assert retry.json()["data"]["status"] == "new"
    (listed,) = (await world.http.get(FAULTS, headers=admin_headers)).json()["faults"]
    assert (listed["id"], listed["remaining"], listed["hits"], listed["seen"]) == (fault["id"], 0, 1, 1)
    journal = (
        await world.http.get(
            "/_pazar/v1/requests",
            params={"path": "/api/partner/adverts", "method": "POST"},
            headers=admin_headers,
        )
    ).json()
    assert [c["status"] for c in journal["requests"][:2]] == [200, 429]


async def test_each_dialect_answers_in_its_own_shape(world: World, admin_headers: dict[str, str]) -> None:
    await add(world, admin_headers, {"match": {"path": "/advert/v1"}, "effect": {"status": 503}})
    await add(
        world, admin_headers, {"match": {"path": "/autoupload/import"}, "effect": {"status": 429}, "times": 1}
    )
    await add(
        world, admin_headers, {"match": {"path": "/autoupload/import"}, "effect": {"status": 503}, "times": 1}
    )
    await add(
        world, admin_headers, {"match": {"path": "/autoupload/import"}, "effect": {"status": 500}, "times": 1}
    )
    async with re_client(world) as client:
        re_answer = await client.post("/advert/v1", json={}, headers={"X-API-KEY": "k"})
    assert re_answer.status_code == 503
    body = re_answer.json()
    assert body["error"] == {
        "status": 503,
        "title": "Service Unavailable",
        "detail": "The service is unavailable, please try again later",
    }
    assert (
        body["message"] == "Service Unavailable: The service is unavailable, please try again later"
        and body["transaction_id"]
    )
    answers = [await world.http.put("/autoupload/import", json={"access_token": "t"}) for _ in range(4)]
    assert [(a.status_code, a.json()["statusCode"]) for a in answers[:3]] == [(200, -2), (200, -5), (500, -1)]
    assert answers[0].json() == {
        "token": None,
        "statusCode": -2,
        "statusMessage": "The request was blocked",
        "errors": [],
    }
    assert answers[1].json()["statusMessage"] == "Import is down"
    assert "x-pazar-fault" not in answers[3].headers  # the faults were used up: the real answer


async def test_a_probability_with_a_seed_is_reproducible(world: World, admin_headers: dict[str, str]) -> None:
    spec = {
        "match": {"path": "/api/partner/categories"},
        "effect": {"status": 500},
        "probability": 0.5,
        "seed": 7,
    }

    async def pattern() -> list[int]:
        fault = await add(world, admin_headers, spec)
        statuses = [
            (await world.http.get("/api/partner/categories", headers=V2)).status_code for _ in range(16)
        ]
        await world.http.delete(f"{FAULTS}/{fault['id']}", headers=admin_headers)
        return statuses

    first, second = await pattern(), await pattern()
    assert first == second
    assert set(first) == {401, 500}  # 401: the real answer to a call without a token


async def test_times_holds_under_concurrency(world: World, admin_headers: dict[str, str]) -> None:
    await add(
        world,
        admin_headers,
        {"match": {"path": "/api/partner/categories"}, "effect": {"status": 502}, "times": 3},
    )
    answers = await asyncio.gather(
        *(world.http.get("/api/partner/categories", headers=V2) for _ in range(20))
    )
    assert sorted(a.status_code for a in answers) == [401] * 17 + [502] * 3


async def test_matching_by_template_method_site_and_client(
    world: World, admin_headers: dict[str, str]
) -> None:
    me, other = await seller(world), await seller(world)
    advert = await me.create()
    await add(
        world,
        admin_headers,
        {
            "match": {
                "method": "GET",
                "path": "/api/partner/adverts/{id}",
                "site": "olx.pl",
                "client_id": me.app.client_id,
            },
            "effect": {"status": 504},
        },
    )
    assert (await me.get(f"/adverts/{advert['id']}")).status_code == 504
    assert (await me.get("/adverts")).status_code == 200  # not the template
    assert (await other.get("/adverts/1")).status_code == 404  # another client: the real answer
    assert (await me.get(f"/adverts/{advert['id']}/statistics")).status_code != 504  # one more segment


async def test_a_delay_alone_lets_the_call_through(world: World, admin_headers: dict[str, str]) -> None:
    fault = await add(
        world,
        admin_headers,
        {"match": {"path": "/api/partner/categories"}, "effect": {"delay_ms": 20}, "times": 1},
    )
    answer = await world.http.get("/api/partner/categories", headers=V2)
    assert answer.status_code == 401 and "x-pazar-fault" not in answer.headers
    (listed,) = (await world.http.get(FAULTS, headers=admin_headers)).json()["faults"]
    assert listed["id"] == fault["id"] and listed["hits"] == 1


@pytest.mark.parametrize(
    "spec",
    [
        {"effect": {"status": 404}},
        {"effect": {}},
        {"effect": {"status": 500, "drop": True}},
        {"effect": {"status": 500}, "times": 0},
        {"effect": {"status": 500}, "probability": 1.5},
        {"effect": {"delay_ms": 10**9}},
        {"match": {"path": "no-slash"}, "effect": {"status": 500}},
        {"match": {"method": "GET; DROP TABLE"}, "effect": {"status": 500}},
        {"effect": {"status": 500}, "seed": 2**64},
        {"effect": {"status": 500}, "extra": True},
    ],
)
async def test_bad_faults_are_refused(
    world: World, admin_headers: dict[str, str], spec: dict[str, object]
) -> None:
    response = await world.http.post(FAULTS, json=spec, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid"
    assert (await world.http.get(FAULTS, headers=admin_headers)).json() == {"faults": []}


async def test_deleting_faults(world: World, admin_headers: dict[str, str]) -> None:
    one = await add(
        world, admin_headers, {"effect": {"status": 500}, "match": {"path": "/api/partner/categories"}}
    )
    await add(world, admin_headers, {"effect": {"status": 500}, "match": {"path": "/advert/v1"}})
    assert (await world.http.delete(f"{FAULTS}/{one['id']}", headers=admin_headers)).json() == {"deleted": 1}
    assert (await world.http.delete(f"{FAULTS}/{one['id']}", headers=admin_headers)).status_code == 404
    assert (
        await world.http.delete(f"{FAULTS}/18446744073709551616", headers=admin_headers)
    ).status_code == 404
    assert (await world.http.get("/api/partner/categories", headers=V2)).status_code == 401
    assert (await world.http.delete(FAULTS, headers=admin_headers)).json() == {"deleted": 1}
