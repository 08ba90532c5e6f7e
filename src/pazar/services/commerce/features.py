"""Paid features (seed 002: topads, push-ups, highlights) bought for an active advert."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from pazar.db.models import Advert, AdvertFeature, User
from pazar.domain.errors import FieldError, InvalidState, ValidationFailed
from pazar.domain.lifecycle import Status
from pazar.services.commerce import catalogue, ledger
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

PUSHUP = "pushup"


async def active(session: Session, *, advert_id: int, now: datetime) -> list[AdvertFeature]:
    rows = await session.scalars(
        select(AdvertFeature)
        .where(AdvertFeature.advert_id == advert_id, AdvertFeature.valid_to > now)
        .order_by(AdvertFeature.valid_to, AdvertFeature.id)
    )
    return list(rows)


async def buy(
    session: Session,
    site: SiteSnapshot,
    *,
    user: User,
    advert: Advert,
    code: str,
    method: str,
    now: datetime,
) -> AdvertFeature:
    """Charge the feature and apply it. ``advert`` was read under the user's lock (``for_update``)."""
    ledger.check_method(site, user, method)
    offer = catalogue.paid_feature(site, code)
    if offer is None:
        raise ValidationFailed([FieldError("code", "Invalid value", "invalid_choice")])
    if advert.status != Status.ACTIVE.value:
        raise InvalidState("Ad has to be active", current=advert.status, action="paid_feature")
    payment = await ledger.charge(
        session,
        site,
        user=user,
        method=method,
        amount=offer.price,
        name=offer.name,
        advert_id=advert.id,
        now=now,
    )
    feature = AdvertFeature(
        advert_id=advert.id,
        payment_id=payment.id,
        code=offer.code,
        type=offer.type,
        name=offer.name,
        duration=offer.duration,
        created_at=now,
        valid_to=now + timedelta(days=offer.duration),
    )
    session.add(feature)
    if offer.type == PUSHUP:  # a push-up puts the advert back at the top, as if just posted
        advert.refreshed_at = now
        advert.modified_at = now
    await session.flush()
    return feature
