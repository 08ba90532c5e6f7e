"""Helpers of the messaging tests: an active advert, a buyer's browser, the partner's calls."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from support import V2, Seller, UserCreds, World, run_jobs, seller


def page_path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def active_advert(world: World, body: dict[str, Any] | None = None) -> tuple[Seller, dict[str, Any]]:
    me = await seller(world)
    advert = await me.create(body)
    await run_jobs(world)
    assert await me.status(advert["id"]) == "active"
    return me, advert


@asynccontextmanager
async def browser(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """A buyer's own browser: its own cookies."""
    transport = httpx.ASGITransport(app=world.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl") as client:
        yield client


def hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r"<input type='hidden' name='([^']+)' value='([^']*)'>", page))


async def write(
    client: httpx.AsyncClient,
    advert: dict[str, Any],
    text: str,
    *,
    name: str = "Ola",
    email: str = "ola@example.com",
) -> httpx.Response:
    """Open the advert page and send the form on it, as a buyer does."""
    page = await client.get(page_path(advert["url"]))
    assert page.status_code == 200
    form = {**hidden(page.text), "text": text}
    if "name='email'" in page.text:
        form.update(name=name, email=email)
    return await client.post(f"/offers/{advert['id']}/messages", data=form)


async def log_in(world: World, client: httpx.AsyncClient, me: Seller, user: UserCreds) -> None:
    """Log a marketplace user in through the login page (the session cookie lands in ``client``)."""
    login = await client.get(
        "/oauth/authorize/", params={"client_id": me.app.client_id, "response_type": "code"}
    )
    await client.post(
        "/oauth/authorize/", data={**hidden(login.text), "email": user.email, "password": user.password}
    )


def headers(token: str) -> dict[str, str]:
    return {**V2, "Authorization": f"Bearer {token}"}


async def api_post(world: World, token: str, path: str, body: Any) -> httpx.Response:
    return await world.http.post(f"/api/partner{path}", json=body, headers=headers(token))


def not_found(detail: str) -> dict[str, Any]:
    return {"error": {"status": 404, "title": "Not Found", "detail": detail}}
