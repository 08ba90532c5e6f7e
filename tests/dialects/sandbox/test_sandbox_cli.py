"""The sandbox CLI against the test database: the same use cases, seen by the running app over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pazar.config import Settings
from support import V2, World, re_advert, re_partner, run_jobs

PAZAR = [str(Path(sys.executable).with_name("pazar"))]


async def pazar(settings: Settings, *args: str) -> Any:
    env = {**os.environ, "PAZAR_DATABASE_URL": settings.database_url}
    done = await asyncio.to_thread(
        subprocess.run,
        [*PAZAR, *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_clock_commands_move_the_servers_clock(
    world: World, settings: Settings, admin_headers: dict[str, str]
) -> None:
    moved = await pazar(settings, "clock", "advance", "2d")
    assert moved["offset_seconds"] == 2 * 86_400 and moved["frozen"] is False
    await asyncio.sleep(0.25)  # another process's change is seen within a fifth of a second
    shown = (await world.http.get("/_pazar/v1/clock", headers=admin_headers)).json()
    assert shown["offset_seconds"] == 2 * 86_400
    frozen = await pazar(settings, "clock", "freeze", "--at", "2031-05-01T12:00:00Z")
    assert frozen["now"] == "2031-05-01T12:00:00+00:00" and frozen["frozen"] is True
    assert (await pazar(settings, "clock", "show"))["now"] == "2031-05-01T12:00:00+00:00"
    reset = await pazar(settings, "clock", "reset")
    assert reset["frozen"] is False and reset["offset_seconds"] == 0


async def test_fault_commands_apply_to_the_server(world: World, settings: Settings) -> None:
    added = await pazar(
        settings, "faults", "add", "--status", "503", "--path", "/api/partner/categories", "--times", "1"
    )
    assert added["effect"] == {"status": 503, "drop": False} and added["remaining"] == 1
    listed = await pazar(settings, "faults", "list")
    assert [f["id"] for f in listed["faults"]] == [added["id"]]
    await asyncio.sleep(0.25)
    assert (await world.http.get("/api/partner/categories", headers=V2)).status_code == 503
    calls = await pazar(settings, "requests", "--limit", "1")
    assert calls["status"] == 503 and calls["path"] == "/api/partner/categories"
    assert (await pazar(settings, "faults", "clear"))["deleted"] == 1


async def test_moderation_and_snapshot_commands(world: World, settings: Settings) -> None:
    sites = (await pazar(settings, "moderation", "set", "manual", "--site", "olx.pl"))["sites"]
    assert sites == [{"site": "olx.pl", "mode": "manual", "delay_seconds": 3.0}]
    await pazar(settings, "moderation", "set", "rules", "--site", "olx.pl")
    saved = await pazar(settings, "snapshot", "save", "cli-snap")
    assert saved["name"] == "cli-snap" and saved["size_bytes"] > 0
    assert "cli-snap" in [s["name"] for s in (await pazar(settings, "snapshot", "list"))["snapshots"]]
    restored = await pazar(settings, "snapshot", "restore", "cli-snap")
    assert restored["restored"] == "cli-snap" and restored["rows"]["sites"] >= 1


async def test_webhooks_trigger_queues_a_delivery_to_the_adverts_app(
    world: World, settings: Settings
) -> None:
    partner = await re_partner(
        world, webhook_url="http://127.0.0.1:9/hooks"
    )  # nobody listens: it stays queued
    try:
        uuid = (await partner.post(re_advert())).json()["data"]["uuid"]
        await run_jobs(world)  # the RE publish is applied by the worker
        made = await pazar(settings, "webhooks", "trigger", "--advert", uuid, "--event", "advert_put_success")
        assert made["event_type"] == "advert_put_success" and made["url"] == "http://127.0.0.1:9/hooks"
        listed = await pazar(settings, "webhooks", "list", "--app", partner.app.client_id)
        assert made["delivery_id"] in {row["delivery_id"] for row in listed}
    finally:
        await partner.client.aclose()
