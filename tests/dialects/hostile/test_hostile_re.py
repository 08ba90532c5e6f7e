"""RE Partner API under hostile input: documented errors, never a 500, the same on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from support import World, re_advert, re_partner, re_token

VALIDATION = (400, "Invalid request", "Data validation error occurred")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (re_advert(title="Apartamento T2 \u0000 renovado"), "title"),
        (re_advert(description="Descrição \u0000" * 20), "description"),
        (re_advert(contact={"name": "Jo\u0000", "phone": "918888888", "email": "a@b.pt"}), "contact.name"),
    ],
)
async def test_nul_in_text_is_a_validation_error(world: World, body: dict[str, Any], field: str) -> None:
    me = await re_partner(world)
    response = await me.post(body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["status"], error["title"], error["detail"]) == VALIDATION
    assert field in [v["field"] for v in error["validation"]]
    await me.client.aclose()


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"title": "\xff"}',
        b'{"title": NaN}',
        b'{"price": {"value": Infinity}}',
        b'{"title": "a", "title": "b"}',
    ],
)
async def test_hostile_bodies(world: World, raw: bytes) -> None:
    me = await re_partner(world)
    response = await me.client.post(
        "/advert/v1", content=raw, headers=me.headers(**{"Content-Type": "application/json"})
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["status"] == 400
    await me.client.aclose()


async def test_huge_numbers_and_markup(world: World) -> None:
    me = await re_partner(world)
    for body in (
        re_advert(price={"value": 2**64, "currency": "EUR"}),
        re_advert(price={"value": 1e308, "currency": "EUR"}),
        re_advert(title="<script>alert(1)</script>'; DROP TABLE adverts; --"),
        re_advert(title="\u202eApartamento T2 renovado \u0430\u0435"),
    ):
        response = await me.post(body)
        assert response.status_code in (201, 400), response.text
        assert "data" in response.json() or response.json()["error"]["status"] == 400
    await me.client.aclose()


async def test_nul_in_the_token_request(world: World) -> None:
    me = await re_partner(world)
    response = await re_token(
        me.client, me.app, me.api_key, {"grant_type": "refresh_token", "refresh_token": "a\u0000"}
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request", response.text
    await me.client.aclose()
