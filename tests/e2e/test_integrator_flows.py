"""End to end, as an integrator: only HTTP, through pazar.client (the same code would talk to OLX)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from pazar.app import Pazar
from pazar.client import ApiError, PartnerClient
from support import AppCreds, World, phone_advert, run_jobs


@pytest.fixture
async def creds(world: World) -> AppCreds:
    return await world.partner_app()


@pytest.fixture
async def olx(creds: AppCreds, app: Pazar) -> AsyncIterator[PartnerClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with PartnerClient(
        "http://olx.pl", client_id=creds.client_id, client_secret=creds.client_secret, transport=transport
    ) as client:
        yield client


async def test_configuration_with_a_client_token(olx: PartnerClient) -> None:
    tokens = await olx.authorize_as_client()
    assert tokens.expires_in == 86400 and tokens.scope == "v2 read write"
    roots = await olx.get("/categories", parent_id=0)
    jobs = next(c for c in roots if c["name"] == "Praca")
    leaf = (await olx.get("/categories", parent_id=jobs["id"]))[0]
    attributes = await olx.get(f"/categories/{leaf['id']}/attributes")
    assert any(a["code"] == "salary" for a in attributes)
    cities = await olx.get("/cities", limit=5)
    assert len(cities) == 5
    with pytest.raises(ApiError) as refused:
        await olx.get("/users/me")
    assert refused.value.status == 400
    assert refused.value.body["error"]["detail"] == "Invalid owner in token"


async def test_a_seller_posts_sells_and_removes_an_advert(
    olx: PartnerClient, creds: AppCreds, world: World
) -> None:
    user = await world.user(business=True)
    code = await world.code(creds, user)
    await olx.authorize_with_code(code)
    me = await olx.get("/users/me")
    assert me["email"] == user.email

    advert = await olx.post("/adverts", phone_advert())
    assert advert["status"] == "new"
    await run_jobs(world)
    assert (await olx.get(f"/adverts/{advert['id']}"))["status"] == "active"
    assert [a["id"] for a in await olx.get("/adverts", external_id="crm-1")] == [advert["id"]]

    await olx.command(advert["id"], "deactivate", is_success=True)
    assert (await olx.get(f"/adverts/{advert['id']}"))["status"] == "removed_by_user"
    await olx.delete(f"/adverts/{advert['id']}")
    with pytest.raises(ApiError) as gone:
        await olx.get(f"/adverts/{advert['id']}")
    assert gone.value.status == 404

    world.clock.advance(timedelta(days=2))
    old_refresh = olx.tokens.refresh_token if olx.tokens else None
    await olx.refresh()
    assert olx.tokens is not None and olx.tokens.refresh_token != old_refresh
    assert (await olx.get("/users/me"))["id"] == user.id
