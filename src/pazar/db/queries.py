"""Query helpers. Every owner-scoped advert query is built here, so scoping is written once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select

from pazar.db.models import Advert


def owned_adverts(*, site_id: str, user_id: int, app_id: int | None = None) -> Select[Advert]:
    """The live (not deleted) adverts of a user on a site, optionally only those an app manages."""
    stmt = select(Advert).where(
        Advert.site_id == site_id, Advert.user_id == user_id, Advert.deleted.is_(False)
    )
    if app_id is not None:
        stmt = stmt.where(Advert.app_id == app_id)
    return stmt


def count_in_root_category(
    *, site_id: str, user_id: int, root_category_id: int, statuses: Sequence[str]
) -> Select[int]:
    return (
        select(func.count())
        .select_from(Advert)
        .where(
            Advert.site_id == site_id,
            Advert.user_id == user_id,
            Advert.root_category_id == root_category_id,
            Advert.status.in_(list(statuses)),
            Advert.deleted.is_(False),
        )
    )
