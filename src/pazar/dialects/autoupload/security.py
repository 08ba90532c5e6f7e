"""Reading a body and the ``access_token`` it carries (the Brasil API has no Authorization header)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from pazar.dialects.autoupload.wire import access_token, parse_body
from pazar.dialects.common.body import read_limited
from pazar.dialects.common.context import runtime_of, site_id_of
from pazar.domain.errors import OAuthError
from pazar.domain.oauth import Principal
from pazar.services import oauth
from pazar.services.runtime import Session


class TokenRejected(Exception):
    """No token, an unknown or expired one (``missing_scope``: a valid one without the scope)."""

    def __init__(self, *, missing_scope: bool = False) -> None:
        super().__init__("token rejected")
        self.missing_scope = missing_scope


async def body_of(request: Request, limit: int | None = None) -> dict[str, Any]:
    settings = runtime_of(request).settings
    return parse_body(await read_limited(request, limit or settings.max_body_bytes))


async def principal_of(session: Session, request: Request, body: dict[str, Any], scope: str) -> Principal:
    """The user the body's token acts for, holding ``scope``; ``TokenRejected`` otherwise."""
    try:
        principal = await oauth.authenticate_bearer(
            session,
            token=access_token(body),
            site_id=site_id_of(request),
            now=runtime_of(request).clock.now(),
            cache=runtime_of(request).tokens_seen,
        )
    except OAuthError as exc:
        raise TokenRejected() from exc
    if principal.user_id is None or scope not in principal.scopes:
        raise TokenRejected(missing_scope=True)
    return principal
