"""Brazil OAuth: the token endpoint and ``basic_user_info`` (digest A.1). The authorize page is the
console's shared flow at ``/oauth``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from pazar.dialects.autoupload import errors, wire
from pazar.dialects.autoupload.security import body_of, principal_of
from pazar.dialects.common.body import BodyError, parse_form, read_limited
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.responses import json_response
from pazar.domain.brasil import AUTOUPLOAD_TOKEN_POLICY
from pazar.domain.errors import OAuthError
from pazar.domain.oauth import GRANT_AUTHORIZATION_CODE
from pazar.services import accounts, oauth
from pazar.services.runtime import Session

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FIELDS = ("grant_type", "client_id", "client_secret", "code", "redirect_uri")


async def _fields(request: Request) -> dict[str, Any]:
    """Form fields as documented; a JSON object too, whatever the Content-Type says."""
    try:
        raw = await read_limited(request, runtime_of(request).settings.max_body_bytes)
        if raw.lstrip()[:1] == b"{":
            return wire.parse_body(raw)
        return parse_form(raw)
    except BodyError as exc:
        raise OAuthError("invalid_request", exc.message) from exc


def _text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and "\x00" in value:  # fits no column on PostgreSQL: refused everywhere
        raise OAuthError("invalid_request", f'Parameter "{name}" must not contain NUL characters')
    return value if isinstance(value, str) and value else None


@router.api_route("/oauth/token", methods=["GET", "PUT", "PATCH", "DELETE", "POST"])
async def token(request: Request, session: Session = SessionDep) -> Response:
    try:
        if request.method != "POST":
            raise OAuthError("invalid_request", "The request method must be POST")
        fields = await _fields(request)
        values = {name: _text(fields, name) for name in _FIELDS}
        if values["grant_type"] is None:
            raise OAuthError("invalid_request", "The grant type was not specified in the request")
        if values["grant_type"] != GRANT_AUTHORIZATION_CODE:
            raise OAuthError("unsupported_grant_type", "Only the authorization code grant is supported")
        runtime = runtime_of(request)
        issued = await oauth.exchange(
            session,
            site_id=site_id_of(request),
            request=oauth.TokenRequest(
                grant_type=values["grant_type"],
                client_id=values["client_id"],
                client_secret=values["client_secret"],
                code=values["code"],
                redirect_uri=values["redirect_uri"],
            ),
            clock=runtime.clock,
            tokens=runtime.tokens,
            policy=AUTOUPLOAD_TOKEN_POLICY,
        )
    except OAuthError as exc:
        return errors.token_error(exc)
    return json_response({"access_token": issued.access_token, "token_type": "Bearer"}, headers=NO_STORE)


@router.post("/oauth_api/basic_user_info")
async def basic_user_info(request: Request, session: Session = SessionDep) -> Response:
    body = await body_of(request)
    principal = await principal_of(session, request, body, "basic_user_info")
    assert principal.user_id is not None
    user = await accounts.get_user(session, site_id=principal.site_id, user_id=principal.user_id)
    return json_response({"user_name": user.name, "user_email": user.email})
