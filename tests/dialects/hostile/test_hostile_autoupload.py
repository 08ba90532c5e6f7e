"""Autoupload and Brasil OAuth under hostile input: documented errors, never a 500, same on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from support import BR_HOST, World, car_ad, integrator

AUTH_BR = {"Host": "auth.olx.com.br"}


@pytest.mark.parametrize(
    ("ad", "field", "code"),
    [
        (car_ad(subject="Carro \u0000 bonito em bom estado"), "subject", "ERROR_SUBJECT_INVALID"),
        (car_ad(body="Carro em bom estado \u0000" * 3), "body", "ERROR_BODY_INVALID"),
        (car_ad(phone="1199\u00009999"), "phone", "ERROR_PHONE_INVALID"),
    ],
)
async def test_nul_in_an_ad_cancels_the_import(
    world: World, ad: dict[str, Any], field: str, code: str
) -> None:
    me = await integrator(world)
    response = await me.put_import([ad])
    assert response.status_code == 400 or response.status_code == 200, response.text
    body = response.json()
    assert body["statusCode"] == -4, body
    messages = body["errors"][0]["messages"]
    assert {"category": field, "message": code} in messages or any(code in str(m) for m in messages), body


async def test_nul_in_a_param_names_the_param(world: World) -> None:
    me = await integrator(world)
    ad = car_ad()
    ad["params"] = {**ad["params"], "fuel": "1\u0000"}
    body = (await me.put_import([ad])).json()
    assert body["statusCode"] == -4 and "ERROR_FUEL_INVALID" in str(body), body


@pytest.mark.parametrize(
    "ad",
    [
        car_ad(category=2**64),
        car_ad(category=2**40),
        car_ad(price=2**64),
        car_ad(price=2**40),
        car_ad(zipcode=2**64),
        car_ad(subject="<script>alert(1)</script>'; DROP TABLE adverts; --"),
        car_ad(subject="\u202eCarro bonito em bom estado \u0430\u0435"),
    ],
)
async def test_hostile_values_in_an_ad(world: World, ad: dict[str, Any]) -> None:
    me = await integrator(world)
    response = await me.put_import([ad])
    assert response.status_code < 500, response.text
    assert response.json()["statusCode"] in (0, -4), response.text


@pytest.mark.parametrize(
    "raw",
    [
        b'{"access_token": "x", "ad_list": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
        b'{"access_token": "\xff\xfe"}',
        b'{"access_token": NaN}',
        b'{"access_token": Infinity}',
        b'{"access_token": "a", "access_token": "b"}',
        b'{"access_token": 18446744073709551616}',
        b'{"access_token": "\\u0000"}',
    ],
)
async def test_hostile_import_bodies(world: World, raw: bytes) -> None:
    response = await world.http.put("/autoupload/import", content=raw, headers={"Host": BR_HOST})
    body = response.json()
    if response.status_code == 200:  # a body read, its token refused: the seed's -6 answer
        assert body == {"token": None, "statusCode": -6, "statusMessage": "Without permission", "errors": []}
    else:
        assert response.status_code == 400 and body["property"] == "", body
        assert body["message"] in ("Malformed JSON", "Request body is not valid UTF-8"), body


async def test_a_claimed_gigabyte_is_refused_unread(world: World) -> None:
    response = await world.http.put(
        "/autoupload/import",
        content=b"{}",
        headers={"Host": BR_HOST, "Content-Length": str(2**30)},
    )
    assert response.status_code == 413, response.text


@pytest.mark.parametrize("field", ["client_id", "client_secret", "code", "grant_type"])
async def test_nul_in_the_brasil_token_request(world: World, field: str) -> None:
    form = {"grant_type": "authorization_code", "client_id": "a", "client_secret": "b", "code": "c"}
    form[field] = "x\u0000y"
    for response in (
        await world.http.post("/oauth/token", data=form, headers=AUTH_BR),
        await world.http.post("/oauth/token", json=form, headers=AUTH_BR),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_request"
