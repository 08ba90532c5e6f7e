"""Commerce through HTTP (seed 003's paid flow): balance, billing, invoices, packets, paid slots."""

from __future__ import annotations

import asyncio
import copy
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from commerce_support import car_advert, credit, post
from pazar.app import Pazar, create_app
from pazar.config import Settings
from pazar.db.models import Site
from pazar.ports import ManualClock
from pazar.services.runtime import Runtime
from support import CARS, World, bad_request, phone_advert, run_jobs, seller, validation

NOT_ENOUGH = bad_request("Not enough credits")
LIMIT = bad_request("You have reached the limit of free adverts in this category")


@pytest.fixture
async def other_process(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on the same database: what a second `pazar serve` process is to the first."""
    application: Pazar = create_app(settings, runtime=Runtime.from_settings(settings, clock=clock))
    await application.startup()
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl") as client:
        yield client
    await application.shutdown()


async def test_balance_and_payment_methods_come_from_the_ledger(world: World) -> None:
    me = await seller(world)
    empty = await me.get("/users/me/account-balance")
    assert empty.json() == {"data": {"sum": 0, "wallet": 0, "bonus": 0, "refund": 0, "currency": "PLN"}}
    await credit(world, me.user.id, 10000)
    await credit(world, me.user.id, 550, pocket="bonus")
    await credit(world, me.user.id, 1, pocket="refund")
    body = (await me.get("/users/me/account-balance")).json()
    assert body == {"data": {"sum": 105.51, "wallet": 100, "bonus": 5.5, "refund": 0.01, "currency": "PLN"}}
    assert (await me.get("/users/me/payment-methods")).json() == {"data": ["account"]}
    business = await seller(world, business=True)
    assert (await business.get("/users/me/payment-methods")).json() == {"data": ["account", "postpaid"]}
    billing = (await me.get("/users/me/billing")).json()["data"]
    assert [(b["name"], b["price"], b["advert_id"]) for b in billing] == [
        ("Doładowanie", 0.01, None),
        ("Doładowanie", 5.5, None),
        ("Doładowanie", 100, None),
    ]
    assert billing[0]["date"] == "2026-01-15 11:00:00"  # Europe/Warsaw
    assert (await me.get("/users/me/prepaid-invoices")).json() == {"data": []}
    assert (await me.get("/users/me/postpaid-invoices")).json() == {"data": []}


async def test_seed_003_flow_limited_then_packet_then_activate(world: World) -> None:
    me = await seller(world)
    first = await me.create(car_advert())
    assert first["status"] == "new"
    limited = await me.create(car_advert(external_id="car-2"))
    assert limited["status"] == "limited"
    assert (await me.command(limited["id"], "activate")).json() == LIMIT
    offers = await me.get("/packets", params={"category_id": CARS, "payment_method": "account"})
    assert offers.json()["data"][:2] == [
        {
            "size": 1,
            "category_id": CARS,
            "name": "Pakiet 1 ogłoszenie",
            "price": 19,
            "is_premium": False,
            "type": "base",
        },
        {
            "size": 5,
            "category_id": CARS,
            "name": "Pakiet 5 ogłoszeń",
            "price": 85,
            "is_premium": False,
            "type": "base",
        },
    ]
    every = await me.get(
        "/packets",
        params={"category_id": CARS, "payment_method": "account", "type": "all", "with_features": 1},
    )
    mega = [p for p in every.json()["data"] if p["type"] == "mega"]
    assert (
        mega[0]["is_premium"] is True
        and mega[0]["features"][0]["key"] == "bundles.packet.feature.business_page"
    )
    buy = {"payment_method": "account", "category_id": CARS, "size": 5}
    assert (await post(me, "/users/me/packets", buy)).json() == NOT_ENOUGH
    await credit(world, me.user.id, 20000)
    bought = await post(me, "/users/me/packets", buy)
    assert bought.status_code == 204, bought.text
    balance = (await me.get("/users/me/account-balance")).json()["data"]
    assert balance == {"sum": 115, "wallet": 115, "bonus": 0, "refund": 0, "currency": "PLN"}
    mine = (await me.get("/users/me/packets")).json()["data"]
    assert len(mine) == 1 and mine[0]["size"] == 5 and mine[0]["left"] == 5 and mine[0]["is_active"] is True
    assert (
        mine[0]["price"] == 85
        and mine[0]["categories_ids"] == [5]
        and mine[0]["categories_labels"] == ["Motoryzacja"]
    )
    assert mine[0]["active_to"] == "2026-02-14 11:00:00"
    assert (await me.command(limited["id"], "activate")).status_code == 204
    assert await me.status(limited["id"]) == "new"
    assert (await me.get("/users/me/packets")).json()["data"][0]["left"] == 4
    await run_jobs(world)
    assert await me.status(limited["id"]) == "active"
    # The free slot is still the first advert's: deactivating the packet advert gives its slot back.
    assert (await me.command(limited["id"], "deactivate", is_success=True)).status_code == 204
    assert (await me.get("/users/me/packets")).json()["data"][0]["left"] == 5
    billing = (await me.get("/users/me/billing")).json()["data"]
    assert [(b["name"], b["price"]) for b in billing] == [("Pakiet 5 ogłoszeń", -85), ("Doładowanie", 200)]
    invoices = (await me.get("/users/me/prepaid-invoices")).json()["data"]
    assert invoices == [
        {
            "payment_id": billing[0]["id"],
            "name": "Pakiet 5 ogłoszeń",
            "amount": 85,
            "amount_formatted": "85,00 zł",
            "advert_id": None,
        }
    ]


async def test_a_packet_bought_for_an_advert_serves_it_alone(world: World) -> None:
    me = await seller(world)
    await me.create(car_advert())
    one = await me.create(car_advert(external_id="car-2"))
    two = await me.create(car_advert(external_id="car-3"))
    await credit(world, me.user.id, 2000)
    assert (await post(me, f"/adverts/{one['id']}/packets", {"payment_method": "account"})).status_code == 204
    again = await post(me, f"/adverts/{one['id']}/packets", {"payment_method": "account"})
    assert again.json() == bad_request("A packet for this advert is already bought")
    assert (await me.command(two["id"], "activate")).json() == LIMIT
    assert (await me.command(one["id"], "activate")).status_code == 204
    assert (await me.get("/users/me/account-balance")).json()["data"]["sum"] == 1
    premium = await post(
        me, f"/adverts/{two['id']}/packets", {"payment_method": "account", "is_premium": True}
    )
    assert premium.json() == NOT_ENOUGH
    billing = (await me.get("/users/me/billing")).json()["data"]
    assert (billing[0]["name"], billing[0]["price"], billing[0]["advert_id"]) == (
        "Pakiet 1 ogłoszenie",
        -19,
        one["id"],
    )
    # An advert that does not wait for a slot needs no packet.
    active = await post(me, f"/adverts/{one['id']}/packets", {"payment_method": "account"})
    assert active.json() == validation(("ad", "Invalid status"))


async def test_an_expired_packet_offers_no_slot(world: World) -> None:
    me = await seller(world)
    await me.create(car_advert())
    limited = await me.create(car_advert(external_id="car-2"))
    await credit(world, me.user.id, 10000)
    assert (
        await post(me, "/users/me/packets", {"payment_method": "account", "category_id": CARS, "size": 5})
    ).status_code == 204
    world.clock.advance(timedelta(days=30, seconds=1))
    await me.renew()
    assert (await me.command(limited["id"], "activate")).json() == LIMIT
    mine = (await me.get("/users/me/packets", params={"availability": "inactive"})).json()["data"]
    assert [(p["is_active"], p["left"]) for p in mine] == [(False, 5)]
    assert (await me.get("/users/me/packets", params={"availability": "active"})).json() == {"data": []}


async def test_postpaid_purchases_make_the_months_invoice(world: World) -> None:
    me = await seller(world, business=True)
    await me.create(car_advert())
    body = {"payment_method": "postpaid", "category_id": CARS, "size": 10}
    assert (await post(me, "/users/me/packets", body)).status_code == 204
    assert (await post(me, "/users/me/packets", {**body, "size": 5, "type": "mega"})).status_code == 204
    assert (await me.get("/users/me/account-balance")).json()["data"]["sum"] == 0
    assert (await me.get("/users/me/postpaid-invoices")).json() == {
        "data": [
            {
                "invoice_id": f"2026/01/{me.user.id}",
                "issue_date": "2026-01-31",
                "due_date": "2026-02-14",
                "amount_gross": 334,
                "amount_net": 271.54,
                "amount_formatted": "334,00 zł",
                "advert_id": None,
            }
        ]
    }
    assert (await me.get("/users/me/prepaid-invoices")).json() == {"data": []}


async def test_bad_purchases_get_the_seeds_payment_errors(world: World) -> None:
    me = await seller(world)
    other = await seller(world)
    await credit(world, me.user.id, 100000)
    cases = [
        (
            {"payment_method": "account", "category_id": CARS, "size": 1},
            bad_request(f"There is no variant with size 1 for category {CARS}"),
        ),
        (
            {"payment_method": "account", "category_id": CARS, "size": 7},
            bad_request(f"There is no variant with size 7 for category {CARS}"),
        ),
        (
            {"payment_method": "account", "category_id": 1291, "size": 5},
            bad_request("There is no variant with size 5 for category 1291"),
        ),
        (
            {"payment_method": "account", "category_id": 999999, "size": 5},
            bad_request("Category with given ID doesn't exists"),
        ),
        ({"payment_method": "cash", "category_id": CARS, "size": 5}, bad_request("Invalid payment method")),
        (
            {"payment_method": "postpaid", "category_id": CARS, "size": 5},
            bad_request("Payment method 'postpaid' is not activated"),
        ),
        (
            {"payment_method": "account", "category_id": CARS, "size": 5, "type": "gold"},
            validation(("type", "Invalid value")),
        ),
        (
            {"payment_method": "account", "category_id": CARS, "size": 5, "zone_id": "x"},
            validation(("zone_id", "Invalid value")),
        ),
        (
            {"payment_method": "account", "category_id": 2**64, "size": 5},
            validation(("category_id", "Invalid value")),
        ),
        (
            {"payment_method": "account", "category_id": CARS, "size": -(2**64)},
            validation(("size", "Invalid value")),
        ),
        (
            {"payment_method": "acc\u0000ount", "category_id": CARS, "size": 5},
            validation(("payment_method", "Invalid value")),
        ),
        ({"payment_method": "account", "category_id": CARS}, validation(("size", "This field is required"))),
        ([1, 2], validation(("body", "Invalid value"))),
    ]
    for body, expected in cases:
        response = await post(me, "/users/me/packets", body)
        assert (response.status_code, response.json()) == (400, expected), body
    assert (await post(me, "/users/me/packets", {"payment_method": "account", "extra": 1})).json() == {
        "data": bad_request("Error while decoding JSON data: Syntax error")
    }
    headers = {"Version": "2.0", "Authorization": f"Bearer {me.token}", "Content-Type": "application/json"}
    for raw in (b"\xff\xfe{", b"[" * 100000, b'{"payment_method": "account", "size": 5, "category_id": 84'):
        response = await world.http.post("/api/partner/users/me/packets", content=raw, headers=headers)
        assert response.status_code == 400 and "error" in str(response.json()), raw[:10]
    foreign = await other.create(car_advert())
    theirs = await post(me, f"/adverts/{foreign['id']}/packets", {"payment_method": "account"})
    assert theirs.json() == validation(("ad", "You are not the owner of this ad"))
    missing = await post(me, f"/adverts/{2**64}/packets", {"payment_method": "account"})
    assert missing.status_code == 404
    assert (await me.get("/users/me/account-balance")).json()["data"]["sum"] == 1000
    assert (await me.get("/users/me/billing")).json()["data"][0]["name"] == "Doładowanie"


async def test_reading_packets_and_zones_with_bad_parameters(world: World) -> None:
    me = await seller(world)
    assert (await me.get("/packets", params={"category_id": 1291, "payment_method": "account"})).json() == {
        "data": []
    }
    assert (
        await me.get("/packets", params={"category_id": 999999, "payment_method": "account"})
    ).json() == bad_request("Category with given ID doesn't exists")
    assert (
        await me.get("/packets", params={"category_id": CARS, "payment_method": "cash"})
    ).json() == bad_request("Invalid payment method")
    assert (
        await me.get("/packets", params={"category_id": CARS, "payment_method": "account", "type": "x"})
    ).json() == validation(("type", "Invalid value"))
    huge = await me.get("/packets", params={"category_id": str(2**64), "payment_method": "account"})
    assert huge.status_code == 400 and huge.json()["error"]["validation"][0]["field"] == "category_id"
    assert (await me.get("/packets", params={"payment_method": "account"})).status_code == 400
    assert (await me.get("/zones", params={"category_id": CARS})).json() == {"data": []}
    assert (await me.get("/zones", params={"category_id": 999999})).json() == bad_request(
        "Category with given ID doesn't exists"
    )
    assert (await me.get("/users/me/packets", params={"sort_by": "x"})).json() == validation(
        ("sort_by", "Invalid value")
    )
    assert (await me.get("/users/me/packets", params={"limit": 0})).status_code == 400
    assert (await me.get("/users/me/billing", params={"page": 0})).status_code == 400
    assert (await me.get("/users/me/billing", params={"page": 2**31 - 1, "limit": 2**31 - 1})).json() == {
        "data": []
    }


async def test_fifty_concurrent_purchases_never_overspend(
    world: World, other_process: httpx.AsyncClient
) -> None:
    me = await seller(world)
    await credit(world, me.user.id, 85000)  # ten packets of 85.00
    body = {"payment_method": "account", "category_id": CARS, "size": 5}
    clients = (world.http, other_process)
    responses = await asyncio.gather(
        *(post(me, "/users/me/packets", body, clients[i % 2]) for i in range(50))
    )
    assert Counter(r.status_code for r in responses) == {204: 10, 400: 40}
    assert {str(r.json()) for r in responses if r.status_code == 400} == {str(NOT_ENOUGH)}
    assert (await me.get("/users/me/account-balance")).json()["data"]["sum"] == 0
    assert len((await me.get("/users/me/packets")).json()["data"]) == 10
    assert len((await me.get("/users/me/billing")).json()["data"]) == 11


async def test_thirty_concurrent_activations_take_only_the_bought_slots(
    world: World, other_process: httpx.AsyncClient
) -> None:
    me = await seller(world)
    await me.create(car_advert())
    limited = [await me.create(car_advert(external_id=f"car-{i}")) for i in range(30)]
    assert {a["status"] for a in limited} == {"limited"}
    await credit(world, me.user.id, 8500)
    assert (
        await post(me, "/users/me/packets", {"payment_method": "account", "category_id": CARS, "size": 5})
    ).status_code == 204
    clients = (world.http, other_process)
    responses = await asyncio.gather(
        *(
            post(me, f"/adverts/{a['id']}/commands", {"command": "activate"}, clients[i % 2])
            for i, a in enumerate(limited)
        )
    )
    assert Counter(r.status_code for r in responses) == {204: 5, 400: 25}
    statuses = Counter([await me.status(a["id"]) for a in limited])
    assert statuses == {"new": 5, "limited": 25}
    assert (await me.get("/users/me/packets")).json()["data"][0]["left"] == 0


async def test_a_packet_slot_is_used_when_posting_past_the_free_limit(world: World) -> None:
    me = await seller(world)
    await credit(world, me.user.id, 8500)
    await me.create(car_advert())
    assert (
        await post(me, "/users/me/packets", {"payment_method": "account", "category_id": CARS, "size": 5})
    ).status_code == 204
    posted = await me.create(car_advert(external_id="car-2"))
    assert posted["status"] == "new"
    assert (await me.get("/users/me/packets")).json()["data"][0]["left"] == 4
    phone = await me.create(phone_advert())  # another root category: its own free slots
    assert phone["status"] == "new"
    assert (await me.get("/users/me/packets")).json()["data"][0]["left"] == 4


@pytest.fixture
async def cars_paid_only(world: World) -> AsyncIterator[None]:
    """olx.pl with Motoryzacja (root of the car categories) as a paid-only category."""
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        site = await session.get(Site, "olx.pl")
        assert site is not None
        before = copy.deepcopy(site.config)
        config = copy.deepcopy(site.config)
        config["commerce"]["paid_only_categories"] = [5]
        site.config = config
    runtime.reference.invalidate()
    yield
    async with runtime.db.transaction() as session:
        site = await session.get(Site, "olx.pl")
        assert site is not None
        site.config = before
    runtime.reference.invalidate()


async def test_a_paid_only_category_keeps_new_adverts_unpaid_until_a_packet(
    world: World, cars_paid_only: None
) -> None:
    me = await seller(world)
    car = await me.create(car_advert())
    assert car["status"] == "unpaid"  # no free advert here, not even the first
    assert (await me.create(phone_advert()))["status"] == "new"  # other categories keep their free slots
    assert (await me.command(car["id"], "activate")).json() == LIMIT
    await credit(world, me.user.id, 2000)
    bought = await post(me, f"/adverts/{car['id']}/packets", {"payment_method": "account"})
    assert bought.status_code == 204, bought.text
    assert (await me.command(car["id"], "activate")).status_code == 204
    assert await me.status(car["id"]) == "new"
    await run_jobs(world)
    assert await me.status(car["id"]) == "active"
    assert (await me.command(car["id"], "deactivate", is_success=True)).status_code == 204
    assert (await me.command(car["id"], "activate")).status_code == 204  # its packet's slot came back
