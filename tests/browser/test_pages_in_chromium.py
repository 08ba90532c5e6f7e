"""The documentation page and the login/consent flow in a real headless browser (Debian's chromium).

Every request the browser makes is checked: none may leave this server. Skipped where chromium or
the Playwright package is missing (they are not needed by anything else).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
import uvicorn

from pazar.app import Pazar
from support import World

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


@pytest.fixture
async def base_url(app: Pazar) -> AsyncIterator[str]:
    """pazar on a real socket (127.0.0.1, a free port), in this event loop."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        await launched.close()


async def test_docs_page_renders_offline(base_url: str, browser: object) -> None:
    page = await browser.new_page()  # type: ignore[attr-defined]
    outside: list[str] = []

    async def guard(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(base_url) or url.startswith("data:"):
            await route.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(url)
            await route.abort()  # type: ignore[attr-defined]

    await page.route("**/*", guard)
    await page.goto(f"{base_url}/_pazar/docs")
    title = page.locator(".swagger-ui .info .title")
    await title.wait_for(timeout=20_000)
    assert "Partner API" in await title.inner_text()
    await page.locator(".opblock").first.wait_for(timeout=20_000)
    assert await page.locator(".opblock").count() > 10
    assert outside == []


async def test_login_and_consent_in_a_browser(world: World, base_url: str, browser: object) -> None:
    partner, user = await world.partner_app(), await world.user()
    page = await browser.new_page()  # type: ignore[attr-defined]
    landed: list[str] = []

    async def callback(route: object) -> None:  # the partner's redirect URI is not on this machine
        landed.append(route.request.url)  # type: ignore[attr-defined]
        await route.fulfill(status=200, body="ok")  # type: ignore[attr-defined]

    await page.route("https://crm.example.com/**", callback)
    await page.goto(f"{base_url}/oauth/authorize/?client_id={partner.client_id}&response_type=code&state=s1")
    await page.get_by_label("E-mail").fill(user.email)
    await page.get_by_label("Password").fill(user.password)
    await page.get_by_role("button", name="Log in").click()
    await page.get_by_role("heading", name="Authorize").wait_for()
    assert "publish, change and remove your adverts" in await page.content()
    await page.get_by_role("button", name="Allow").click()
    await page.wait_for_url("https://crm.example.com/**")
    (url,) = landed
    query = parse_qs(urlsplit(url).query)
    assert query["state"] == ["s1"] and len(query["code"][0]) > 10
