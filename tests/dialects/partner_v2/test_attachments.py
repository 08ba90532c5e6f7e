"""Message attachments (both sides) and the Jobs-only ``phone`` of a reply."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from image_server import LOGO, local_images, serving
from messaging_support import active_advert, api_post, browser, hidden, page_path, write
from support import World, bad_request, job_advert, validation

LIMIT = bad_request("Image error: Image limit exceeded")
MISSING = bad_request("Image error: Remote file not exists")
NOT_IMAGE = bad_request("Image error: Unsupported image format")


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serving() as found:
        yield found


@pytest.fixture
async def base(world: World, port: int) -> AsyncIterator[str]:
    async with local_images(world, port) as url:
        yield url


async def _thread(world: World, **kwargs: Any) -> tuple[Any, dict[str, Any], int]:
    me, advert = await active_advert(world, **kwargs)
    async with browser(world) as buyer:
        assert (await write(buyer, advert, "Dzień dobry")).status_code == 303
    [thread] = (await me.get("/threads")).json()["data"]
    return me, advert, thread["id"]


async def test_a_reply_carries_stored_attachments_the_buyer_can_open(world: World, base: str) -> None:
    me, advert = await active_advert(world)
    async with browser(world) as buyer:
        await write(buyer, advert, "Jak wygląda?")
        [thread] = (await me.get("/threads")).json()["data"]
        body = {
            "text": "Proszę",
            "attachments": [{"url": f"{base}/logo.png?v=1"}, {"url": f"{base}/anim.gif"}],
        }
        reply = await api_post(world, me.token, f"/threads/{thread['id']}/messages", body)
        assert reply.status_code == 200
        message = reply.json()["data"]
        names = [a["name"] for a in message["attachments"]]
        assert names == ["logo.png", "anim.gif"]
        assert all("/media/" in a["url"] for a in message["attachments"])
        assert (await world.http.get(page_path(message["attachments"][0]["url"]))).content == LOGO
        listed = (await me.get(f"/threads/{thread['id']}/messages/{message['id']}")).json()["data"]
        assert listed["attachments"] == message["attachments"]
        page = await buyer.get(page_path(advert["url"]))
        assert ">logo.png</a>" in page.text and page_path(message["attachments"][0]["url"]) in page.text


async def test_a_buyer_attaches_an_image_from_the_page(world: World, base: str) -> None:
    me, advert = await active_advert(world)
    async with browser(world) as buyer:
        page = await buyer.get(page_path(advert["url"]))
        form = {
            **hidden(page.text),
            "text": "Zdjęcie",
            "name": "Ola",
            "email": "ola@example.com",
            "attachment_url": f"{base}/logo.png",
        }
        assert (await buyer.post(f"/offers/{advert['id']}/messages", data=form)).status_code == 303
        bad = {
            **hidden((await buyer.get(page_path(advert["url"]))).text),
            "text": "Strona",
            "name": "Ola",
            "email": "ola@example.com",
            "attachment_url": f"{base}/page.html",
        }
        refused = await buyer.post(f"/offers/{advert['id']}/messages", data=bad)
    [thread] = (await me.get("/threads")).json()["data"]
    [message] = (await me.get(f"/threads/{thread['id']}/messages")).json()["data"]
    assert message["attachments"][0]["name"] == "logo.png"
    assert refused.status_code == 400 and "Image error: Unsupported image format" in refused.text


async def test_bad_attachments_store_nothing(world: World, base: str) -> None:
    me, _, tid = await _thread(world)
    path = f"/threads/{tid}/messages"
    cases: list[tuple[Any, dict[str, Any]]] = [
        ({"text": "x", "attachments": [{"url": f"{base}/page.html"}]}, NOT_IMAGE),
        ({"text": "x", "attachments": [{"url": f"{base}/bomb.png"}]}, NOT_IMAGE),
        ({"text": "x", "attachments": [{"url": f"{base}/nope.png"}]}, MISSING),
        ({"text": "x", "attachments": [{"url": f"{base}/logo.png"}] * 6}, LIMIT),
        ({"text": "x", "attachments": [{"url": f"{base}/logo.png"}, {"url": f"{base}/fake.png"}]}, NOT_IMAGE),
        ({"text": "x", "attachments": "http://a/b.png"}, validation(("attachments", "Invalid value"))),
        ({"text": "x", "attachments": [{}]}, validation(("attachments.url", "This field is required"))),
    ]
    for body, expected in cases:
        response = await api_post(world, me.token, path, body)
        assert response.status_code == 400 and response.json() == expected, body
    extra = await api_post(world, me.token, path, {"text": "x", "attachments": [{"url": "u", "name": "n"}]})
    assert extra.json() == {"data": bad_request("Error while decoding JSON data: Syntax error")}
    assert (await me.get(f"/threads/{tid}")).json()["data"]["total_count"] == 1


async def test_private_attachment_urls_are_refused_by_the_apps_own_fetcher(world: World) -> None:
    me, _, tid = await _thread(world)
    for url in ("http://127.0.0.1:5432/", "http://metadata.google.internal/", "http://[fd00::1]/a.png"):
        response = await api_post(
            world, me.token, f"/threads/{tid}/messages", {"text": "x", "attachments": [{"url": url}]}
        )
        assert response.json() == MISSING, url


async def test_a_phone_goes_with_a_reply_in_jobs_only(world: World) -> None:
    me, advert = await active_advert(world, body=job_advert())
    async with browser(world) as buyer:
        assert (await write(buyer, advert, "Dzień dobry")).status_code == 303
        [thread] = (await me.get("/threads")).json()["data"]
        tid = thread["id"]
        path = f"/threads/{tid}/messages"
        sent = await api_post(world, me.token, path, {"text": "Zapraszamy", "phone": "601 234 567"})
        assert sent.status_code == 200
        assert "Phone: 601 234 567" in (await buyer.get(page_path(advert["url"]))).text
    assert (await api_post(world, me.token, path, {"text": "x", "phone": "call me"})).json() == validation(
        ("phone", "Invalid phone format")
    )
    assert (await me.get(f"/threads/{tid}")).json()["data"]["total_count"] == 2
