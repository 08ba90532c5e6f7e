"""The operator's CLI against the test database: tokens for each API (``pazar auth code|token --api``)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pazar.config import Settings
from support import BR_SCOPES, BR_SITE, RE_SITE, Integrator, World, br_exchange, car_ad

PAZAR = [str(Path(sys.executable).with_name("pazar"))]  # the installed console script


async def pazar(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAZAR_DATABASE_URL": settings.database_url}
    return await asyncio.to_thread(
        subprocess.run, [*PAZAR, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def minted(settings: Settings, *args: str) -> dict[str, Any]:
    done = await pazar(settings, *args, "--json")
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


async def test_a_token_for_a_brasil_app_carries_the_autoupload_scopes_and_imports(
    world: World, settings: Settings
) -> None:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE, business=True, name="Revenda CLI")
    issued = await minted(settings, "auth", "token", "--client-id", app.client_id, "--user", user.email)
    assert issued["scope"] == "basic_user_info autoupload"  # chosen from the app: no --api needed
    assert issued["expires_in"] == 3650 * 86400  # Brasil tokens do not expire (for a client)
    accepted = await Integrator(world, user, app, issued["access_token"]).imported([car_ad("cli-1")])
    assert accepted  # the import's status token: the CLI's token passed the import's scope check


async def test_a_code_for_a_brasil_app_is_exchanged_at_the_brasil_token_endpoint(
    world: World, settings: Settings
) -> None:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE, business=True, name="Revenda CLI")
    code = (await minted(settings, "auth", "code", "--client-id", app.client_id, "--user", user.email))[
        "code"
    ]
    token = await br_exchange(world, app, code)
    assert await Integrator(world, user, app, token).imported([car_ad("cli-2")])


async def test_api_re_gives_re_scopes_and_lifetimes_and_an_unknown_api_is_refused(
    world: World, settings: Settings
) -> None:
    app = await world.partner_app(site=RE_SITE)
    user = await world.user(site=RE_SITE, business=True)
    default = await minted(settings, "auth", "token", "--client-id", app.client_id, "--user", user.email)
    assert (default["scope"], default["expires_in"]) == ("v2 read write", 86400)
    re_token = await minted(
        settings, "auth", "token", "--client-id", app.client_id, "--user", user.email, "--api", "re"
    )
    assert (re_token["scope"], re_token["expires_in"]) == ("read write", 3600)
    refused = await pazar(settings, "auth", "token", "--client-id", app.client_id, "--api", "soap")
    assert refused.returncode == 1 and "Unknown API 'soap'" in refused.stderr
