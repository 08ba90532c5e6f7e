"""Request guards of the RE Partner API: ``X-API-KEY`` on every call, a user's bearer token, scopes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.domain.errors import OAuthError
from pazar.domain.oauth import Principal
from pazar.services.realestate import auth
from pazar.services.runtime import Session

API_KEY_HEADER = "x-api-key"


def api_key(request: Request) -> str | None:
    return request.headers.get(API_KEY_HEADER) or None


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def require(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the calling user and app (API key and token agreeing), holding ``scope``."""

    async def dependency(request: Request, session: Session = SessionDep) -> Principal:
        runtime = runtime_of(request)
        principal = await auth.authenticate(
            session,
            api_key=api_key(request),
            bearer=bearer_token(request),
            clock=runtime.clock,
            cache=runtime.tokens_seen,
        )
        if scope not in principal.scopes:
            raise OAuthError(
                "insufficient_scope",
                f"The access token does not grant the {scope!r} scope",
                status_hint="unauthorized",
            )
        return principal

    return dependency


READ = require("read")
WRITE = require("write")
