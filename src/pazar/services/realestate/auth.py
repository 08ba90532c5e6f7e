"""RE Partner API authentication: the app's ``X-API-KEY``, user tokens, the token endpoint's grants.

Every call names its app with ``X-API-KEY``; user calls add a bearer token, which must
belong to that same app. The app (not the Host header) decides the site: the RE API
lives on one host (``api.olxgroup.com``) for several sites.
"""

from __future__ import annotations

import hmac

from sqlalchemy import select

from pazar.db.models import PartnerApp
from pazar.domain.errors import DomainError, OAuthError, PermissionDenied
from pazar.domain.oauth import Principal
from pazar.domain.realestate import RE_TOKEN_POLICY
from pazar.ports import Clock, TokenGenerator, token_digest
from pazar.services import oauth
from pazar.services.runtime import Session
from pazar.services.token_cache import TokenCache


class InvalidApiKey(DomainError):
    code = "invalid_api_key"


async def app_by_api_key(session: Session, api_key: str | None) -> PartnerApp:
    """The active app an ``X-API-KEY`` names; ``InvalidApiKey`` when it is missing or unknown."""
    if not api_key:
        raise InvalidApiKey("Missing X-API-KEY header")
    stmt = select(PartnerApp).where(PartnerApp.api_key_hash == token_digest(api_key))
    app = (await session.execute(stmt)).scalar_one_or_none()
    if app is None or not app.is_active:
        raise InvalidApiKey("Invalid X-API-KEY")
    return app


async def authenticate(
    session: Session,
    *,
    api_key: str | None,
    bearer: str | None,
    clock: Clock,
    cache: TokenCache | None = None,
) -> Principal:
    """The user and app behind a call; the token must have been issued to the app of the API key."""
    app = await app_by_api_key(session, api_key)
    principal = await oauth.authenticate_bearer(
        session, token=bearer, site_id=app.site_id, now=clock.now(), cache=cache
    )
    if principal.app_id != app.id:
        raise PermissionDenied(
            "The access token was not issued to the application of this X-API-KEY", code="api_key_mismatch"
        )
    if not principal.is_user:
        raise OAuthError(
            "invalid_token", "The access token does not belong to a user", status_hint="unauthorized"
        )
    return principal


async def exchange(
    session: Session,
    *,
    api_key: str | None,
    request: oauth.TokenRequest,
    clock: Clock,
    tokens: TokenGenerator,
) -> oauth.IssuedTokens:
    """``POST /oauth/v1/token``: the client must be the app of the API key; RE lifetimes."""
    app = await app_by_api_key(session, api_key)
    if request.client_id is not None and not hmac.compare_digest(request.client_id, app.client_id):
        raise OAuthError("invalid_client", "The client credentials are invalid", status_hint="unauthorized")
    if request.grant_type == "client_credentials":
        raise OAuthError("unsupported_grant_type", 'Grant type "client_credentials" not supported')
    return await oauth.exchange(
        session, site_id=app.site_id, request=request, clock=clock, tokens=tokens, policy=RE_TOKEN_POLICY
    )
