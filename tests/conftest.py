"""Fixtures: every database test runs on SQLite and, when PAZAR_TEST_DATABASE_URL is set, on PostgreSQL.

The schema is built with the Alembic migrations (never ``create_all``) and the
shipped demo data is seeded once per database; each test gets its own app,
runtime and manual clock, and makes its own users and apps so tests stay
independent.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from pazar.app import Pazar, create_app
from pazar.config import Settings
from pazar.db.migrate import upgrade
from pazar.db.models import Site
from pazar.db.session import Database
from pazar.ports import ManualClock
from pazar.services import seed
from pazar.services.runtime import Runtime
from pazar.services.secrets_store import server_secret_key
from support import OTHER_SITE, World

PG_URL = os.environ.get("PAZAR_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(tmp_path_factory.mktemp('db')) / 'pazar.db'}"
    else:
        url = PG_URL
        await _reset_postgres(url)
    db = Database(url)
    await upgrade(db.engine)
    async with db.transaction() as session:
        key = await server_secret_key(session, "")
        await seed.seed(session, secret_key=key, password="pazar-demo", clock=ManualClock())
        # A second, bare site so tests can prove sites do not see each other's apps and tokens.
        session.add(
            Site(
                id=OTHER_SITE,
                name="OLX.ro",
                country_code="RO",
                default_language="ro",
                default_currency="RON",
                config={"languages": [{"code": "ro", "is_default": True}]},
            )
        )
    await db.dispose()
    return url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        max_body_bytes=256 * 1024,
        seed_on_start=False,
        embedded_worker=False,
        moderation_delay_seconds=0,
        host_map={"olx.pl": "olx.pl", OTHER_SITE: OTHER_SITE},
    )


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[Pazar]:
    runtime = Runtime.from_settings(settings, clock=clock)
    application = create_app(settings, runtime=runtime)
    await application.startup()
    yield application
    await application.shutdown()


@pytest.fixture
async def http(app: Pazar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl") as client:
        yield client


@pytest.fixture
def world(app: Pazar, http: httpx.AsyncClient, clock: ManualClock) -> World:
    return World(app=app, http=http, clock=clock)
