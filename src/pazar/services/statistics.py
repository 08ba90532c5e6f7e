"""Advert statistics: views of the public page, phone reveals, observers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from pazar.db.models import Advert, AdvertObserver
from pazar.domain.errors import NotFound
from pazar.domain.lifecycle import Status
from pazar.ports import Clock
from pazar.services.runtime import Session

RESETTABLE = {"advert-views": "advert_views", "phone-views": "phone_views"}


@dataclass(frozen=True, slots=True)
class Statistics:
    advert_views: int
    phone_views: int
    users_observing: int


async def of(session: Session, advert: Advert) -> Statistics:
    observers = await session.scalar(
        select(func.count()).select_from(AdvertObserver).where(AdvertObserver.advert_id == advert.id)
    )
    return Statistics(advert.advert_views, advert.phone_views, int(observers or 0))


async def reset(session: Session, advert: Advert, name: str) -> None:
    column = RESETTABLE.get(name)
    if column is None:
        raise NotFound("Statistic not found")
    await session.execute(update(Advert).where(Advert.id == advert.id).values({column: 0}))


async def public_advert(session: Session, advert_id: int) -> Advert:
    """An advert as the public sees it: only active ones have a page."""
    advert = await session.get(Advert, advert_id)
    if advert is None or advert.deleted or advert.status != Status.ACTIVE:
        raise NotFound("Advert not found")
    return advert


async def count_view(session: Session, advert_id: int) -> None:
    # One atomic increment: concurrent visitors are all counted.
    await session.execute(
        update(Advert).where(Advert.id == advert_id).values(advert_views=Advert.advert_views + 1)
    )


async def count_phone_view(session: Session, advert_id: int) -> None:
    await session.execute(
        update(Advert).where(Advert.id == advert_id).values(phone_views=Advert.phone_views + 1)
    )


async def observe(session: Session, *, advert_id: int, user_id: int, clock: Clock, on: bool = True) -> None:
    existing = (
        await session.execute(
            select(AdvertObserver).where(
                AdvertObserver.advert_id == advert_id, AdvertObserver.user_id == user_id
            )
        )
    ).scalar_one_or_none()
    if on and existing is None:
        session.add(AdvertObserver(advert_id=advert_id, user_id=user_id, created_at=clock.now()))
    elif not on and existing is not None:
        await session.delete(existing)
    await session.flush()


async def count_activity(session: Session, advert_id: int, *, views: int, phone_views: int) -> None:
    """Many visits at once (the sandbox's buyers), as atomic as one."""
    await session.execute(
        update(Advert)
        .where(Advert.id == advert_id)
        .values(advert_views=Advert.advert_views + views, phone_views=Advert.phone_views + phone_views)
    )
