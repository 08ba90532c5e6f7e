"""Adverts: list, create, read, update, delete, commands, statistics (seed 002 and 003)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from pazar.dialects.common.body import parse_json, read_limited
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.ids import RowId
from pazar.dialects.common.responses import json_response, no_content
from pazar.dialects.partner_v2 import wire
from pazar.dialects.partner_v2.schemas import AdvertIn, CommandIn, parse, to_draft
from pazar.dialects.partner_v2.security import READ_USER, WRITE_USER
from pazar.domain.commands import AdvertCommand, CreateAdvert, UpdateAdvert
from pazar.domain.errors import FieldError, ValidationFailed
from pazar.domain.lifecycle import Action
from pazar.domain.oauth import Principal
from pazar.services import adverts, statistics
from pazar.services.adverts.posting import PostQueue
from pazar.services.entities import Advert
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

router = APIRouter(prefix="/api/partner")
# Ids past the database's integer range are unknown adverts (404), not a driver overflow.
MAX_ID = 2**63 - 1

COMMANDS = {
    "activate": Action.ACTIVATE,
    "deactivate": Action.DEACTIVATE,
    "finish": Action.FINISH,
    "extend": Action.EXTEND,
}


async def site_of(request: Request, session: Session) -> SiteSnapshot:
    return await runtime_of(request).reference.get(session, site_id_of(request))


async def _body(request: Request) -> Any:
    return parse_json(await read_limited(request, runtime_of(request).settings.max_body_bytes))


def _render(request: Request, site: SiteSnapshot, advert: Advert) -> dict[str, Any]:
    base = runtime_of(request).settings.base_url()
    return wire.advert(advert, wire.site_zone(site), base, adverts.advert_path(advert))


def _delay(request: Request, site: SiteSnapshot) -> Any:
    return adverts.moderation_delay(site, runtime_of(request).settings.moderation_delay_seconds)


def _category_ids(raw: str | None) -> list[int] | None:
    if raw is None or not raw.strip():
        return None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not all(p.isdigit() and len(p) < 10 for p in parts):
        raise ValidationFailed([FieldError("category_ids", "Invalid value", "invalid")])
    return [int(p) for p in parts]


@router.get("/adverts")
async def list_adverts(
    request: Request,
    offset: int = Query(0, ge=0, le=2_147_483_647),
    limit: int = Query(50, ge=1, le=1000),
    external_id: str | None = Query(None, max_length=200),
    category_ids: str | None = Query(None, max_length=2000),
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    if external_id is not None and "\x00" in external_id:
        raise ValidationFailed([FieldError("external_id", "Invalid value", "invalid")])
    site = await site_of(request, session)
    found = await adverts.list_owned(
        session,
        principal=principal,
        offset=offset,
        limit=limit,
        external_id=external_id,
        category_ids=_category_ids(category_ids),
    )
    return json_response({"data": [_render(request, site, a) for a in found]})


@router.post("/adverts")
async def create_advert(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE_USER)
) -> Response:
    site = await site_of(request, session)
    await session.close()  # its reads are done; a post waiting for its batch holds no connection
    return await post_advert(request, principal, site)


async def post_advert(request: Request, principal: Principal, site: SiteSnapshot) -> Response:
    """POST /adverts once its guards passed (also served by ``hot_routes``).

    Concurrent posts share a transaction (group commit, ``services.adverts.posting``): this answers
    once the one holding its advert committed.
    """
    body = parse(AdvertIn, await _body(request))
    queue: PostQueue = request.app.state.post_queue
    advert = await queue.create(
        site=site,
        principal=principal,
        command=CreateAdvert(draft=to_draft(body), source="partner_v2"),
        moderation_delay=_delay(request, site),
    )
    return json_response({"data": _render(request, site, advert)})


@router.get("/adverts/{advert_id}")
async def get_advert(
    advert_id: RowId,
    request: Request,
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    return await read_advert(request, session, principal, advert_id)


async def read_advert(request: Request, session: Session, principal: Principal, advert_id: int) -> Response:
    """GET /adverts/{id} once its guards passed (also served by ``hot_routes``)."""
    site = await site_of(request, session)
    advert = await adverts.get_owned(session, principal=principal, advert_id=advert_id)
    return json_response({"data": _render(request, site, advert)})


@router.put("/adverts/{advert_id}")
async def update_advert(
    advert_id: RowId,
    request: Request,
    session: Session = SessionDep,
    principal: Principal = Depends(WRITE_USER),
) -> Response:
    body = parse(AdvertIn, await _body(request))
    site = await site_of(request, session)
    advert = await adverts.update_advert(
        session,
        site=site,
        principal=principal,
        command=UpdateAdvert(advert_id=advert_id, draft=to_draft(body)),
        clock=runtime_of(request).clock,
        moderation_delay=_delay(request, site),
    )
    return json_response({"data": _render(request, site, advert)})


@router.delete("/adverts/{advert_id}")
async def delete_advert(
    advert_id: RowId,
    request: Request,
    session: Session = SessionDep,
    principal: Principal = Depends(WRITE_USER),
) -> Response:
    await adverts.delete_advert(
        session, principal=principal, advert_id=advert_id, clock=runtime_of(request).clock
    )
    return no_content()


@router.post("/adverts/{advert_id}/commands")
async def advert_command(
    advert_id: RowId,
    request: Request,
    session: Session = SessionDep,
    principal: Principal = Depends(WRITE_USER),
) -> Response:
    body = parse(CommandIn, await _body(request))
    action = COMMANDS.get(body.command)
    if action is None:
        raise ValidationFailed([FieldError("command", "Invalid value", "invalid_choice")])
    site = await site_of(request, session)
    await adverts.apply_command(
        session,
        site=site,
        principal=principal,
        command=AdvertCommand(advert_id=advert_id, action=action, is_success=body.is_success),
        clock=runtime_of(request).clock,
        moderation_delay=_delay(request, site),
    )
    return no_content()


@router.get("/adverts/{advert_id}/statistics")
async def advert_statistics(
    advert_id: RowId, session: Session = SessionDep, principal: Principal = Depends(READ_USER)
) -> Response:
    advert = await adverts.get_owned(session, principal=principal, advert_id=advert_id)
    stats = await statistics.of(session, advert)
    return json_response(
        {
            "data": {
                "advert_views": stats.advert_views,
                "phone_views": stats.phone_views,
                "users_observing": stats.users_observing,
            }
        }
    )


@router.delete("/adverts/{advert_id}/statistics/{statistic_name}")
async def reset_statistic(
    advert_id: RowId,
    statistic_name: str,
    session: Session = SessionDep,
    principal: Principal = Depends(WRITE_USER),
) -> Response:
    advert = await adverts.get_owned(session, principal=principal, advert_id=advert_id)
    await statistics.reset(session, advert, statistic_name)
    return no_content()
