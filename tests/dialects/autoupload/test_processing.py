"""The worker's side, seen through POST /autoupload/import/{token} and POST /autoupload/published."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from pazar.db.models import Advert, AdvertEvent, ImportBatch, Job
from pazar.services.autoupload import processing
from pazar.wiring import job_handlers
from pazar.worker import Worker
from support import BR_SITE, V2, Integrator, World, apartment_ad, car_ad, integrator, run_jobs, unique


async def only(world: World, *kinds: str) -> int:
    """Run just these jobs (e.g. the import, not yet the review)."""
    worker = Worker(world.app.runtime, name=unique("w"), handlers={k: job_handlers()[k] for k in kinds})
    return await worker.run_until_idle()


IMPORT, REVIEW = "autoupload_import", "autoupload_review"


async def _advert(world: World, advert_id: int) -> Advert:
    async with world.app.runtime.db.transaction() as session:
        advert = await session.get(Advert, advert_id)
        assert advert is not None
        return advert


async def test_an_insert_goes_pending_queued_accepted(world: World) -> None:
    me = await integrator(world)
    token = await me.imported([car_ad("1111111111")])
    assert await me.status(token) == {
        "autoupload_status": "pending",
        "ads": {"1111111111": {"status": "pending", "operation": "insert"}},
    }
    await only(world, IMPORT)
    assert await me.status(token) == {
        "autoupload_status": "pending",
        "ads": {"1111111111": {"status": "queued", "operation": "insert", "message": []}},
    }
    await only(world, REVIEW)
    status = await me.status(token)
    ad = status["ads"]["1111111111"]
    assert status["autoupload_status"] == "done"
    assert ad["status"] == "accepted" and ad["operation"] == "insert" and ad["message"] == []
    base = world.app.runtime.settings.base_url()
    assert ad["url"].startswith(f"{base}/vi/") and ad["url"].endswith(".htm")
    assert set(ad) == {"status", "operation", "message", "url"}
    list_id = ad["url"].removeprefix(f"{base}/vi/").removesuffix(".htm")
    page = await world.http.get(f"/vi/{list_id}.htm", headers={"Host": "www.olx.com.br"})
    assert page.status_code == 302 and page.headers["location"].startswith("/d/oferta/audi-a1")
    # The link opens as given: on pazar's own address (a Host naming no site), not only on www.olx.com.br.
    local = await world.http.get(f"/vi/{list_id}.htm", headers={"Host": "127.0.0.1:8080"})
    assert local.status_code == 302 and local.headers["location"] == page.headers["location"]
    advert_page = await world.http.get(local.headers["location"], headers={"Host": "127.0.0.1:8080"})
    assert advert_page.status_code == 200 and "Audi A1" in advert_page.text
    # A Host that names another site does not open it.
    assert (await world.http.get(f"/vi/{list_id}.htm", headers={"Host": "olx.pl"})).status_code == 404
    assert (await me.post("/autoupload/published")).json() == [{"id": "1111111111", "list_id": list_id}]


async def test_an_imported_advert_is_an_ordinary_advert(world: World) -> None:
    me = await integrator(world)
    await me.imported([car_ad("x-1")])
    await run_jobs(world)
    list_id = int((await me.post("/autoupload/published")).json()[0]["list_id"])
    advert = await _advert(world, list_id)
    assert advert.source == "autoupload" and advert.external_id == "x-1" and advert.status == "active"
    assert advert.site_id == BR_SITE and advert.user_id == me.user.id
    assert advert.title == "Audi A1 1.4 TFSI 2015" and advert.category_id == 2020
    assert advert.price is not None and advert.price["value"] == 79900 and advert.price["currency"] == "BRL"
    assert advert.location["zipcode"] == "01310100" and advert.extra["region_id"] == 26
    assert advert.extra["type"] == "s" and advert.contact["phone"] == "11987654321"
    assert {"code": "fuel", "value": "1", "values": None} in advert.attributes
    async with world.app.runtime.db.transaction() as session:
        types = (
            await session.execute(
                select(AdvertEvent.type).where(AdvertEvent.advert_id == list_id).order_by(AdvertEvent.id)
            )
        ).scalars()
        assert list(types) == ["advert_posted", "advert_activated"]
    # ...its public page is the one every advert has (the status's /vi link leads there)...
    link = await world.http.get(f"/vi/{list_id}.htm", headers={"Host": "www.olx.com.br"})
    assert link.status_code == 302
    page = await world.http.get(link.headers["location"], headers={"Host": "www.olx.com.br"})
    assert page.status_code == 200 and "Audi A1 1.4 TFSI 2015" in page.text
    # ...but Partner API v2 does not answer on a Brasil host: each API only on its own sites.
    response = await world.http.get(
        f"/api/partner/adverts/{list_id}", headers={**V2, "Host": "www.olx.com.br"}
    )
    assert response.status_code == 404
    assert response.json() == {"error": {"type": "NotFoundException", "message": "Unsupported API version"}}


async def test_an_edit_shows_its_list_id(world: World) -> None:
    me = await integrator(world)
    await me.imported([car_ad("e1")])
    await run_jobs(world)
    list_id = (await me.post("/autoupload/published")).json()[0]["list_id"]
    token = await me.imported([car_ad("e1", subject="Audi A1 Sportback")])
    assert (await me.status(token))["ads"]["e1"] == {"status": "pending", "operation": "edit"}
    await only(world, IMPORT)
    assert await me.status(token) == {
        "autoupload_status": "pending",
        "ads": {"e1": {"status": "queued", "operation": "edit", "list_id": list_id, "message": []}},
    }
    await only(world, REVIEW)
    assert await me.status(token) == {
        "autoupload_status": "done",
        "ads": {"e1": {"status": "accepted", "operation": "edit", "list_id": list_id, "message": []}},
    }
    advert = await _advert(world, int(list_id))
    assert advert.title == "Audi A1 Sportback" and advert.status == "active"
    assert (await me.post("/autoupload/published")).json() == [{"id": "e1", "list_id": list_id}]


async def test_refused_inserts_and_edits(world: World) -> None:
    me = await integrator(world)
    token = await me.imported([car_ad("r1", subject="Vendo cocaína"), apartment_ad("r2")])
    await run_jobs(world)
    assert await me.status(token) == {
        "autoupload_status": "done",
        "ads": {
            "r1": {"status": "refused", "operation": "insert", "message": []},
            "r2": {
                "status": "accepted",
                "operation": "insert",
                "message": [],
                "url": (await me.status(token))["ads"]["r2"]["url"],
            },
        },
    }
    edit = await me.imported([apartment_ad("r2", body="Atacado: lista de preços de apartamentos")])
    await run_jobs(world)
    assert await me.status(edit) == {
        "autoupload_status": "done",
        "ads": {"r2": {"status": "refused", "operation": "edit", "message": []}},
    }
    assert (await me.post("/autoupload/published")).json() == []  # moderated: no longer active


async def test_a_delete_takes_a_published_ad_down(world: World) -> None:
    me = await integrator(world)
    await me.imported([car_ad("d1"), car_ad("d2")])
    await run_jobs(world)
    token = await me.imported(
        [{"id": "d1", "operation": "delete"}, {"id": "never-sent", "operation": "delete"}]
    )
    assert (await me.status(token))["ads"]["d1"] == {"status": "pending", "operation": "delete"}
    await run_jobs(world)
    assert await me.status(token) == {
        "autoupload_status": "done",
        "ads": {
            "d1": {"status": "accepted", "operation": "delete", "message": []},
            "never-sent": {"status": "error", "operation": "delete", "message": ["ERROR_AD_NOT_FOUND"]},
        },
    }
    assert [ad["id"] for ad in (await me.post("/autoupload/published")).json()] == ["d2"]
    again = await me.imported([car_ad("d1")])  # the id is free again: a new advert
    assert (await me.status(again))["ads"]["d1"]["operation"] == "insert"
    await run_jobs(world)
    assert sorted(ad["id"] for ad in (await me.post("/autoupload/published")).json()) == ["d1", "d2"]


async def test_an_ad_a_moderator_blocked_cannot_be_edited(world: World) -> None:
    me = await integrator(world)
    await me.imported([car_ad("b1")])
    await run_jobs(world)
    async with world.app.runtime.db.transaction() as session:
        await session.execute(update(Advert).where(Advert.external_id == "b1").values(status="blocked"))
    token = await me.imported([car_ad("b1", subject="Audi A1 outra vez")])
    await run_jobs(world)
    assert (await me.status(token))["ads"]["b1"] == {
        "status": "error",
        "operation": "edit",
        "message": ["ERROR_AD_NOT_EDITABLE"],
    }


async def test_an_ad_claimed_by_a_partner_app_is_left_alone(world: World) -> None:
    me = await integrator(world)
    await me.imported([car_ad("m1")])
    await run_jobs(world)
    async with world.app.runtime.db.transaction() as session:
        await session.execute(
            update(Advert)
            .where(Advert.external_id == "m1")
            .values(
                external_id="0f8fad5b-d9cb-469f-a165-70867728950e",
                claimed_at=world.clock.now(),
                # As the RE migration's claim leaves it: the legacy id kept apart from custom_fields.
                extra={"custom_fields": {"id": "m1"}, "legacy_external_id": "m1"},
            )
        )
    token = await me.imported([car_ad("m1", subject="Audi A1 de novo")])
    await run_jobs(world)
    assert (await me.status(token))["ads"]["m1"]["message"] == ["ERROR_AD_MIGRATED"]


async def test_done_only_when_every_ad_is_final(world: World) -> None:
    me = await integrator(world)
    token = await me.imported([car_ad("p1"), car_ad("p2", subject="Vendo drogas")])
    await only(world, IMPORT)
    assert (await me.status(token))["autoupload_status"] == "pending"
    await run_jobs(world)
    status = await me.status(token)
    assert status["autoupload_status"] == "done"
    assert [ad["status"] for ad in status["ads"].values()] == ["accepted", "refused"]


async def test_a_users_imports_apply_in_the_order_sent(world: World) -> None:
    me = await integrator(world)
    first = await me.imported([car_ad("o1")])
    second = await me.imported([{"id": "o1", "operation": "delete"}])
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        later = await session.scalar(select(ImportBatch.id).where(ImportBatch.token == second))
        assert later is not None
        # The second import's job runs first: it waits for the first, which carries the same id.
        await processing.process_batch(session, batch_id=later, waited=0, runtime=runtime)
    assert (await me.status(second))["ads"]["o1"]["status"] == "pending"
    from datetime import timedelta

    world.clock.advance(timedelta(seconds=2))
    await run_jobs(world)
    assert (await me.status(first))["ads"]["o1"]["status"] == "accepted"
    assert (await me.status(second))["ads"]["o1"]["status"] == "accepted"
    assert (await me.post("/autoupload/published")).json() == []


async def test_a_second_insert_of_a_waiting_id_is_an_edit(world: World) -> None:
    me = await integrator(world)
    await me.imported([car_ad("w1")])
    token = await me.imported([car_ad("w1", subject="Audi A1 corrigido")])
    assert (await me.status(token))["ads"]["w1"]["operation"] == "edit"
    await run_jobs(world)
    async with world.app.runtime.db.transaction() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Advert)
            .where(Advert.user_id == me.user.id, Advert.deleted.is_(False))
        )
    assert count == 1
    published = (await me.post("/autoupload/published")).json()
    assert [ad["id"] for ad in published] == ["w1"]
    assert (await _advert(world, int(published[0]["list_id"]))).title == "Audi A1 corrigido"


async def test_running_an_import_job_twice_changes_nothing(world: World) -> None:
    me = await integrator(world)
    token = await me.imported([car_ad("i1"), apartment_ad("i2")])
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        batch_id = await session.scalar(select(ImportBatch.id).where(ImportBatch.token == token))
        assert batch_id is not None
    for _ in range(2):
        async with runtime.db.transaction() as session:
            await processing.process_batch(session, batch_id=batch_id, waited=0, runtime=runtime)
    async with runtime.db.transaction() as session:
        await session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(processed_at=None))
    async with runtime.db.transaction() as session:
        await processing.process_batch(
            session, batch_id=batch_id, waited=0, runtime=runtime
        )  # items are done
    await run_jobs(world)
    async with runtime.db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(Advert).where(Advert.user_id == me.user.id)
        )
        reviews = await session.scalar(select(func.count()).select_from(Job).where(Job.kind == REVIEW))
    assert count == 2 and reviews is not None


async def test_status_and_published_guard_their_token(world: World) -> None:
    me = await integrator(world)
    other = await integrator(world)
    token = await me.imported([car_ad()])
    foreign = await other.post(f"/autoupload/import/{token}")
    assert foreign.status_code == 404
    assert foreign.json() == {
        "status": "ERROR",
        "error": {"reason": "NOT_FOUND", "message": "Import not found", "statusCode": 404},
    }
    assert (await me.post("/autoupload/import/" + "0" * 40)).status_code == 404
    anonymous = await me.post(f"/autoupload/import/{token}", {"access_token": "nope"})
    assert anonymous.status_code == 404 and anonymous.json()["error"]["reason"] == "ACCESS_TOKEN_NOT_FOUND"
    assert (await me.post("/autoupload/published", {})).json()["error"]["reason"] == "ACCESS_TOKEN_NOT_FOUND"
    assert (await other.post("/autoupload/published")).json() == []


async def test_many_ads_in_one_import(world: World) -> None:
    me: Integrator = await integrator(world)
    ads: list[dict[str, Any]] = [car_ad(f"n{n}") if n % 2 else apartment_ad(f"n{n}") for n in range(300)]
    token = await me.imported(ads)
    await run_jobs(world)
    status = await me.status(token)
    assert status["autoupload_status"] == "done"
    assert list(status["ads"]) == [ad["id"] for ad in ads]
    assert {ad["status"] for ad in status["ads"].values()} == {"accepted"}
    assert len((await me.post("/autoupload/published")).json()) == 300


async def test_the_worker_checks_again_when_the_rules_changed_since_the_import(world: World) -> None:
    from pazar.db.models import ImportItem

    me = await integrator(world)
    token = await me.imported([car_ad("v1")])
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        batch_id = await session.scalar(select(ImportBatch.id).where(ImportBatch.token == token))
        item = (await session.execute(select(ImportItem).where(ImportItem.batch_id == batch_id))).scalar_one()
        item.payload = {**item.payload, "title": "x"}  # as if the rules had become stricter meanwhile
        jobs = (await session.execute(select(Job).where(Job.kind == IMPORT))).scalars().all()
        job = next(j for j in jobs if j.payload["batch_id"] == batch_id)
        assert job.payload["validated"]
        job.payload = {**job.payload, "validated": "rules-of-yesterday"}
    await run_jobs(world)
    assert (await me.status(token))["ads"]["v1"] == {
        "status": "error",
        "operation": "insert",
        "message": ["ERROR_SUBJECT_TOO_SHORT"],
    }
