"""Paths as clients send them: repeated slashes merged, look-alike titles with a working public page."""

from __future__ import annotations

from urllib.parse import quote

from support import V2, World, phone_advert, run_jobs, seller


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def test_repeated_slashes_are_merged(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    headers = {**V2, "Authorization": f"Bearer {token}"}
    direct = await world.http.get("/api/partner/categories/1", headers=headers)
    doubled = await world.http.get("http://olx.pl//api//partner///categories/1", headers=headers)
    assert doubled.status_code == direct.status_code and doubled.json() == direct.json()
    page = await world.http.get(
        "http://olx.pl//oauth/authorize/", params={"client_id": app.client_id, "response_type": "code"}
    )
    assert page.status_code == 200, page.text


async def test_a_title_with_cyrillic_look_alikes_has_an_ascii_slug_and_a_page(world: World) -> None:
    me = await seller(world)
    # "iPhone" with a Cyrillic "о" and "е": what a spammer types to dodge filters.
    response = await me.post(phone_advert(title="iPh\u043en\u0435 13 Pro 128GB grafitowy stan idealny"))
    assert response.status_code == 200, response.text
    advert = response.json()["data"]
    path = _path(advert["url"])
    assert path.isascii(), path
    await run_jobs(world)
    page = await world.http.get(path)
    assert page.status_code == 200 and "13 Pro" in page.text


async def test_a_page_with_a_non_ascii_slug_still_answers(world: World) -> None:
    me = await seller(world)
    advert = (await me.post(phone_advert())).json()["data"]
    await run_jobs(world)
    page_id = _path(advert["url"]).rsplit("-ID", 1)[1]
    page = await world.http.get("/d/oferta/" + quote("ipһone-13-pro") + "-ID" + page_id)
    assert page.status_code == 200, page.text
