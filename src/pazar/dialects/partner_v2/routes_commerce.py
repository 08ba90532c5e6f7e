"""Commerce (seed 002's payments): balance, payment methods, billing, invoices, packets, paid features."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field
from starlette.responses import Response

from pazar.dialects.common.ids import RowId
from pazar.dialects.common.responses import json_response, no_content
from pazar.dialects.partner_v2 import wire, wire_commerce
from pazar.dialects.partner_v2.caller import Caller, Reader, Writer
from pazar.dialects.partner_v2.schemas import INT32, Id, Text, _Shape
from pazar.domain.errors import FieldError, ValidationFailed
from pazar.services import accounts, adverts
from pazar.services.commerce import catalogue, ledger
from pazar.services.commerce import features as commerce_features
from pazar.services.commerce import packets as commerce_packets
from pazar.services.entities import User

router = APIRouter(prefix="/api/partner")

MAX_PAGE = 100  # a larger limit is served as this many
Page = Query(1, ge=1, le=INT32)
Limit = Query(MAX_PAGE, ge=1, le=INT32)
DUE_DAYS = 14  # a postpaid invoice is due this many days after the month's last day


@router.get("/users/me/account-balance")
async def account_balance(me: Reader) -> Response:
    site = await me.site()
    found = await ledger.balance(me.session, site, user_id=me.user_id)
    return json_response({"data": wire_commerce.balance(found)})


@router.get("/users/me/payment-methods")
async def payment_methods(me: Reader) -> Response:
    site = await me.site()
    user = await accounts.get_user(me.session, site_id=me.site_id, user_id=me.user_id)
    return json_response({"data": ledger.payment_methods(site, user)})


@router.get("/users/me/billing")
async def billing(
    me: Reader,
    page: int = Page,
    limit: int = Limit,
) -> Response:
    site = await me.site()
    rows = await ledger.billing(me.session, user_id=me.user_id, page=page, limit=min(limit, MAX_PAGE))
    tz = wire.site_zone(site)
    return json_response({"data": [wire_commerce.billing_entry(p, tz) for p in rows]})


@router.get("/users/me/prepaid-invoices")
async def prepaid_invoices(
    me: Reader,
    page: int = Page,
    limit: int = Limit,
) -> Response:
    site = await me.site()
    rows = await ledger.prepaid(me.session, user_id=me.user_id, page=page, limit=min(limit, MAX_PAGE))
    label = catalogue.currency_label(site)
    return json_response({"data": [wire_commerce.prepaid_invoice(p, label) for p in rows]})


@router.get("/users/me/postpaid-invoices")
async def postpaid_invoices(
    me: Reader,
    page: int = Page,
    limit: int = Limit,
) -> Response:
    site = await me.site()
    user_id = me.user_id
    rows = await ledger.postpaid(me.session, site, user_id=user_id, page=page, limit=min(limit, MAX_PAGE))
    label = catalogue.currency_label(site)
    body = []
    for invoice in rows:
        issued = datetime(invoice.year, invoice.month, calendar.monthrange(invoice.year, invoice.month)[1])
        body.append(
            wire_commerce.postpaid_invoice(
                invoice, user_id=user_id, label=label, issued=issued, due=issued + timedelta(days=DUE_DAYS)
            )
        )
    return json_response({"data": body})


# --- packets ---------------------------------------------------------------------------------------


class PacketIn(_Shape):
    payment_method: Text
    category_id: Id
    size: Annotated[int, Field(ge=-INT32, le=INT32)]
    type: Text = "base"
    zone_id: Text | None = None


class AdvertPacketIn(_Shape):
    payment_method: Text
    is_premium: bool = False


async def _user(me: Caller) -> User:
    return await accounts.get_user(me.session, site_id=me.site_id, user_id=me.user_id)


@router.get("/packets")
async def packets(
    me: Reader,
    category_id: int = Query(ge=0, le=INT32),
    payment_method: str = Query(max_length=32),
    type: str = Query("base", max_length=32),
    with_features: int = Query(0, ge=0, le=1),
    zone_id: str | None = Query(None, max_length=64),
) -> Response:
    if type not in ("base", "mega", "all"):
        raise ValidationFailed([FieldError("type", "Invalid value", "invalid_choice")])
    site = await me.site()
    found = commerce_packets.offers(
        site, category_id=category_id, method=payment_method, kind=type, zone_id=zone_id
    )
    return json_response(
        {
            "data": [
                wire_commerce.packet_offer(
                    o, category_id=category_id, price=o.price, with_features=bool(with_features)
                )
                for o in found
            ]
        }
    )


@router.get("/zones")
async def zones(
    me: Reader,
    category_id: int = Query(ge=0, le=INT32),
) -> Response:
    site = await me.site()
    found = catalogue.zones(site, catalogue.root_of(site, category_id))  # [] without regional pricing
    return json_response({"data": [wire_commerce.zone(z) for z in found]})


@router.get("/users/me/packets")
async def my_packets(
    me: Reader,
    limit: int = Query(50, ge=1, le=INT32),
    offset: int = Query(0, ge=0, le=INT32),
    availability: str | None = Query(None, max_length=32),
    sort_by: str | None = Query(None, max_length=32),
) -> Response:
    if availability not in (None, "active", "inactive"):
        raise ValidationFailed([FieldError("availability", "Invalid value", "invalid_choice")])
    if sort_by not in (None, "expired_at", "activated_at"):
        raise ValidationFailed([FieldError("sort_by", "Invalid value", "invalid_choice")])
    site = await me.site()
    rows = await commerce_packets.bought(
        me.session,
        user_id=me.user_id,
        limit=min(limit, MAX_PAGE),
        offset=offset,
        availability=availability,
        sort_by=sort_by,
        now=me.now(),
    )
    tz = wire.site_zone(site)
    language = site.default_language
    return json_response(
        {
            "data": [
                wire_commerce.bought_packet(
                    b.packet,
                    left=b.left,
                    active=b.active,
                    labels=[site.category(b.packet.root_category_id).name_in(language)],
                    location=catalogue.zone_name(site, b.packet.zone_id) if b.packet.zone_id else None,
                    tz=tz,
                )
                for b in rows
            ]
        }
    )


@router.post("/users/me/packets")
async def buy_packet(me: Writer) -> Response:
    body = await me.body(PacketIn)
    site = await me.site()
    await commerce_packets.buy(
        me.session,
        site,
        user=await _user(me),
        method=body.payment_method,
        category_id=body.category_id,
        size=body.size,
        kind=body.type,
        zone_id=body.zone_id,
        now=me.now(),
    )
    return no_content()


@router.post("/adverts/{advert_id}/packets")
async def buy_advert_packet(
    me: Writer,
    advert_id: RowId,
) -> Response:
    body = await me.body(AdvertPacketIn)
    site = await me.site()
    user = await _user(me)
    advert = await adverts.get_owned(me.session, principal=me.principal, advert_id=advert_id, for_update=True)
    await commerce_packets.buy_for_advert(
        me.session,
        site,
        user=user,
        principal=me.principal,
        advert=advert,
        method=body.payment_method,
        premium=body.is_premium,
        now=me.now(),
    )
    return no_content()


# --- paid features ---------------------------------------------------------------------------------


class FeatureIn(_Shape):
    code: Text
    payment_method: Text


@router.get("/paid-features")
async def paid_features(me: Reader) -> Response:
    site = await me.site()
    return json_response({"data": [wire_commerce.feature_offer(f) for f in catalogue.paid_features(site)]})


@router.get("/adverts/{advert_id}/paid-features")
async def advert_paid_features(
    me: Reader,
    advert_id: RowId,
) -> Response:
    site = await me.site()
    advert = await adverts.get_owned(me.session, principal=me.principal, advert_id=advert_id)
    found = await commerce_features.active(me.session, advert_id=advert.id, now=me.now())
    tz = wire.site_zone(site)
    return json_response({"data": [wire_commerce.advert_feature(f, tz) for f in found]})


@router.post("/adverts/{advert_id}/paid-features")
async def buy_paid_feature(
    me: Writer,
    advert_id: RowId,
) -> Response:
    body = await me.body(FeatureIn)
    site = await me.site()
    user = await _user(me)
    advert = await adverts.get_owned(me.session, principal=me.principal, advert_id=advert_id, for_update=True)
    await commerce_features.buy(
        me.session,
        site,
        user=user,
        advert=advert,
        code=body.code,
        method=body.payment_method,
        now=me.now(),
    )
    return no_content()
