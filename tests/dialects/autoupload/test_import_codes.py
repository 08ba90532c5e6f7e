"""PUT /autoupload/import: every return code of seed §2.7.4, the id rule, bodies that are not imports."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from pazar.db.models import ImportBatch
from pazar.services.autoupload import imports
from support import BR_HOST, Integrator, World, apartment_ad, car_ad, integrator, run_jobs

SUCCESS = "The ads were imported and will be processed"


def envelope(
    code: int, message: str, *, token: Any = None, errors: list[Any] | None = None
) -> dict[str, Any]:
    return {"token": token, "statusCode": code, "statusMessage": message, "errors": errors or []}


async def _batches(world: World, me: Integrator) -> int:
    async with world.app.runtime.db.transaction() as session:
        stmt = select(func.count()).select_from(ImportBatch).where(ImportBatch.user_id == me.user.id)
        return int(await session.scalar(stmt) or 0)


async def test_0_the_ads_were_imported(world: World) -> None:
    me = await integrator(world)
    response = await me.put_import([car_ad(), apartment_ad(), {"id": "gone-1", "operation": "delete"}])
    assert response.status_code == 200
    body = response.json()
    assert body == envelope(0, SUCCESS, token=body["token"])
    assert isinstance(body["token"], str) and len(body["token"]) == 40
    assert response.headers["content-type"] == "application/json"


async def test_minus_1_an_unexpected_failure(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    me = await integrator(world)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(imports, "submit", broken)
    response = await me.put_import([car_ad()])
    assert response.status_code == 500
    assert response.json() == envelope(-1, "Unexpected error")
    assert await _batches(world, me) == 0


async def test_minus_2_too_many_imports_in_the_window(world: World) -> None:
    settings = world.app.runtime.settings
    settings.autoupload_rate_limit = 2
    settings.autoupload_rate_window_seconds = 60
    me = await integrator(world)
    for n in range(2):
        assert (await me.put_import([car_ad(f"c{n}")])).json()["statusCode"] == 0
    blocked = await me.put_import([car_ad("c2")])
    assert blocked.status_code == 200 and blocked.json() == envelope(-2, "The request was blocked")
    other = await integrator(world)  # the limit is per user
    assert (await other.put_import([car_ad()])).json()["statusCode"] == 0
    from datetime import timedelta

    world.clock.advance(timedelta(seconds=61))
    assert (await me.put_import([car_ad("c2")])).json()["statusCode"] == 0


@pytest.mark.parametrize("body", [{"ad_list": []}, {}, {"ad_list": None}])
async def test_minus_3_no_ad_to_import(world: World, body: dict[str, Any]) -> None:
    me = await integrator(world)
    response = await world.http.put(
        "/autoupload/import", json={"access_token": me.token, **body}, headers={"Host": BR_HOST}
    )
    assert response.json() == envelope(-3, "There is no ad to import")


async def test_minus_4_one_bad_ad_cancels_the_import_and_every_bad_ad_is_listed(world: World) -> None:
    me = await integrator(world)
    response = await me.put_import(
        [
            car_ad("good-1"),
            car_ad("bad-1", category=9999),
            apartment_ad("good-2"),
            apartment_ad("bad-2", subject="x", zipcode="123"),
        ]
    )
    assert response.status_code == 200
    assert response.json() == envelope(
        -4,
        "An ad had problems on import",
        errors=[
            {"id": "bad-1", "status": "error", "messages": [{"category": "ERROR_CATEGORY_INVALID"}]},
            {
                "id": "bad-2",
                "status": "error",
                "messages": [{"subject": "ERROR_SUBJECT_TOO_SHORT"}, {"zipcode": "ERROR_ZIPCODE_INVALID"}],
            },
        ],
    )
    assert await _batches(world, me) == 0
    assert (await me.post("/autoupload/published")).json() == []


async def test_minus_5_import_is_down(world: World) -> None:
    me = await integrator(world)
    world.app.runtime.settings.autoupload_enabled = False
    response = await me.put_import([car_ad()])
    assert response.json() == envelope(-5, "Import is down")
    assert (await world.http.put("/autoupload/import", content=b"\xff", headers={"Host": BR_HOST})).json()[
        "statusCode"
    ] == -5


async def test_minus_6_without_permission(world: World) -> None:
    from support import BR_SCOPES, BR_SITE, br_token

    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE)
    info_only = await br_token(world, app, user, scope="basic_user_info")
    for token in (info_only, "0" * 40, None, 12345):
        body = {"access_token": token, "ad_list": [car_ad()]}
        response = await world.http.put("/autoupload/import", json=body, headers={"Host": BR_HOST})
        assert response.status_code == 200
        assert response.json() == envelope(-6, "Without permission"), token


async def test_minus_7_no_slot_left(world: World) -> None:
    settings = world.app.runtime.settings
    settings.autoupload_slots = 2
    me = await integrator(world)
    await me.imported([car_ad("a"), car_ad("b")])
    response = await me.put_import([car_ad("c")])
    assert response.json() == envelope(-7, "Trying to import 1 ad(s), but user just have slot for 0 more.")
    # Edits and deletes need no slot.
    assert (await me.put_import([car_ad("a", subject="Audi A1 revisado")])).json()["statusCode"] == 0
    await run_jobs(world)
    assert (await me.put_import([{"id": "b", "operation": "delete"}])).json()["statusCode"] == 0
    await run_jobs(world)
    assert (await me.put_import([car_ad("c")])).json()["statusCode"] == 0  # the delete freed one


async def test_minus_7_when_partial_imports_are_off(world: World) -> None:
    settings = world.app.runtime.settings
    settings.autoupload_slots = 3
    settings.autoupload_partial_imports = False
    me = await integrator(world)
    await me.imported([car_ad("a")])
    response = await me.put_import([car_ad("b"), car_ad("c"), car_ad("d")])
    assert response.json() == envelope(-7, "Trying to import 3 ad(s), but user just have slot for 2 more.")


async def test_minus_8_only_what_fits_is_imported(world: World) -> None:
    settings = world.app.runtime.settings
    settings.autoupload_slots = 3
    me = await integrator(world)
    await me.imported([car_ad("a")])  # one slot used, by an ad still waiting for the worker
    response = await me.put_import(
        [car_ad("a", subject="Audi A1 editado"), car_ad("b"), car_ad("c"), car_ad("d"), car_ad("e")]
    )
    body = response.json()
    message = (
        "Trying to import 5 ad(s), only 3 were imported and will be processed. "
        "The following ads were ignored due to limit exceeded: d, e"
    )
    assert body == envelope(-8, message, token=body["token"])
    status = await me.status(body["token"])
    assert list(status["ads"]) == ["a", "b", "c"]
    assert status["ads"]["a"]["operation"] == "edit"


@pytest.mark.parametrize(
    ("ad_id", "ok"),
    [
        ("a" * 19, True),
        ("AZaz09_{}-", True),
        (5555555555, True),
        ("a" * 20, False),
        ("", False),
        ("with space", False),
        ("ação", False),
        ("id.1", False),
        (None, False),
        (["x"], False),
    ],
)
async def test_the_id_regex(world: World, ad_id: Any, ok: bool) -> None:
    me = await integrator(world)
    ad = car_ad()
    if ad_id is None:
        del ad["id"]
    else:
        ad["id"] = ad_id
    body = (await me.put_import([ad])).json()
    if ok:
        assert body["statusCode"] == 0
        assert list((await me.status(body["token"]))["ads"]) == [str(ad_id)]
    else:
        assert body["statusCode"] == -4
        assert body["errors"][0]["messages"] == [{"id": "ERROR_ID_INVALID"}]
        assert body["errors"][0]["id"] == (ad_id if isinstance(ad_id, str) and ad_id else None)


async def test_an_id_repeated_in_one_import(world: World) -> None:
    me = await integrator(world)
    body = (await me.put_import([car_ad("same"), {"id": "same", "operation": "delete"}])).json()
    assert body["statusCode"] == -4
    assert [e["messages"] for e in body["errors"]] == [[{"id": "ERROR_ID_REPEATED"}]] * 2


async def test_the_payload_limit(world: World) -> None:
    me = await integrator(world)
    world.app.runtime.settings.autoupload_max_body_bytes = 4000
    response = await me.put_import([car_ad(f"c{n}") for n in range(20)])
    assert response.status_code == 413
    assert response.json() == {"property": "", "message": "Request body is larger than 4000 bytes"}
    huge = await world.http.put(
        "/autoupload/import",
        content=b"{" + b" " * 5000 + b"}",
        headers={"Host": BR_HOST, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert (await me.put_import([car_ad()])).json()["statusCode"] == 0


async def test_a_megabyte_by_default(world: World) -> None:
    me = await integrator(world)
    assert world.app.runtime.settings.autoupload_max_body_bytes == 1_048_576
    ads = [car_ad(f"c{n}", body="Carro muito conservado. " * 240) for n in range(200)]  # ~1.2 MB
    response = await me.put_import(ads)
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("raw", "status", "property_path"),
    [
        (b'{"access_token": "\xff\xfe"}', 400, ""),
        (b"{not json", 400, ""),
        (b"[1, 2]", 400, ""),
        (b'{"access_token": "%s", "ad_list": {"id": "1"}}', 400, "ad_list"),
        (b'{"access_token": "%s", "ad_list": ["x"]}', 400, "ad_list[0]"),
    ],
)
async def test_bodies_that_are_not_an_import(
    world: World, raw: bytes, status: int, property_path: str
) -> None:
    me = await integrator(world)
    if b"%s" in raw:
        raw = raw.replace(b"%s", me.token.encode())
    response = await world.http.put(
        "/autoupload/import", content=raw, headers={"Host": BR_HOST, "Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["property"] == property_path and response.json()["message"]


async def test_json_labelled_as_a_form_and_the_seed_trailing_comma(world: World) -> None:
    me = await integrator(world)
    raw = json.dumps({"access_token": me.token, "ad_list": [car_ad()]})[:-1] + ",}"
    response = await world.http.put(
        "/autoupload/import",
        content=raw.encode(),
        headers={"Host": BR_HOST, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.json()["statusCode"] == 0
    unlabelled = await world.http.put(
        "/autoupload/import",
        content=json.dumps({"access_token": me.token, "ad_list": [car_ad("x2")]}).encode(),
        headers={"Host": BR_HOST, "Content-Type": "text/plain"},
    )
    assert unlabelled.json()["statusCode"] == 0


async def test_only_put_imports(world: World) -> None:
    me = await integrator(world)
    response = await me.post("/autoupload/import", {"access_token": me.token, "ad_list": [car_ad()]})
    assert response.status_code == 405
    assert response.json()["error"]["reason"] == "METHOD_NOT_ALLOWED"
