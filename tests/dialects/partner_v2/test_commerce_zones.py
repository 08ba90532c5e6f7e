"""Regional pricing (an OLX.ua feature): a site configuration that prices one root category by zone."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator

import pytest

from commerce_support import credit, post
from pazar.db.models import Site
from support import World, seller, validation

REAL_ESTATE = 3  # Nieruchomości, priced by zone in this test
KYIV, WEST = "99040cfe-d68c-416f-85a9-1401cfa5f109", "2f7a4320-c16f-4117-81a2-50fdb1fa51eb"
ZONES = [
    {
        "id": KYIV,
        "whole_country": False,
        "whole_region": True,
        "labels": {"pl": "Kijów obwód", "uk": "Київ область"},
        "sub_zones": [{"id": "a257ef6a-673e-49f5-b903-eea4c775b74c", "labels": {"pl": "Kijów"}}],
        "region_ids": [2],
    },
    {
        "id": WEST,
        "whole_country": True,
        "whole_region": False,
        "labels": {"pl": "Reszta kraju"},
        "sub_zones": [],
    },
]


@pytest.fixture
async def regional(world: World) -> AsyncIterator[None]:
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        site = await session.get(Site, "olx.pl")
        assert site is not None
        before = copy.deepcopy(site.config)
        config = copy.deepcopy(site.config)
        config["commerce"]["zones"] = ZONES
        config["commerce"]["zone_prices"] = {str(REAL_ESTATE): {KYIV: 120, WEST: 90}}
        site.config = config
    runtime.reference.invalidate()
    yield
    async with runtime.db.transaction() as session:
        site = await session.get(Site, "olx.pl")
        assert site is not None
        site.config = before
    runtime.reference.invalidate()


async def test_zones_price_packets_where_regional_pricing_is_on(world: World, regional: None) -> None:
    me = await seller(world)
    zones = (await me.get("/zones", params={"category_id": REAL_ESTATE})).json()["data"]
    assert zones == [{k: v for k, v in z.items() if k != "region_ids"} for z in ZONES]
    assert (await me.get("/zones", params={"category_id": 84})).json() == {"data": []}
    missing = await me.get("/packets", params={"category_id": REAL_ESTATE, "payment_method": "account"})
    assert missing.json() == validation(("zone_id", "This field is required"))
    unknown = await me.get(
        "/packets", params={"category_id": REAL_ESTATE, "payment_method": "account", "zone_id": "x"}
    )
    assert unknown.json() == validation(("zone_id", "Invalid value"))
    kyiv = await me.get(
        "/packets", params={"category_id": REAL_ESTATE, "payment_method": "account", "zone_id": KYIV}
    )
    west = await me.get(
        "/packets", params={"category_id": REAL_ESTATE, "payment_method": "account", "zone_id": WEST}
    )
    assert [(p["size"], p["price"]) for p in kyiv.json()["data"]] == [
        (1, 34.8),
        (5, 154.8),
        (10, 286.8),
        (50, 1198.8),
    ]
    assert [(p["size"], p["price"]) for p in west.json()["data"]] == [
        (1, 26.1),
        (5, 116.1),
        (10, 215.1),
        (50, 899.1),
    ]
    await credit(world, me.user.id, 20000)
    body = {"payment_method": "account", "category_id": REAL_ESTATE, "size": 5}
    assert (await post(me, "/users/me/packets", body)).json() == validation(
        ("zone_id", "This field is required")
    )
    assert (await post(me, "/users/me/packets", {**body, "zone_id": KYIV})).status_code == 204
    mine = (await me.get("/users/me/packets")).json()["data"]
    assert (mine[0]["price"], mine[0]["zone_id"], mine[0]["location_name"]) == (154.8, KYIV, "Kijów obwód")
    assert (await me.get("/users/me/account-balance")).json()["data"]["sum"] == 45.2
