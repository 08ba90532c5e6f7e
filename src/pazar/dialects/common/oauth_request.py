"""Reading an OAuth2 token request: a JSON or form body, client credentials in it or as HTTP Basic.

Shared by every dialect's token endpoint; each decides only its grants and lifetimes.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.requests import Request

from pazar.dialects.common.body import (
    BodyError,
    is_json_media,
    media_type,
    parse_form,
    parse_json_object,
    read_limited,
)
from pazar.domain.errors import OAuthError
from pazar.services.oauth import TokenRequest

_FIELDS = ("grant_type", "client_id", "client_secret", "code", "redirect_uri", "refresh_token", "scope")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def method_not_allowed() -> OAuthError:
    return OAuthError(
        "invalid_request",
        "The request method must be POST when requesting an access token",
        status_hint="method_not_allowed",
    )


async def _fields(request: Request, limit: int) -> dict[str, Any]:
    try:
        raw = await read_limited(request, limit)
        if not raw.strip():
            return {}
        media = media_type(request)
        if is_json_media(media) or (not media and raw.lstrip()[:1] in (b"{", b"[")):
            return parse_json_object(raw)
        if media in ("application/x-www-form-urlencoded", ""):
            return parse_form(raw)
    except BodyError as exc:
        raise OAuthError("invalid_request", f"The request body could not be read: {exc.message}") from exc
    raise OAuthError(
        "invalid_request", "The content type must be application/json or application/x-www-form-urlencoded"
    )


def _as_text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise OAuthError("invalid_request", f'Parameter "{name}" must be a string')
    return _without_nul(str(value), name)


def _without_nul(value: str, name: str) -> str:
    """NUL fits no column on PostgreSQL and no credential anywhere: refused the same on every database."""
    if "\x00" in value:
        raise OAuthError("invalid_request", f'Parameter "{name}" must not contain NUL characters')
    return value


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, _, secret = decoded.partition(":")
    return _without_nul(client_id, "client_id") or None, _without_nul(secret, "client_secret") or None


async def read_token_request(request: Request, *, limit: int, basic_first: bool = False) -> TokenRequest:
    """The token request's fields; ``basic_first`` prefers HTTP Basic credentials over body ones."""
    fields = await _fields(request, limit)
    values = {name: _as_text(fields, name) for name in _FIELDS}
    basic_id, basic_secret = _basic_credentials(request)
    body_id, body_secret = values["client_id"], values["client_secret"]
    if basic_first:
        client_id, secret = basic_id or body_id, basic_secret or body_secret
    else:
        client_id, secret = body_id or basic_id, body_secret or basic_secret
    return TokenRequest(
        grant_type=values["grant_type"],
        client_id=client_id,
        client_secret=secret,
        code=values["code"],
        redirect_uri=values["redirect_uri"],
        refresh_token=values["refresh_token"],
        scope=values["scope"],
    )
