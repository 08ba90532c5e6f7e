"""Statistics: counted by the public advert page, the phone reveal and observers; reset through the API."""

from __future__ import annotations

import re

from support import World, run_jobs, seller


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def _stats(me: object, advert_id: int) -> dict[str, int]:
    response = await me.get(f"/adverts/{advert_id}/statistics")  # type: ignore[attr-defined]
    assert response.status_code == 200
    data: dict[str, int] = response.json()["data"]
    return data


async def test_views_phone_reveals_and_observers_are_counted(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    await run_jobs(world)
    assert await _stats(me, advert["id"]) == {"advert_views": 0, "phone_views": 0, "users_observing": 0}
    for _ in range(3):
        page = await world.http.get(_path(advert["url"]))
        assert page.status_code == 200 and "iPhone 13 Pro" in page.text
    phone = await world.http.post(f"/offers/{advert['id']}/phone")
    assert phone.json() == {"data": {"phones": ["601234567"]}}

    visitor = await world.user()
    login = await world.http.get(
        "/oauth/authorize/", params={"client_id": me.app.client_id, "response_type": "code"}
    )
    hidden = dict(re.findall(r"<input type='hidden' name='([^']+)' value='([^']*)'>", login.text))
    await world.http.post(
        "/oauth/authorize/", data={**hidden, "email": visitor.email, "password": visitor.password}
    )
    assert (await world.http.post(f"/offers/{advert['id']}/observe")).status_code == 204
    assert (await world.http.post(f"/offers/{advert['id']}/observe")).status_code == 204  # idempotent

    assert await _stats(me, advert["id"]) == {"advert_views": 3, "phone_views": 1, "users_observing": 1}
    assert (await world.http.delete(f"/offers/{advert['id']}/observe")).status_code == 204
    assert (await _stats(me, advert["id"]))["users_observing"] == 0


async def test_observing_needs_a_logged_in_user(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    await run_jobs(world)
    world.http.cookies.clear()
    response = await world.http.post(f"/offers/{advert['id']}/observe")
    assert response.status_code == 401


async def test_reset_each_statistic(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    await run_jobs(world)
    await world.http.get(_path(advert["url"]))
    await world.http.post(f"/offers/{advert['id']}/phone")
    reset = await me.delete(f"/adverts/{advert['id']}/statistics/phone-views")
    assert reset.status_code == 204 and reset.content == b""
    assert await _stats(me, advert["id"]) == {"advert_views": 1, "phone_views": 0, "users_observing": 0}
    assert (await me.delete(f"/adverts/{advert['id']}/statistics/advert-views")).status_code == 204
    assert (await _stats(me, advert["id"]))["advert_views"] == 0
    unknown = await me.delete(f"/adverts/{advert['id']}/statistics/likes")
    assert unknown.status_code == 404


async def test_only_active_adverts_have_a_public_page(world: World) -> None:
    me = await seller(world)
    advert = await me.create()
    assert (await world.http.get(_path(advert["url"]))).status_code == 404
    assert (await world.http.post(f"/offers/{advert['id']}/phone")).status_code == 404
    assert (await world.http.get("/d/oferta/not-a-page.html")).status_code == 404
