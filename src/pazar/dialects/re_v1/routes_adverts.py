"""/advert/v1: publish, replace, delete, activate, deactivate (asynchronous), and advert metadata."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from pazar.dialects.common.body import parse_json, read_limited
from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.re_v1 import wire
from pazar.dialects.re_v1.security import READ, WRITE
from pazar.domain import webhooks as notifications
from pazar.domain.errors import NotFound
from pazar.domain.oauth import Principal
from pazar.services.realestate import meta, operations
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

router = APIRouter()

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _checked(advert_uuid: str) -> str:
    if not _UUID.fullmatch(advert_uuid):
        raise NotFound("Advert not found")
    return advert_uuid.lower()


async def _site(request: Request, session: Session, principal: Principal) -> SiteSnapshot:
    return await runtime_of(request).reference.get(session, principal.site_id)


async def _body(request: Request) -> Any:
    return parse_json(await read_limited(request, runtime_of(request).settings.max_body_bytes))


@router.post("/advert/v1")
async def publish(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE)
) -> Response:
    draft = wire.to_draft(await _body(request), await _site(request, session, principal))
    operation = await operations.submit_post(
        session, principal=principal, draft=draft, clock=runtime_of(request).clock
    )
    body = wire.accepted(
        kind=notifications.POST,
        transaction_id=operation.transaction_id,
        object_id=operation.object_id or "",
        at=operation.created_at,
        custom_fields=operations.custom_fields(draft.extra),
    )
    return json_response(body, 201)


async def _submit(
    request: Request, session: Session, principal: Principal, kind: str, advert_uuid: str, *, with_body: bool
) -> Response:
    object_id = _checked(advert_uuid)
    draft = None
    if with_body:
        draft = wire.to_draft(await _body(request), await _site(request, session, principal))
    operation, advert = await operations.submit(
        session,
        principal=principal,
        kind=kind,
        object_id=object_id,
        draft=draft,
        clock=runtime_of(request).clock,
    )
    body = wire.accepted(
        kind=kind,
        transaction_id=operation.transaction_id,
        object_id=object_id,
        at=operation.created_at,
        custom_fields=operations.custom_fields(
            draft.extra if draft is not None and draft.extra.get("custom_fields") else advert.extra
        ),
    )
    return json_response(body, 200)


@router.put("/advert/v1/{advert_uuid}")
async def replace(
    advert_uuid: str, request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE)
) -> Response:
    return await _submit(request, session, principal, notifications.PUT, advert_uuid, with_body=True)


@router.delete("/advert/v1/{advert_uuid}")
async def delete(
    advert_uuid: str, request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE)
) -> Response:
    return await _submit(request, session, principal, notifications.DELETE, advert_uuid, with_body=False)


@router.post("/advert/v1/{advert_uuid}/activate")
async def activate(
    advert_uuid: str, request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE)
) -> Response:
    return await _submit(request, session, principal, notifications.ACTIVATE, advert_uuid, with_body=False)


@router.post("/advert/v1/{advert_uuid}/deactivate")
async def deactivate(
    advert_uuid: str, request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE)
) -> Response:
    return await _submit(request, session, principal, notifications.DEACTIVATE, advert_uuid, with_body=False)


@router.get("/advert/v1/meta")
async def list_metadata(
    request: Request,
    offset: int = Query(0, ge=0, le=2_147_483_647),
    limit: int = Query(50, ge=1, le=100),
    session: Session = SessionDep,
    principal: Principal = Depends(READ),
) -> Response:
    items, total = await meta.list_meta(session, principal=principal, offset=offset, limit=limit)
    base = runtime_of(request).settings.base_url()
    return json_response(
        {
            "transaction_id": str(uuid.uuid4()),
            "message": "Adverts status information",
            "data": [item.render(base) for item in items],
            "pagination": {"offset": offset, "limit": limit, "total": total},
        }
    )


@router.get("/advert/v1/{advert_uuid}/meta")
async def metadata(
    advert_uuid: str, request: Request, session: Session = SessionDep, principal: Principal = Depends(READ)
) -> Response:
    item = await meta.advert_meta(session, principal=principal, uuid=_checked(advert_uuid))
    return json_response(
        {
            "transaction_id": item.transaction_id or str(uuid.uuid4()),
            "message": "Advert status information",
            "data": item.render(runtime_of(request).settings.base_url()),
        }
    )
