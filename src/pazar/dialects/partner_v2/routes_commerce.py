"""Commerce (seed 002's payments): balance, payment methods, billing, invoices, packets, paid features."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field
from starlette.responses import Response

from pazar.dialects.common.body import parse_json, read_limited
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.ids import RowId
from pazar.dialects.common.responses import json_response, no_content
from pazar.dialects.partner_v2 import wire, wire_commerce
from pazar.dialects.partner_v2.schemas import INT32, Id, Text, _Shape, parse
from pazar.dialects.partner_v2.security import READ_USER, WRITE_USER
from pazar.domain.errors import FieldError, ValidationFailed
from pazar.domain.oauth import Principal
from pazar.services import accounts, adverts
from pazar.services.commerce import catalogue, ledger
from pazar.services.commerce import features as commerce_features
from pazar.services.commerce import packets as commerce_packets
from pazar.services.entities import User
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

router = APIRouter(prefix="/api/partner")

MAX_PAGE = 100  # a larger limit is served as this many
Page = Query(1, ge=1, le=INT32)
Limit = Query(MAX_PAGE, ge=1, le=INT32)
DUE_DAYS = 14  # a postpaid invoice is due this many days after the month's last day


async def _site(request: Request, session: Session) -> SiteSnapshot:
    return await runtime_of(request).reference.get(session, site_id_of(request))


def _me(principal: Principal) -> int:
    assert principal.user_id is not None
    return principal.user_id


@router.get("/users/me/account-balance")
async def account_balance(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(READ_USER)
) -> Response:
    site = await _site(request, session)
    found = await ledger.balance(session, site, user_id=_me(principal))
    return json_response({"data": wire_commerce.balance(found)})


@router.get("/users/me/payment-methods")
async def payment_methods(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(READ_USER)
) -> Response:
    site = await _site(request, session)
    user = await accounts.get_user(session, site_id=principal.site_id, user_id=_me(principal))
    return json_response({"data": ledger.payment_methods(site, user)})


@router.get("/users/me/billing")
async def billing(
    request: Request,
    page: int = Page,
    limit: int = Limit,
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    site = await _site(request, session)
    rows = await ledger.billing(session, user_id=_me(principal), page=page, limit=min(limit, MAX_PAGE))
    tz = wire.site_zone(site)
    return json_response({"data": [wire_commerce.billing_entry(p, tz) for p in rows]})


@router.get("/users/me/prepaid-invoices")
async def prepaid_invoices(
    request: Request,
    page: int = Page,
    limit: int = Limit,
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    site = await _site(request, session)
    rows = await ledger.prepaid(session, user_id=_me(principal), page=page, limit=min(limit, MAX_PAGE))
    label = catalogue.currency_label(site)
    return json_response({"data": [wire_commerce.prepaid_invoice(p, label) for p in rows]})


@router.get("/users/me/postpaid-invoices")
async def postpaid_invoices(
    request: Request,
    page: int = Page,
    limit: int = Limit,
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    site = await _site(request, session)
    user_id = _me(principal)
    rows = await ledger.postpaid(session, site, user_id=user_id, page=page, limit=min(limit, MAX_PAGE))
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


async def _body(request: Request) -> Any:
    return parse_json(await read_limited(request, runtime_of(request).settings.max_body_bytes))


async def _user(session: Session, principal: Principal) -> User:
    return await accounts.get_user(session, site_id=principal.site_id, user_id=_me(principal))


@router.get("/packets")
async def packets(
    request: Request,
    category_id: int = Query(ge=0, le=INT32),
    payment_method: str = Query(max_length=32),
    type: str = Query("base", max_length=32),
    with_features: int = Query(0, ge=0, le=1),
    zone_id: str | None = Query(None, max_length=64),
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    if type not in ("base", "mega", "all"):
        raise ValidationFailed([FieldError("type", "Invalid value", "invalid_choice")])
    site = await _site(request, session)
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
    request: Request,
    category_id: int = Query(ge=0, le=INT32),
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    site = await _site(request, session)
    found = catalogue.zones(site, catalogue.root_of(site, category_id))  # [] without regional pricing
    return json_response({"data": [wire_commerce.zone(z) for z in found]})


@router.get("/users/me/packets")
async def my_packets(
    request: Request,
    limit: int = Query(50, ge=1, le=INT32),
    offset: int = Query(0, ge=0, le=INT32),
    availability: str | None = Query(None, max_length=32),
    sort_by: str | None = Query(None, max_length=32),
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    if availability not in (None, "active", "inactive"):
        raise ValidationFailed([FieldError("availability", "Invalid value", "invalid_choice")])
    if sort_by not in (None, "expired_at", "activated_at"):
        raise ValidationFailed([FieldError("sort_by", "Invalid value", "invalid_choice")])
    site = await _site(request, session)
    runtime = runtime_of(request)
    rows = await commerce_packets.bought(
        session,
        user_id=_me(principal),
        limit=min(limit, MAX_PAGE),
        offset=offset,
        availability=availability,
        sort_by=sort_by,
        now=runtime.clock.now(),
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
async def buy_packet(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE_USER)
) -> Response:
    body = parse(PacketIn, await _body(request))
    site = await _site(request, session)
    await commerce_packets.buy(
        session,
        site,
        user=await _user(session, principal),
        method=body.payment_method,
        category_id=body.category_id,
        size=body.size,
        kind=body.type,
        zone_id=body.zone_id,
        now=runtime_of(request).clock.now(),
    )
    return no_content()


@router.post("/adverts/{advert_id}/packets")
async def buy_advert_packet(
    advert_id: RowId,
    request: Request,
    session: Session = SessionDep,
    principal: Principal = Depends(WRITE_USER),
) -> Response:
    body = parse(AdvertPacketIn, await _body(request))
    site = await _site(request, session)
    user = await _user(session, principal)
    advert = await adverts.get_owned(session, principal=principal, advert_id=advert_id, for_update=True)
    await commerce_packets.buy_for_advert(
        session,
        site,
        user=user,
        principal=principal,
        advert=advert,
        method=body.payment_method,
        premium=body.is_premium,
        now=runtime_of(request).clock.now(),
    )
    return no_content()


# --- paid features ---------------------------------------------------------------------------------


class FeatureIn(_Shape):
    code: Text
    payment_method: Text


@router.get("/paid-features")
async def paid_features(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(READ_USER)
) -> Response:
    site = await _site(request, session)
    return json_response({"data": [wire_commerce.feature_offer(f) for f in catalogue.paid_features(site)]})


@router.get("/adverts/{advert_id}/paid-features")
async def advert_paid_features(
    advert_id: RowId,
    request: Request,
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    site = await _site(request, session)
    advert = await adverts.get_owned(session, principal=principal, advert_id=advert_id)
    found = await commerce_features.active(session, advert_id=advert.id, now=runtime_of(request).clock.now())
    tz = wire.site_zone(site)
    return json_response({"data": [wire_commerce.advert_feature(f, tz) for f in found]})


@router.post("/adverts/{advert_id}/paid-features")
async def buy_paid_feature(
    advert_id: RowId,
    request: Request,
    session: Session = SessionDep,
    principal: Principal = Depends(WRITE_USER),
) -> Response:
    body = parse(FeatureIn, await _body(request))
    site = await _site(request, session)
    user = await _user(session, principal)
    advert = await adverts.get_owned(session, principal=principal, advert_id=advert_id, for_update=True)
    await commerce_features.buy(
        session,
        site,
        user=user,
        advert=advert,
        code=body.code,
        method=body.payment_method,
        now=runtime_of(request).clock.now(),
    )
    return no_content()
