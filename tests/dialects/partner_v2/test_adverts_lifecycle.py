"""Adverts through HTTP: create, moderation by the worker, commands, expiry, delete, listing."""

from __future__ import annotations

from datetime import datetime, timedelta

from support import ALEKSANDROW, CARS, World, bad_request, phone_advert, run_jobs, seller, validation

TS = "%Y-%m-%d %H:%M:%S"


def car_advert(**overrides: object) -> dict[str, object]:
    return phone_advert(
        title="Audi A4 B8 2.0 TDI kombi, bezwypadkowy",
        category_id=CARS,
        attributes=[
            {"code": "brand", "value": "audi"},
            {"code": "year", "value": 2012},
            {"code": "petrol", "value": "diesel"},
            {"code": "features", "values": ["air_conditioning", "navigation"]},
        ],
        **overrides,
    )


async def test_create_answers_the_full_advert_in_data(world: World) -> None:
    me = await seller(world)
    response = await me.post(phone_advert())
    assert response.status_code == 200
    advert = response.json()["data"]
    assert advert["status"] == "new"
    assert isinstance(advert["id"], int)
    assert advert["title"] == "iPhone 13 Pro 128GB grafitowy, stan idealny"
    assert advert["category_id"] == 101 and advert["advertiser_type"] == "private"
    assert advert["external_id"] == "crm-1" and advert["external_url"] is None
    assert advert["contact"] == {"name": "Jan Kowalski", "phone": "601234567"}
    assert advert["location"] == {
        "city_id": ALEKSANDROW,
        "district_id": None,
        "latitude": 52.8665,
        "longitude": 18.698,
    }
    assert advert["images"] == [{"url": "https://cdn.example.com/photos/1.jpg"}]
    assert advert["price"] == {
        "value": 2500,
        "currency": "PLN",
        "negotiable": True,
        "trade": False,
        "budget": False,
    }
    assert advert["salary"] is None and advert["courier"] is None
    assert {"code": "brand", "value": "apple", "values": None} in advert["attributes"]
    assert advert["activated_at"] is None and advert["valid_to"] is None
    datetime.strptime(advert["created_at"], TS)
    assert advert["url"].endswith(".html") and "/d/oferta/iphone-13-pro-128gb" in advert["url"]
    again = await me.get(f"/adverts/{advert['id']}")
    assert again.json() == {"data": advert}


