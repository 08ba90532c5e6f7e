"""Business logos and banners, advert logos: fetched through the guarded fetcher, checked, stored, served."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from image_server import BANNER, LOGO, local_images, serving
from messaging_support import api_post, not_found, page_path
from support import World, bad_request, seller, validation

LIMIT = bad_request("Image error: Image limit exceeded")
MISSING = bad_request("Image error: Remote file not exists")
NOT_IMAGE = bad_request("Image error: Unsupported image format")
TOO_LARGE = bad_request("Image error: File is too large")


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serving() as found:
        yield found


@pytest.fixture
async def base(world: World, port: int) -> AsyncIterator[str]:
    async with local_images(world, port) as url:
        yield url


async def _served(world: World, url: str) -> httpx.Response:
    return await world.http.get(page_path(url))


async def test_business_logos_are_added_listed_served_and_deleted(world: World, base: str) -> None:
    me = await seller(world, business=True)
    added = await api_post(world, me.token, "/users-business/me/logos", {"url": f"{base}/logo.png"})
    assert added.status_code == 200
    [logo] = added.json()["data"]
    assert set(logo) == {"id", "url"} and isinstance(logo["id"], str) and logo["id"].isdigit()
    assert logo["url"].endswith(".png") and "/media/" in logo["url"]
    image = await _served(world, logo["url"])
    assert image.status_code == 200 and image.content == LOGO and image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"

    second = await api_post(world, me.token, "/users-business/me/logos", {"url": f"{base}/anim.gif"})
    both = second.json()["data"]
    assert len(both) == 2 and both[0] == logo
    assert (await me.get("/users-business/me/logos")).json() == {"data": both}
    data = (await me.get("/users-business/me")).json()["data"]
    assert data["logo"] == {"url": both[1]["url"]}  # the latest one is the account's logo

    assert (await me.delete(f"/users-business/me/logos/{both[1]['id']}")).status_code == 204
    assert (await me.get("/users-business/me/logos")).json() == {"data": [logo]}
    assert (await me.get("/users-business/me")).json()["data"]["logo"] == {"url": logo["url"]}
    again = await me.delete(f"/users-business/me/logos/{both[1]['id']}")
    assert again.status_code == 404 and again.json() == not_found("Logo not found")
    assert (await _served(world, both[1]["url"])).status_code == 404  # deleted: not served any more

    other = await seller(world, business=True)
    theirs = await other.delete(f"/users-business/me/logos/{logo['id']}")
    assert theirs.json() == not_found("Logo not found")
    assert (await other.get("/users-business/me/logos")).json() == {"data": []}
    huge = await me.delete(f"/users-business/me/logos/{2**64}")
    assert huge.json() == not_found("Resource not found")


async def test_business_banners_and_the_per_site_limit(world: World, base: str) -> None:
    me = await seller(world, business=True)
    added = await api_post(world, me.token, "/users-business/me/banners", {"url": f"{base}/banner.jpg"})
    [banner] = added.json()["data"]
    assert (await _served(world, banner["url"])).content == BANNER
    assert (await me.get("/users-business/me")).json()["data"]["banner"] == {"url": banner["url"]}
    assert (await me.get("/users-business/me/logos")).json() == {"data": []}  # banners are not logos
    for _ in range(4):
        ok = await api_post(world, me.token, "/users-business/me/banners", {"url": f"{base}/banner.jpg"})
        assert ok.status_code == 200
    over = await api_post(world, me.token, "/users-business/me/banners", {"url": f"{base}/banner.jpg"})
    assert over.status_code == 400 and over.json() == LIMIT
    assert len((await me.get("/users-business/me/banners")).json()["data"]) == 5
    wrong = await me.delete(f"/users-business/me/logos/{banner['id']}")  # a banner is not a logo
    assert wrong.json() == not_found("Logo not found")
    assert (await me.delete(f"/users-business/me/banners/{banner['id']}")).status_code == 204


BAD: list[tuple[str, dict[str, Any]]] = [
    ("/page.html", NOT_IMAGE),
    ("/fake.png", NOT_IMAGE),
    ("/bomb.png", NOT_IMAGE),
    ("/tiny.png", NOT_IMAGE),
    ("/bitmap.bmp", NOT_IMAGE),
    ("/huge.png", TOO_LARGE),
    ("/missing.png", MISSING),
]


async def test_bad_images_are_refused_with_the_documented_error(world: World, base: str) -> None:
    me = await seller(world, business=True)
    for path, expected in BAD:
        response = await api_post(world, me.token, "/users-business/me/logos", {"url": f"{base}{path}"})
        assert response.status_code == 400 and response.json() == expected, path
    for body, entry in (
        ({}, ("url", "This field is required")),
        ({"url": 7}, ("url", "Invalid value")),
        ({"url": "x" * 3000}, ("url", "Invalid value")),
        ({"url": " "}, ("url", "Invalid value")),
    ):
        response = await api_post(world, me.token, "/users-business/me/logos", body)
        assert response.json() == validation(entry), body
    assert (await me.get("/users-business/me/logos")).json() == {"data": []}


async def test_private_addresses_are_never_fetched(world: World) -> None:
    me = await seller(world, business=True)  # the app's own fetcher: the production policy
    urls = [
        "http://127.0.0.1/logo.png",
        "http://localhost/logo.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/logo.png",
        "http://10.0.0.7/logo.png",
        "http://[::ffff:127.0.0.1]/logo.png",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "http://user:pass@127.0.0.1:22/",
    ]
    for url in urls:
        response = await api_post(world, me.token, "/users-business/me/logos", {"url": url})
        assert response.json() == MISSING, url


async def test_advert_logos_are_owner_only_and_limited(world: World, base: str) -> None:
    me = await seller(world)
    advert = await me.create()
    path = f"/adverts/{advert['id']}/logos"
    added = await api_post(world, me.token, path, {"url": f"{base}/logo.png"})
    assert added.status_code == 200
    logo = added.json()["data"]
    assert set(logo) == {"id", "url"} and isinstance(logo["id"], int)
    assert (await _served(world, logo["url"])).content == LOGO
    assert (await me.get(path)).json() == {"data": [logo]}
    assert (await api_post(world, me.token, path, {"url": f"{base}/anim.gif"})).json() == LIMIT

    other = await seller(world)
    not_owner = validation(("ad", "You are not the owner of this ad"))
    assert (await other.get(path)).json() == not_owner
    assert (await api_post(world, other.token, path, {"url": f"{base}/logo.png"})).json() == not_owner
    assert (await other.delete(f"{path}/{logo['id']}")).json() == not_owner
    missing = await me.get("/adverts/99999999/logos")
    assert missing.json() == not_found("Advert not found")

    assert (await me.delete(f"{path}/{logo['id']}")).status_code == 204
    assert (await me.get(path)).json() == {"data": []}
    assert (await me.delete(f"{path}/{logo['id']}")).json() == not_found("Logo not found")


async def test_racing_posts_never_pass_the_limit(world: World, base: str) -> None:
    me = await seller(world)
    advert = await me.create()
    path = f"/adverts/{advert['id']}/logos"
    results = await asyncio.gather(
        *(api_post(world, me.token, path, {"url": f"{base}/logo.png"}) for _ in range(4))
    )
    assert sorted(r.status_code for r in results) == [200, 400, 400, 400]
    assert all(r.json() == LIMIT for r in results if r.status_code == 400)
    assert len((await me.get(path)).json()["data"]) == 1


async def test_a_deleted_advert_takes_its_logos_away(world: World, base: str) -> None:
    me = await seller(world)
    advert = await me.create()
    added = await api_post(world, me.token, f"/adverts/{advert['id']}/logos", {"url": f"{base}/logo.png"})
    logo = added.json()["data"]
    assert (await _served(world, logo["url"])).status_code == 200
    assert (await me.delete(f"/adverts/{advert['id']}")).status_code == 204  # through the advert core
    assert (await me.get(f"/adverts/{advert['id']}/logos")).json() == not_found("Advert not found")
    assert (await _served(world, logo["url"])).status_code == 404
