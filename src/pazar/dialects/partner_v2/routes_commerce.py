"""Commerce (seed 002's payments): balance, payment methods, billing, invoices, packets, paid features."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.partner_v2 import wire, wire_commerce
from pazar.dialects.partner_v2.schemas import INT32
from pazar.dialects.partner_v2.security import READ_USER
from pazar.domain.oauth import Principal
from pazar.services import accounts
from pazar.services.commerce import catalogue, ledger
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
