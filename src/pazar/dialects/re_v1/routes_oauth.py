"""POST /oauth/v1/token: authorization_code and refresh_token grants, RE lifetimes (1 hour / 1 year).

As the integrators' clients send it: HTTP Basic client credentials, ``X-API-KEY``, and a
JSON body (a form body and credentials in the body are accepted too).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from pazar.dialects.common.body import (
    BodyError,
    is_json_media,
    media_type,
    parse_form,
    parse_json_object,
    read_limited,
)
from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.re_v1.security import api_key
from pazar.domain.errors import OAuthError
from pazar.services import oauth
from pazar.services.realestate import auth
from pazar.services.runtime import Session

router = APIRouter()

_FIELDS = ("grant_type", "client_id", "client_secret", "code", "redirect_uri", "refresh_token", "scope")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def _fields(request: Request) -> dict[str, Any]:
    try:
        raw = await read_limited(request, runtime_of(request).settings.max_body_bytes)
        if not raw.strip():
            return {}
        media = media_type(request)
        if is_json_media(media) or (not media and raw.lstrip()[:1] == b"{"):
            return parse_json_object(raw)
        if media in ("application/x-www-form-urlencoded", ""):
            return parse_form(raw)
    except BodyError as exc:
        raise OAuthError("invalid_request", f"The request body could not be read: {exc.message}") from exc
    raise OAuthError("invalid_request", "The content type must be application/json")


def _text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise OAuthError("invalid_request", f'Parameter "{name}" must be a string')
    return str(value)


def _basic(request: Request) -> tuple[str | None, str | None]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, _, secret = decoded.partition(":")
    return client_id or None, secret or None


@router.api_route("/oauth/v1/token", methods=["GET", "PUT", "PATCH", "DELETE", "POST"])
async def token(request: Request, session: Session = SessionDep) -> Response:
    if request.method != "POST":
        raise OAuthError(
            "invalid_request",
            "The request method must be POST when requesting an access token",
            status_hint="method_not_allowed",
        )
    fields = await _fields(request)
    values = {name: _text(fields, name) for name in _FIELDS}
    basic_id, basic_secret = _basic(request)
    runtime = runtime_of(request)
    issued = await auth.exchange(
        session,
        api_key=api_key(request),
        request=oauth.TokenRequest(
            grant_type=values["grant_type"],
            client_id=basic_id or values["client_id"],
            client_secret=basic_secret or values["client_secret"],
            code=values["code"],
            redirect_uri=values["redirect_uri"],
            refresh_token=values["refresh_token"],
            scope=values["scope"],
        ),
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
