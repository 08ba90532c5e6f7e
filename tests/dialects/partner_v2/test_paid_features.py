"""Paid features through HTTP: the catalogue, buying one for an active advert, the push-up effect."""

from __future__ import annotations

from datetime import timedelta

from commerce_support import credit, post
from pazar.db.models import Advert
from support import World, bad_request, run_jobs, seller, validation


async def test_the_catalogue_is_the_sites(world: World) -> None:
    me = await seller(world)
    body = (await me.get("/paid-features")).json()
    assert body["data"][:2] == [
        {"code": "pushup", "type": "pushup", "duration": 1, "name": "Odświeżenie ogłoszenia"},
        {"code": "promoted_ad_7", "type": "topads", "duration": 7, "name": "Wyróżnienie ogłoszenia na 7 dni"},
    ]


async def test_buying_features_charges_the_ledger_and_shows_them_until_they_end(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    await credit(world, me.user.id, 5000)
    assert (
        await post(
            me,
            f"/adverts/{advert['id']}/paid-features",
            {"code": "promoted_ad_7", "payment_method": "account"},
        )
    ).json() == validation(("ad", "Ad has to be active"))
    await run_jobs(world)
    world.clock.advance(timedelta(hours=1))
    await me.renew()
    bought = await post(
        me, f"/adverts/{advert['id']}/paid-features", {"code": "promoted_ad_7", "payment_method": "account"}
    )
    assert bought.status_code == 204, bought.text
    assert (
        await post(
            me, f"/adverts/{advert['id']}/paid-features", {"code": "pushup", "payment_method": "account"}
        )
    ).status_code == 204
    listed = (await me.get(f"/adverts/{advert['id']}/paid-features")).json()
    assert listed == {
        "data": [
            {
                "code": "pushup",
                "type": "pushup",
                "duration": 1,
                "name": "Odświeżenie ogłoszenia",
                "valid_to": "2026-01-16 12:00:00",
            },
            {
                "code": "promoted_ad_7",
                "type": "topads",
                "duration": 7,
                "name": "Wyróżnienie ogłoszenia na 7 dni",
                "valid_to": "2026-01-22 12:00:00",
            },
        ]
    }
    async with world.app.runtime.db.transaction() as session:
        row = await session.get(Advert, advert["id"])
        assert row is not None and row.refreshed_at == world.clock.now()
    assert (await me.get("/users/me/account-balance")).json()["data"]["sum"] == 12  # 50.00 - 29.00 - 9.00
    billing = (await me.get("/users/me/billing")).json()["data"]
    assert [(b["name"], b["price"], b["advert_id"]) for b in billing[:2]] == [
        ("Odświeżenie ogłoszenia", -9, advert["id"]),
        ("Wyróżnienie ogłoszenia na 7 dni", -29, advert["id"]),
    ]
    assert (
        await post(
            me,
            f"/adverts/{advert['id']}/paid-features",
            {"code": "promoted_ad_30", "payment_method": "account"},
        )
    ).json() == bad_request("Not enough credits")
    world.clock.advance(timedelta(days=2))
    await me.renew()
    left = (await me.get(f"/adverts/{advert['id']}/paid-features")).json()["data"]
    assert [f["code"] for f in left] == ["promoted_ad_7"]


async def test_bad_feature_purchases(world: World) -> None:
    me = await seller(world)
    other = await seller(world)
    advert = await me.create()
    theirs = await other.create()
    await run_jobs(world)
    await credit(world, me.user.id, 5000)
    path = f"/adverts/{advert['id']}/paid-features"
    cases = [
        ({"code": "gold", "payment_method": "account"}, validation(("code", "Invalid value"))),
        ({"code": "pushup", "payment_method": "cash"}, bad_request("Invalid payment method")),
        (
            {"code": "pushup", "payment_method": "postpaid"},
            bad_request("Payment method 'postpaid' is not activated"),
        ),
        (
            {"code": "<script>'; DROP TABLE payments; --", "payment_method": "account"},
            validation(("code", "Invalid value")),
        ),
        ({"code": "push\u0000up", "payment_method": "account"}, validation(("code", "Invalid value"))),
        ({"payment_method": "account"}, validation(("code", "This field is required"))),
    ]
    for body, expected in cases:
        response = await post(me, path, body)
        assert (response.status_code, response.json()) == (400, expected), body
    foreign = await post(
        me, f"/adverts/{theirs['id']}/paid-features", {"code": "pushup", "payment_method": "account"}
    )
    assert foreign.json() == validation(("ad", "You are not the owner of this ad"))
    assert (await me.get(f"/adverts/{theirs['id']}/paid-features")).json() == validation(
        ("ad", "You are not the owner of this ad")
    )
    assert (await me.get(f"/adverts/{2**64}/paid-features")).status_code == 404
    assert (await me.get("/users/me/account-balance")).json()["data"]["sum"] == 50
