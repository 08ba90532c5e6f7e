"""Which transaction a request gets: a GET reads (never SQLite's write lock), a POST writes.

Checked at the engine's ``begin`` event, on both databases: the unit of work's choice (the write
execution option) and, on SQLite, the BEGIN the connection runs (DEFERRED or IMMEDIATE).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event

from messaging_support import active_advert, page_path
from pazar.config import Settings
from pazar.db import sqlite_driver
from pazar.db.session import WRITE_OPTION
from support import World, phone_advert, seller


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # No sandbox journal: its background writes would mix with the request's own transactions.
    return settings.model_copy(update={"sandbox_journal": False})


def _capture(world: World) -> list[tuple[bool, str]]:
    """(write?, the SQLite BEGIN or "" on PostgreSQL) of each transaction the app begins."""
    seen: list[tuple[bool, str]] = []

    def on_begin(conn: Any) -> None:
        driver = conn.connection.driver_connection
        begin = driver._begin or "" if isinstance(driver, sqlite_driver.Connection) else ""
        seen.append((bool(conn.get_execution_options().get(WRITE_OPTION)), begin))

    event.listen(world.app.runtime.db.engine.sync_engine, "begin", on_begin)
    return seen


async def test_a_get_reads_and_a_post_writes(world: World) -> None:
    me = await seller(world)
    sqlite = world.app.runtime.db.engine.dialect.name == "sqlite"
    begins = _capture(world)

    created = await me.post(phone_advert())
    assert created.status_code == 200, created.text
    advert = created.json()["data"]
    # One write transaction (the post queue's); the token and site look-ups before it only read.
    assert [b for b in begins if b[0]] == [(True, "BEGIN IMMEDIATE" if sqlite else "")]
    assert {b for b in begins if not b[0]} <= {(False, "BEGIN DEFERRED" if sqlite else "")}

    begins.clear()
    got = await me.get(f"/adverts/{advert['id']}")
    assert got.status_code == 200
    assert got.json()["data"]["title"] == advert["title"]
    # The request's own transaction and the sandbox's cached reads (clock, faults): none writes.
    assert set(begins) == {(False, "BEGIN DEFERRED" if sqlite else "")}, begins

    begins.clear()
    listed = await me.get("/adverts")
    assert [a["id"] for a in listed.json()["data"]] == [advert["id"]]
    assert set(begins) == {(False, "BEGIN DEFERRED" if sqlite else "")}, begins


async def test_a_get_that_counts_a_view_writes(world: World) -> None:
    _, advert = await active_advert(world)
    begins = _capture(world)
    page = await world.http.get(page_path(advert["url"]))
    assert page.status_code == 200 and advert["title"] in page.text
    assert (True, "BEGIN IMMEDIATE" if world.app.runtime.db.engine.dialect.name == "sqlite" else "") in begins


async def test_concurrent_posts_of_one_process_all_succeed(world: World) -> None:
    me = await seller(world, business=True)
    answers = await asyncio.gather(
        *(me.post(phone_advert(title=f"iPhone 13 Pro nr {n} stan idealny")) for n in range(12))
    )
    assert [a.status_code for a in answers] == [200] * 12, [a.text for a in answers if a.status_code != 200]
    titles = {a.json()["data"]["title"] for a in answers}
    assert titles == {f"iPhone 13 Pro nr {n} stan idealny" for n in range(12)}
    listed = await me.get("/adverts", params={"limit": 50})
    assert {a["title"] for a in listed.json()["data"]} == titles
