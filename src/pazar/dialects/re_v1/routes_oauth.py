"""POST /oauth/v1/token: authorization_code and refresh_token grants, RE lifetimes (1 hour / 1 year).

As the integrators' clients send it: HTTP Basic client credentials, ``X-API-KEY``, and a
JSON body (a form body and credentials in the body are accepted too).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.dialects.common.oauth_request import NO_STORE, method_not_allowed, read_token_request
from pazar.dialects.common.responses import json_response
from pazar.dialects.re_v1.security import api_key
from pazar.services.realestate import auth
from pazar.services.runtime import Session

router = APIRouter()


@router.api_route("/oauth/v1/token", methods=["GET", "PUT", "PATCH", "DELETE", "POST"])
async def token(request: Request, session: Session = SessionDep) -> Response:
    if request.method != "POST":
        raise method_not_allowed()
    runtime = runtime_of(request)
    issued = await auth.exchange(
        session,
        api_key=api_key(request),
        request=await read_token_request(request, limit=runtime.settings.max_body_bytes, basic_first=True),
        clock=runtime.clock,
        tokens=runtime.tokens,
    )
    body = {
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "scope": issued.scope,
    }
    return json_response(body, headers=NO_STORE)
