"""Users: the authenticated user and public profiles."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.ids import RowId
from pazar.dialects.common.responses import json_response
from pazar.dialects.partner_v2 import wire
from pazar.dialects.partner_v2.security import READ, READ_USER
from pazar.domain.oauth import Principal
from pazar.services import accounts
from pazar.services.runtime import Session

router = APIRouter(prefix="/api/partner")


@router.get("/users/me")
async def me(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(READ_USER)
) -> Response:
    assert principal.user_id is not None
    user = await accounts.get_user(session, site_id=principal.site_id, user_id=principal.user_id)
    site = await runtime_of(request).reference.get(session, site_id_of(request))
    return json_response({"data": wire.authenticated_user(user, wire.site_zone(site))})


@router.get("/users/{user_id}")
async def user(
    user_id: RowId, session: Session = SessionDep, principal: Principal = Depends(READ)
) -> Response:
    found = await accounts.get_user(session, site_id=principal.site_id, user_id=user_id)
    return json_response({"data": wire.public_user(found)})
