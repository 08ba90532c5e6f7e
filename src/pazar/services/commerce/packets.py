"""Packets: buying paid advert slots for a category, or a single slot for one advert."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from pazar.db.models import Advert, BoughtPacket, User
from pazar.domain.errors import BadRequest, FieldError, InvalidState, ValidationFailed
from pazar.domain.lifecycle import Status
from pazar.domain.oauth import Principal
from pazar.services.commerce import catalogue, ledger, slots
from pazar.services.commerce.catalogue import PACKET_TYPES, PacketOffer
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

SLOT_STATUSES = (Status.NEW.value, Status.ACTIVE.value)  # as services.adverts counts them


def offers(
    site: SiteSnapshot, *, category_id: int, method: str, kind: str, zone_id: str | None
) -> list[PacketOffer]:
    """What ``GET /packets`` lists: the category's root packets of the type (``all``: both)."""
    if method not in catalogue.PAYMENT_METHODS:
        raise BadRequest("Invalid payment method", code="invalid_payment_method")
    root = catalogue.root_of(site, category_id)
    return [o for o in catalogue.packets(site, root, zone_id) if kind == "all" or o.type == kind]


async def _store(
    session: Session,
    site: SiteSnapshot,
    *,
    user: User,
    offer: PacketOffer,
    method: str,
    advert_id: int | None,
    now: datetime,
) -> BoughtPacket:
    payment = await ledger.charge(
        session,
        site,
        user=user,
        method=method,
        amount=offer.price,
        name=offer.name,
        advert_id=advert_id,
        now=now,
    )
    packet = BoughtPacket(
        id=str(uuid.uuid4()),
        site_id=site.site_id,
        user_id=user.id,
        payment_id=payment.id,
        root_category_id=offer.root_category_id,
        name=offer.name,
        type=offer.type,
        size=offer.size,
        price=offer.price,
        currency=payment.currency,
        zone_id=offer.zone_id,
        advert_id=advert_id,
        features=list(offer.features),
        created_at=now,
        active_to=now + timedelta(days=catalogue.packet_days(site)),
    )
    session.add(packet)
    await session.flush()
    return packet


async def buy(
    session: Session,
    site: SiteSnapshot,
    *,
    user: User,
    method: str,
    category_id: int,
    size: int,
    kind: str,
    zone_id: str | None,
    now: datetime,
) -> BoughtPacket:
    """``POST /users/me/packets``: a packet of ``size`` slots (never 1: that is a single-advert packet)."""
    ledger.check_method(site, user, method)
    if kind not in PACKET_TYPES:
        raise ValidationFailed([FieldError("type", "Invalid value", "invalid_choice")])
    if size == 1:
        catalogue.packets(site, catalogue.root_of(site, category_id), zone_id)  # the zone is checked first
        raise BadRequest(
            f"There is no variant with size {size} for category {category_id}", code="no_variant"
        )
    offer = catalogue.packet(site, category_id=category_id, size=size, kind=kind, zone_id=zone_id)
    return await _store(session, site, user=user, offer=offer, method=method, advert_id=None, now=now)


async def buy_for_advert(
    session: Session,
    site: SiteSnapshot,
    *,
    user: User,
    principal: Principal,
    advert: Advert,
    method: str,
    premium: bool,
    now: datetime,
) -> BoughtPacket:
    """``POST /adverts/{id}/packets``: one slot that only this (limited or unpaid) advert may take."""
    ledger.check_method(site, user, method)
    if advert.status not in (Status.LIMITED.value, Status.UNPAID.value):
        raise InvalidState("Invalid status", current=advert.status, action="buy_packet")
    waiting = await slots.budget_of_advert(session, advert_id=advert.id, now=now)
    if waiting:  # a racing retry of the same purchase: the advert already has its unused slot
        raise BadRequest("A packet for this advert is already bought", code="packet_exists")
    kind = "mega" if premium else "base"
    root = catalogue.root_of(site, advert.category_id)
    city = site.cities.get(advert.city_id) if advert.city_id is not None else None
    zone = catalogue.zone_of_region(site, root, city.region_id if city else None)
    if zone is None and catalogue.zones(site, root):  # regional prices, but none for where the advert is
        raise BadRequest(
            f"There is no variant with size 1 for category {advert.category_id}", code="no_variant"
        )
    offer = catalogue.packet(site, category_id=advert.category_id, size=1, kind=kind, zone_id=zone)
    return await _store(session, site, user=user, offer=offer, method=method, advert_id=advert.id, now=now)


@dataclass(frozen=True, slots=True)
class Bought:
    packet: BoughtPacket
    left: int
    active: bool


async def bought(
    session: Session,
    *,
    user_id: int,
    limit: int,
    offset: int,
    availability: str | None,
    sort_by: str | None,
    now: datetime,
) -> list[Bought]:
    """``GET /users/me/packets``: active means not expired yet; sorted descending."""
    rows = list(
        await session.scalars(
            select(BoughtPacket)
            .where(BoughtPacket.user_id == user_id)
            .order_by(
                (BoughtPacket.active_to if sort_by == "expired_at" else BoughtPacket.created_at).desc(),
                BoughtPacket.id.desc(),
            )
        )
    )
    held = await slots.held(session, [p.id for p in rows], statuses=SLOT_STATUSES)
    found = []
    for packet in rows:
        left = max(0, packet.size - held.get(packet.id, 0))
        active = packet.active_to > now
        if availability is None or (availability == "active") == active:
            found.append(Bought(packet, left, active))
    return found[offset : offset + limit]