async def test_full_lifecycle_through_http(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    advert_id = advert["id"]
    assert await run_jobs(world) >= 1
    active = (await me.get(f"/adverts/{advert_id}")).json()["data"]
    assert active["status"] == "active"
    activated = datetime.strptime(active["activated_at"], TS)
    assert datetime.strptime(active["valid_to"], TS) - activated == timedelta(days=30)

    deactivate = await me.command(advert_id, "deactivate", is_success=True)
    assert deactivate.status_code == 204 and deactivate.content == b""
    assert await me.status(advert_id) == "removed_by_user"

    assert (await me.command(advert_id, "activate")).status_code == 204
    assert await me.status(advert_id) == "new"
    await run_jobs(world)
    assert await me.status(advert_id) == "active"

    world.clock.advance(timedelta(days=30, seconds=1))
    await run_jobs(world)
    await me.renew()
    assert await me.status(advert_id) == "outdated"

    deleted = await me.delete(f"/adverts/{advert_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    gone = await me.get(f"/adverts/{advert_id}")
    assert gone.status_code == 404
    assert gone.json() == {"error": {"status": 404, "title": "Not Found", "detail": "Advert not found"}}


async def test_delete_of_an_active_advert_is_invalid_status(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    await run_jobs(world)
    response = await me.delete(f"/adverts/{advert['id']}")
    assert response.status_code == 400
    assert response.json() == validation(("ad", "Invalid status"))
    assert await me.status(advert["id"]) == "active"


async def test_deactivate_needs_an_active_advert_and_is_success(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    not_yet = await me.command(advert["id"], "deactivate", is_success=False)
    assert not_yet.json() == validation(("ad", "Ad has to be active"))
    await run_jobs(world)
    missing_flag = await me.command(advert["id"], "deactivate")
    assert missing_flag.json() == validation(("is_success", "This field is required"))
    assert await me.status(advert["id"]) == "active"


async def test_unknown_command_is_invalid(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    response = await me.command(advert["id"], "promote")
    assert response.json() == validation(("command", "Invalid value"))


async def test_others_adverts_are_not_yours(world: World) -> None:
    owner, stranger = await seller(world), await seller(world)
    advert = await owner.create()
    expected = validation(("ad", "You are not the owner of this ad"))
    for response in (
        await stranger.get(f"/adverts/{advert['id']}"),
        await stranger.put(advert["id"], phone_advert()),
        await stranger.command(advert["id"], "deactivate", is_success=True),
        await stranger.delete(f"/adverts/{advert['id']}"),
        await stranger.get(f"/adverts/{advert['id']}/statistics"),
    ):
        assert response.status_code == 400
        assert response.json() == expected


async def test_unknown_advert_is_not_found(world: World) -> None:
    me = await seller(world)
    response = await me.get("/adverts/2000000000")
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "title": "Not Found", "detail": "Advert not found"}}


async def test_moderation_blocks_banned_goods_and_scams(world: World) -> None:
    me = await seller(world)
    banned = await me.create(phone_advert(title="Sprzedam tanio podrabiane słuchawki Apple"))
    scam = await me.create(
        phone_advert(
            description=phone_advert()["description"]
            + " Płatność tylko przez Western Union, przedpłata 100%."
        )
    )
    await run_jobs(world)
    assert await me.status(banned["id"]) == "blocked"
    assert await me.status(scam["id"]) == "blocked"


async def test_rejected_advert_goes_back_to_moderation_after_a_fix(world: World) -> None:
    me = await seller(world)
    advert = await me.create(phone_advert(title="Kupię iPhone 13 Pro 128GB w dobrym stanie"))
    await run_jobs(world)
    assert await me.status(advert["id"]) == "moderated"
    fixed = await me.put(advert["id"], phone_advert(title="Sprzedam iPhone 13 Pro 128GB w dobrym stanie"))
    assert fixed.status_code == 200
    assert fixed.json()["data"]["status"] == "new"
    assert fixed.json()["data"]["title"] == "Sprzedam iPhone 13 Pro 128GB w dobrym stanie"
    await run_jobs(world)
    assert await me.status(advert["id"]) == "active"


async def test_put_replaces_the_advert_and_keeps_an_active_one_active(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    await run_jobs(world)
    body = phone_advert(price={"value": 2100, "currency": "PLN"}, images=[], external_id="crm-2")
    response = await me.put(advert["id"], body)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "active"
    assert data["price"] == {
        "value": 2100,
        "currency": "PLN",
        "negotiable": False,
        "trade": False,
        "budget": False,
    }
    assert data["images"] == [] and data["external_id"] == "crm-2"
    assert data["activated_at"] == (await me.get(f"/adverts/{advert['id']}")).json()["data"]["activated_at"]


async def test_put_runs_the_same_validation_as_create(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    response = await me.put(advert["id"], phone_advert(title="too short"))
    assert response.status_code == 400
    assert response.json()["error"]["validation"][0]["field"] == "title"


async def test_over_the_free_limit_an_advert_is_limited(world: World) -> None:
    me = await seller(world)
    first = await me.create(car_advert())
    second = await me.create(car_advert(external_id="crm-2"))
    assert first["status"] == "new" and second["status"] == "limited"
    refused = await me.command(second["id"], "activate")
    assert refused.json() == bad_request("You have reached the limit of free adverts in this category")
    await run_jobs(world)
    await me.command(first["id"], "deactivate", is_success=True)
    assert (await me.command(second["id"], "activate")).status_code == 204
    await run_jobs(world)
    assert await me.status(second["id"]) == "active"


async def test_finish_moves_a_limited_advert_to_finished(world: World) -> None:
    me = await seller(world)
    await me.create(car_advert())
    limited = await me.create(car_advert())
    assert (await me.command(limited["id"], "finish")).status_code == 204
    assert await me.status(limited["id"]) == "removed_by_user"


async def test_extend_only_once_in_fourteen_days(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    await run_jobs(world)
    too_soon = await me.command(advert["id"], "extend")
    assert too_soon.json() == validation(("time", "You cannot refresh ad more often than once in 14 days"))
    world.clock.advance(timedelta(days=15))
    await me.renew()
    assert (await me.command(advert["id"], "extend")).status_code == 204
    extended = (await me.get(f"/adverts/{advert['id']}")).json()["data"]
    world.clock.advance(timedelta(days=20))
    await run_jobs(world)  # the first valid_to has passed, but the advert was extended
    await me.renew()
    assert await me.status(advert["id"]) == "active"
    assert datetime.strptime(extended["valid_to"], TS) > datetime.strptime(
        advert["created_at"], TS
    ) + timedelta(days=40)


async def test_list_pages_and_filters_own_adverts(world: World) -> None:
    me, other = await seller(world), await seller(world)
    made = [await me.create(phone_advert(external_id=f"ext-{i}")) for i in range(3)]
    await other.create()
    listed = (await me.get("/adverts")).json()["data"]
    assert [a["id"] for a in listed] == [a["id"] for a in made]
    page = (await me.get("/adverts", params={"offset": 1, "limit": 1})).json()["data"]
    assert [a["id"] for a in page] == [made[1]["id"]]
    by_external = (await me.get("/adverts", params={"external_id": "ext-2"})).json()["data"]
    assert [a["id"] for a in by_external] == [made[2]["id"]]
    assert (await me.get("/adverts", params={"category_ids": "84,1755"})).json() == {"data": []}
    assert len((await me.get("/adverts", params={"category_ids": "101"})).json()["data"]) == 3
    bad = await me.get("/adverts", params={"category_ids": "1,x"})
    assert bad.json() == validation(("category_ids", "Invalid value"))


async def test_events_record_every_status_change(world: World) -> None:
    from sqlalchemy import select

    from pazar.db.models import AdvertEvent

    me = await seller(world)
    advert = await me.create()
    await run_jobs(world)
    await me.command(advert["id"], "deactivate", is_success=False)
    async with world.app.runtime.db.transaction() as session:
        rows = (
            (
                await session.execute(
                    select(AdvertEvent).where(AdvertEvent.advert_id == advert["id"]).order_by(AdvertEvent.id)
                )
            )
            .scalars()
            .all()
        )
    assert [r.type for r in rows] == ["advert_posted", "advert_activated", "advert_deactivated"]
    assert rows[1].payload["previous_status"] == "new" and rows[1].payload["status"] == "active"
    assert rows[2].payload["is_success"] is False
