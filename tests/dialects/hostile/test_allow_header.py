"""A 405 on an implemented path names every method the path takes, in each dialect's error shape."""

from __future__ import annotations

from support import BR_HOST, V2, World, re_client


async def test_v2_advert_path(world: World) -> None:
    response = await world.http.patch("/api/partner/adverts/1", headers=V2)
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PUT"
    assert response.json()["error"]["title"] == "Method Not Allowed"


async def test_v2_collection(world: World) -> None:
    response = await world.http.delete("/api/partner/adverts", headers=V2)
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"


async def test_autoupload_import(world: World) -> None:
    response = await world.http.delete("/autoupload/import", headers={"Host": BR_HOST})
    assert response.status_code == 405, response.text
    assert "PUT" in response.headers["allow"].split(", ")


async def test_re_adverts(world: World) -> None:
    async with re_client(world) as client:
        response = await client.patch("/advert/v1")
    assert response.status_code == 405, response.text
    assert "POST" in response.headers["allow"].split(", ")
    assert response.json()["error"]["status"] == 405
