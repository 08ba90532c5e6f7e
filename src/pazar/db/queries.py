"""Query helpers. Every owner-scoped advert query is built here, so scoping is written once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Select, Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pazar.db.models import Advert, PartnerApp, User
from pazar.db.session import WRITE_OPTION


def owned_adverts(*, site_id: str, user_id: int, app_id: int | None = None) -> Select[Advert]:
    """The live (not deleted) adverts of a user on a site, optionally only those an app manages."""
    stmt = select(Advert).where(
        Advert.site_id == site_id, Advert.user_id == user_id, Advert.deleted.is_(False)
    )
    if app_id is not None:
        stmt = stmt.where(Advert.app_id == app_id)
    return stmt


# Built once: these run on every advert POST, and building a statement costs more than running it.
_COUNT_UP_TO = select(func.count()).select_from(
    select(Advert.id)
    .where(
        Advert.site_id == bindparam("site_id"),
        Advert.user_id == bindparam("user_id"),
        Advert.root_category_id == bindparam("root_category_id"),
        Advert.status.in_(bindparam("statuses", expanding=True)),
        Advert.deleted.is_(False),
    )
    .limit(bindparam("cap"))
    .subquery()
)
_users = cast(Table, User.__table__)
_LOCK_USER_SQLITE = update(_users).where(_users.c.id == bindparam("uid")).values(id=_users.c.id)
_LOCK_USER_ROW = select(_users.c.id).where(_users.c.id == bindparam("uid")).with_for_update()


async def count_up_to(
    session: AsyncSession,
    *,
    site_id: str,
    user_id: int,
    root_category_id: int,
    statuses: Sequence[str],
    cap: int,
) -> int:
    """A user's live adverts in a root category with one of ``statuses``, counting at most ``cap``
    (enough to compare with a limit, however many adverts the user has)."""
    params = {
        "site_id": site_id,
        "user_id": user_id,
        "root_category_id": root_category_id,
        "statuses": list(statuses),
        "cap": cap,
    }
    return int((await session.execute(_COUNT_UP_TO, params)).scalar_one())


async def lock_user(session: AsyncSession, user_id: int) -> None:
    """Hold the user until the transaction ends, so that one user's writes queue behind each other.

    PostgreSQL locks the row. SQLite has no row locks, only the database's write lock: a write
    transaction (``BEGIN IMMEDIATE``) holds it from its first statement already; in a read
    transaction a no-op UPDATE takes it now (before the reads that decide, e.g. a free-slot count),
    so no writer of another process can slip in between the read and the write.
    """
    if session.get_bind().dialect.name != "sqlite":
        await session.execute(_LOCK_USER_ROW, {"uid": user_id})
        return
    conn = (await session.connection()).sync_connection
    if conn is None or not conn.get_execution_options().get(WRITE_OPTION, False):
        await session.execute(_LOCK_USER_SQLITE, {"uid": user_id})


_APP_CALLBACK = select(PartnerApp.webhook_url).where(PartnerApp.id == bindparam("app_id"))


async def app_has_callback(session: AsyncSession, app_id: int | None) -> bool:
    """Whether a partner app has a callback (webhook) URL; read once per session and app."""
    if app_id is None:
        return False
    known: dict[int, bool] = session.info.setdefault("pazar.app_has_callback", {})
    if app_id not in known:
        url = (await session.execute(_APP_CALLBACK, {"app_id": app_id})).scalar_one_or_none()
        known[app_id] = bool(url)
    return known[app_id]
