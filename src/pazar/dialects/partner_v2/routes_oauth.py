"""POST /api/open/oauth/token: the three grants, with a JSON or form body (seed 002)."""

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
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.responses import json_response
from pazar.domain.errors import OAuthError
from pazar.services import oauth
from pazar.services.runtime import Session

router = APIRouter()

_FIELDS = ("grant_type", "client_id", "client_secret", "code", "redirect_uri", "refresh_token", "scope")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


async def _token_fields(request: Request) -> dict[str, Any]:
    limit = runtime_of(request).settings.max_body_bytes
    try:
        raw = await read_limited(request, limit)
        media = media_type(request)
        if not raw.strip():
            return {}
        if is_json_media(media) or (not media and raw.lstrip()[:1] in (b"{", b"[")):
            return parse_json_object(raw)
        if media in ("application/x-www-form-urlencoded", ""):
            return parse_form(raw)
    except BodyError as exc:
        raise _invalid_request(f"The request body could not be read: {exc.message}") from exc
    raise _invalid_request("The content type must be application/json or application/x-www-form-urlencoded")


def _as_text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _invalid_request(f'Parameter "{name}" must be a string')
    return str(value)


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, _, secret = decoded.partition(":")
    return client_id or None, secret or None


@router.api_route("/api/open/oauth/token", methods=["GET", "PUT", "PATCH", "DELETE", "POST"])
@router.api_route("/api/open/oauth/token/", methods=["GET", "PUT", "PATCH", "DELETE", "POST"])
async def token(request: Request, session: Session = SessionDep) -> Response:
    if request.method != "POST":
        raise OAuthError(
            "invalid_request",
            "The request method must be POST when requesting an access token",
            status_hint="method_not_allowed",
        )
    fields = await _token_fields(request)
    values = {name: _as_text(fields, name) for name in _FIELDS}
    basic_id, basic_secret = _basic_credentials(request)
    runtime = runtime_of(request)
    issued = await oauth.exchange(
        session,
        site_id=site_id_of(request),
        request=oauth.TokenRequest(
            grant_type=values["grant_type"],
            client_id=values["client_id"] or basic_id,
            client_secret=values["client_secret"] or basic_secret,
            code=values["code"],
            redirect_uri=values["redirect_uri"],
            refresh_token=values["refresh_token"],
            scope=values["scope"],
        ),
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
