"""POST /api/open/oauth/token: the three grants, with a JSON or form body (seed 002)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.oauth_request import NO_STORE, method_not_allowed, read_token_request
from pazar.dialects.common.responses import json_response
from pazar.services import oauth
from pazar.services.runtime import Session

router = APIRouter()


@router.api_route("/api/open/oauth/token", methods=["GET", "PUT", "PATCH", "DELETE", "POST"])
@router.api_route("/api/open/oauth/token/", methods=["GET", "PUT", "PATCH", "DELETE", "POST"])
async def token(request: Request, session: Session = SessionDep) -> Response:
    if request.method != "POST":
        raise method_not_allowed()
    runtime = runtime_of(request)
    issued = await oauth.exchange(
        session,
        site_id=site_id_of(request),
        request=await read_token_request(request, limit=runtime.settings.max_body_bytes),
        clock=runtime.clock,
        tokens=runtime.tokens,
    )
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "expires_in": issued.expires_in,
        "token_type": "bearer",
        "scope": issued.scope,
    }
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    return json_response(body, headers=NO_STORE)
