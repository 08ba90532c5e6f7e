"""Alembic environment. Migrations are the only way pazar's schema is made.

Called two ways: programmatically by ``pazar.db.migrate`` with a live connection in
``config.attributes["connection"]``, or by the ``alembic`` command line, which
connects with the URL from the settings.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from pazar.db import models  # noqa: F401  (registers the tables)
from pazar.db.base import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_from_settings() -> None:
    from pazar.config import Settings
    from pazar.db.session import make_engine

    async def go() -> None:
        engine = make_engine(context.config.get_main_option("sqlalchemy.url") or Settings().database_url)
        async with engine.begin() as conn:
            await conn.run_sync(_run)
        await engine.dispose()

    asyncio.run(go())


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        _run_from_settings()
