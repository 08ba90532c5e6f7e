"""Request guards of Partner API v2: the Version header, bearer tokens, scopes, user context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from pazar.dialects.common.body import is_json_media, media_type
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.domain.errors import BadRequest, OAuthError
from pazar.domain.oauth import Principal
from pazar.services import oauth
from pazar.services.runtime import Session

SUPPORTED_VERSIONS = frozenset({"2.0", "2"})


class VersionMissing(Exception):
    pass


class VersionUnsupported(Exception):
    pass


class NotAcceptable(Exception):
    pass


class UnsupportedMediaType(Exception):
    pass


class ContentTypeOnGet(Exception):
    pass


def _accepts_json(accept: str) -> bool:
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("", "*/*", "application/*", "application/json") or media.endswith("+json"):
            return True
    return False


async def require_version(request: Request) -> None:
    """The checks every /api/partner call passes first: Version header, Accept, Content-Type."""
    version = request.headers.get("version")
    if version is None or not version.strip():
        raise VersionMissing()
    if version.strip() not in SUPPORTED_VERSIONS:
        raise VersionUnsupported()
    if not _accepts_json(request.headers.get("accept", "*/*")):
        raise NotAcceptable()
    media = media_type(request)
    if request.method in ("GET", "HEAD", "DELETE"):
        # The real API answers 400 to a GET labelled application/json (developer FAQ).
        if media == "application/json" and runtime_of(request).settings.strict_get_content_type:
            raise ContentTypeOnGet()
    elif not is_json_media(media):
        raise UnsupportedMediaType()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("access_token") or None


def insufficient_scope() -> OAuthError:
    return OAuthError(
        "insufficient_scope",
        "The request requires higher privileges than provided by the access token",
        status_hint="unauthorized",
        human_title="Insufficient scope.",
    )


def require(*scopes: str, user: bool = False) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller's principal, holding ``scopes`` (and a user, when ``user``)."""
    needed = frozenset(scopes)

    async def dependency(request: Request, session: Session = SessionDep) -> Principal:
        runtime = runtime_of(request)
        principal = await oauth.authenticate_bearer(
            session,
            token=bearer_token(request),
            site_id=site_id_of(request),
            now=runtime.clock.now(),
            cache=runtime.tokens_seen,
        )
        if not needed <= principal.scopes:
            raise insufficient_scope()
        if user and not principal.is_user:
            raise BadRequest("Invalid owner in token", code="invalid_owner")
        return principal

    return dependency


READ = require("v2", "read")
READ_USER = require("v2", "read", user=True)
WRITE_USER = require("v2", "write", user=True)
V2_ONLY = require("v2")
