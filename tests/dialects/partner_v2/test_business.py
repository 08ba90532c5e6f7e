"""Business accounts through HTTP: GET/PUT /users-business/me."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from messaging_support import headers
from support import World, seller, validation

FORBIDDEN = {
    "error": {
        "status": 403,
        "title": "Forbidden",
        "detail": "This action is available only for business users",
    }
}


async def _put(world: World, token: str, body: Any) -> httpx.Response:
    return await world.http.put("/api/partner/users-business/me", json=body, headers=headers(token))


async def test_a_private_user_gets_the_documented_error_on_every_business_call(world: World) -> None:
    me = await seller(world)
    for path in ("/users-business/me", "/users-business/me/logos", "/users-business/me/banners"):
        response = await me.get(path)
        assert response.status_code == 403 and response.json() == FORBIDDEN
    assert (await _put(world, me.token, {"name": "Firma"})).json() == FORBIDDEN
    for path in ("/users-business/me/logos", "/users-business/me/banners"):
        posted = await world.http.post(
            f"/api/partner{path}", json={"url": "https://cdn.example.com/l.png"}, headers=headers(me.token)
        )
        assert posted.json() == FORBIDDEN
        assert (await me.delete(f"{path}/1")).json() == FORBIDDEN


async def test_business_data_is_read_and_updated(world: World) -> None:
    me = await seller(world, business=True)
    fresh = await me.get("/users-business/me")
    assert fresh.json() == {
        "data": {
            "id": me.user.id,
            "name": "Jan",
            "description": "",
            "subdomain": "",
            "website_url": "",
            "address": {"street": "", "number": "", "postcode": "", "city": ""},
            "phones": [],
            "logo": None,
            "banner": None,
        }
    }
    sub = f"firma{me.user.id}"
    body = {  # the seed's example: a number and a phone given as JSON numbers
        "name": "My company name",
        "description": "My company description <b>'; DROP TABLE users; --",
        "subdomain": sub.upper(),
        "website_url": "http://website.com",
        "address": {"street": "Street", "number": 123, "postcode": "12-456", "city": "City Name"},
        "phones": [123456789],
    }
    updated = await _put(world, me.token, body)
    expected = {
        "id": me.user.id,
        "name": "My company name",
        "description": "My company description <b>'; DROP TABLE users; --",
        "subdomain": sub,
        "website_url": "http://website.com",
        "address": {"street": "Street", "number": "123", "postcode": "12-456", "city": "City Name"},
        "phones": ["123456789"],
        "logo": None,
        "banner": None,
    }
    assert updated.status_code == 200 and updated.json() == {"data": expected}
    assert (await me.get("/users-business/me")).json() == {"data": expected}
    # Fields not sent are kept; an empty string clears an optional one.
    partial = await _put(world, me.token, {"description": "", "phones": ["+48 601 234 567"]})
    assert partial.json()["data"] == {**expected, "description": "", "phones": ["+48 601 234 567"]}


async def test_invalid_business_data(world: World) -> None:
    me = await seller(world, business=True)
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        ({"subdomain": "not valid!"}, ("subdomain", "Invalid value")),
        ({"subdomain": "-x-"}, ("subdomain", "Invalid value")),
        ({"website_url": "javascript:alert(1)"}, ("website_url", "Invalid value")),
        ({"phones": ["1"] * 6}, ("phones", "Too many phone numbers")),
        ({"phones": ["call me"]}, ("phones", "Invalid phone format")),
        ({"name": "x" * 201}, ("name", "This value is too long.")),
        ({"name": "a\x00b"}, ("name", "Invalid value")),
        ({"address": {"street": "s" * 101}}, ("address.street", "This value is too long.")),
        ({"phones": "601234567"}, ("phones", "Invalid value")),
    ]
    for body, entry in cases:
        response = await _put(world, me.token, body)
        assert response.status_code == 400 and response.json() == validation(entry), body
    unknown = await _put(world, me.token, {"owner_id": 1})
    assert unknown.json() == {
        "data": {
            "error": {
                "status": 400,
                "title": "Bad Request",
                "detail": "Error while decoding JSON data: Syntax error",
            }
        }
    }
    assert (await me.get("/users-business/me")).json()["data"]["subdomain"] == ""  # nothing was kept
    read_only = (await world.user_token(me.app, me.user, scope="v2 read"))["access_token"]
    refused = await _put(world, read_only, {"name": "x"})
    assert refused.status_code == 401 and refused.json()["error"] == "insufficient_scope"


async def test_a_subdomain_is_unique_per_site_even_when_two_users_race_for_it(world: World) -> None:
    first = await seller(world, business=True)
    second = await seller(world, business=True)
    taken = validation(("subdomain", "This subdomain is already taken"))
    name = f"sklep{first.user.id}"
    assert (await _put(world, first.token, {"subdomain": name})).status_code == 200
    assert (await _put(world, second.token, {"subdomain": name.upper()})).json() == taken
    assert (await _put(world, first.token, {"subdomain": name})).status_code == 200  # one's own again: fine

    contested = f"race{second.user.id}"
    results = await asyncio.gather(
        _put(world, first.token, {"subdomain": contested}),
        _put(world, second.token, {"subdomain": contested}),
    )
    assert sorted(r.status_code for r in results) == [200, 400]
    loser = next(r for r in results if r.status_code == 400)
    assert loser.json() == taken
    owners = [(await s.get("/users-business/me")).json()["data"]["subdomain"] for s in (first, second)]
    assert owners.count(contested) == 1


async def test_one_user_racing_with_themself_is_not_a_subdomain_conflict(world: World) -> None:
    me = await seller(world, business=True)
    results = await asyncio.gather(*(_put(world, me.token, {"name": f"Firma {n}"}) for n in range(5)))
    assert [r.status_code for r in results] == [200] * 5
    assert (await me.get("/users-business/me")).json()["data"]["name"].startswith("Firma ")
