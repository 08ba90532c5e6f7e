"""Partner API v2 under hostile input: every answer is a documented 4xx shape, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from support import V2, World, phone_advert, seller

BIG = 2**64
HOSTILE_BODIES: dict[str, dict[str, Any]] = {
    "huge category": phone_advert(category_id=BIG),
    "int64 category": phone_advert(category_id=2**40),
    "huge city": phone_advert(location={"city_id": 2**40}),
    "huge district": phone_advert(location={"city_id": 627, "district_id": 2**40}),
    "huge price": phone_advert(price={"value": 10**30, "currency": "PLN"}),
    "NUL in title": phone_advert(title="iPhone 13 Pro 128GB \u0000 grafitowy, stan idealny"),
    "NUL in description": phone_advert(description="Opis " * 20 + "\u0000"),
    "NUL in external id": phone_advert(external_id="a\u0000b"),
    "NUL in attribute": phone_advert(attributes=[{"code": "state\u0000", "value": "used\u0000"}]),
    "NUL in contact": phone_advert(contact={"name": "Jan\u0000", "phone": "601234567"}),
    "SQL in title": phone_advert(title="Telefon'); DROP TABLE adverts; --"),
    "HTML in title": phone_advert(title="<script>alert(1)</script> iPhone 13"),
    "RTL and confusables": phone_advert(title="\u202eiPhone 13 Pro 128GB grafitowy \u0456\u043e\u0455"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
async def test_hostile_advert_bodies(world: World, name: str) -> None:
    me = await seller(world)
    response = await me.post(HOSTILE_BODIES[name])
    assert response.status_code < 500, response.text
    body = response.json()
    assert ("data" in body and response.status_code == 200) or body["error"]["status"] == response.status_code


@pytest.mark.parametrize(
    "name", ["NUL in title", "NUL in description", "NUL in external id", "NUL in contact"]
)
async def test_nul_is_a_validation_error(world: World, name: str) -> None:
    me = await seller(world)
    response = await me.post(HOSTILE_BODIES[name])
    assert response.status_code == 400, response.text
    assert response.json()["error"]["detail"] == "Data validation error occurred"


@pytest.mark.parametrize(
    "params",
    [
        {"external_id": "a\u0000b"},
        {"category_ids": "99999999999999999999"},
        {"category_ids": "1,\u0000"},
        {"offset": "9223372036854775808"},
        {"limit": "-1"},
    ],
)
async def test_hostile_advert_list_queries(world: World, params: dict[str, str]) -> None:
    me = await seller(world)
    response = await world.http.get(
        "/api/partner/adverts", params=params, headers={**V2, "Authorization": f"Bearer {me.token}"}
    )
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["error"]["status"] == 400


async def test_nul_in_the_token_request(world: World) -> None:
    for body in (
        {"grant_type": "client_credentials", "client_id": "a\u0000b", "client_secret": "x"},
        {"grant_type": "client_credentials\u0000", "client_id": "a", "client_secret": "x"},
        {"grant_type": "refresh_token", "client_id": "a", "client_secret": "x", "refresh_token": "\u0000"},
    ):
        response = await world.token(body)
        assert response.status_code in (400, 401), response.text
        assert response.json()["error"] in ("invalid_client", "invalid_request", "unsupported_grant_type")
