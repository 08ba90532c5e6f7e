"""The catalogue endpoints (seed §4): full answers, unknown ids, methods and tokens."""

from __future__ import annotations

import json

from pazar.services.autoupload.site_data import site_directory
from support import BR_HOST, BR_SCOPES, BR_SITE, World, br_token, integrator

CARS = json.loads(site_directory().joinpath("car_catalog.json").read_text("utf-8"))
MOTOS = json.loads(site_directory().joinpath("moto_catalog.json").read_text("utf-8"))


async def test_full_answers_follow_the_shipped_catalogues(world: World) -> None:
    me = await integrator(world)
    brands = (await me.post("/autoupload/car_info")).json()
    assert brands["status"] == "ok" and brands["data"] == {b["name"]: b["id"] for b in CARS}
    assert len(brands["data"]) >= 40
    fiat = next(b for b in CARS if b["name"] == "FIAT")
    models = (await me.post(f"/autoupload/car_info/{fiat['id']}")).json()["data"]
    assert models == {m["name"]: m["id"] for m in fiat["models"]}
    model = fiat["models"][0]
    versions = (await me.post(f"/autoupload/car_info/{fiat['id']}/{model['id']}")).json()["data"]
    assert versions == {v["name"]: v["id"] for v in model["versions"]}
    moto_brands = (await me.post("/autoupload/moto_info")).json()["data"]
    assert moto_brands == {b["name"]: b["id"] for b in MOTOS}


async def test_unknown_ids_are_not_found(world: World) -> None:
    me = await integrator(world)
    for path in (
        "/autoupload/car_info/99999",
        "/autoupload/car_info/abc",
        "/autoupload/car_info/1/3",  # model 3 (A1) is AUDI's, not AM GEN's
        "/autoupload/moto_info/7/99999",
    ):
        response = await me.post(path)
        assert response.status_code == 404, path
        assert response.json()["status"] == "ERROR" and response.json()["error"]["statusCode"] == 404


async def test_catalogues_take_post_and_a_token(world: World) -> None:
    me = await integrator(world)
    get = await world.http.get("/autoupload/car_info", headers={"Host": BR_HOST})
    assert get.status_code == 405 and get.json()["error"]["reason"] == "METHOD_NOT_ALLOWED"
    anonymous = await me.post("/autoupload/car_info", {})
    assert anonymous.status_code == 404
    assert anonymous.json() == {
        "status": "ERROR",
        "error": {"reason": "ACCESS_TOKEN_NOT_FOUND", "message": "Access token not found", "statusCode": 404},
    }
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE)
    info_only = await br_token(world, app, user, scope="basic_user_info")
    refused = await me.post("/autoupload/moto_cubiccms_info", {"access_token": info_only})
    assert refused.status_code == 403 and refused.json()["error"]["reason"] == "WITHOUT_PERMISSION"
    unknown_path = await me.post("/autoupload/nothing")
    assert unknown_path.status_code == 404 and unknown_path.json()["error"]["reason"] == "NOT_FOUND"
