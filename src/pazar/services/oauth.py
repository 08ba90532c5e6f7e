"""OAuth2 use cases: authorization codes, the token endpoint's grants, bearer authentication.

Error texts follow the OLX token server (seed 002 troubleshooting); where the seed
is silent they follow the OAuth2 server OLX runs (the RFC 6749 names).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from pazar.db.models import AccessToken, AuthorizationCode, PartnerApp, RefreshToken, User
from pazar.domain.brasil import AUTOUPLOAD_SCOPES, AUTOUPLOAD_TOKEN_POLICY
from pazar.domain.errors import OAuthError
from pazar.domain.oauth import (
    GRANT_AUTHORIZATION_CODE,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_REFRESH_TOKEN,
    PARTNER_V2_POLICY,
    V2_SCOPES,
    Principal,
    TokenPolicy,
    choose_redirect_uri,
    format_scope,
    narrow_scope,
    parse_scope,
    refresh_is_from_today,
)
from pazar.domain.realestate import RE_SCOPES, RE_TOKEN_POLICY
from pazar.ports import Clock, TokenGenerator, token_digest
from pazar.services.runtime import Session
from pazar.services.token_cache import BearerGrant, TokenCache

INVALID_REFRESH_TITLE = "Provided authorization credentials are invalid or expired."
# A superseded refresh token presented this soon after its successor was issued is a client's
# concurrent or retried request (answered invalid_grant); later, it is a replay (RFC 9700 section 4.14)
# and the whole grant is revoked.
REUSE_GRACE = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class ApiTokens:
    """What the tokens of one of pazar's APIs carry: its scopes (in wire order) and lifetimes."""

    scopes: tuple[str, ...]
    policy: TokenPolicy


API_TOKENS: dict[str, ApiTokens] = {
    "v2": ApiTokens(tuple(V2_SCOPES), PARTNER_V2_POLICY),
    "re": ApiTokens(tuple(RE_SCOPES), RE_TOKEN_POLICY),
    "autoupload": ApiTokens(tuple(AUTOUPLOAD_SCOPES), AUTOUPLOAD_TOKEN_POLICY),
}


def api_of(app: PartnerApp) -> str:
    """The API an app's tokens are most likely for: Autoupload when it holds that scope, else v2.

    RE apps hold the v2 scopes too (``read write``); their tokens differ only in lifetimes.
    """
    return "autoupload" if "autoupload" in app.scopes else "v2"


@dataclass(frozen=True, slots=True)
class TokenRequest:
    grant_type: str | None
    client_id: str | None
    client_secret: str | None
    code: str | None = None
    redirect_uri: str | None = None
    refresh_token: str | None = None
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None


def _invalid_grant_code() -> OAuthError:
    return OAuthError("invalid_grant", "Authorization code doesn't exist or is invalid for the client")


def _invalid_refresh(description: str = "Invalid refresh token") -> OAuthError:
    return OAuthError("invalid_grant", description, human_title=INVALID_REFRESH_TITLE)


async def authenticate_client(
    session: Session, *, site_id: str, client_id: str | None, client_secret: str | None
) -> PartnerApp:
    if not client_id:
        raise OAuthError("invalid_client", "Client credentials were not found in the headers or body")
    app = await _app_by_client_id(session, client_id)
    if app is None or app.site_id != site_id:
        raise OAuthError("invalid_client", "The client credentials are invalid")
    if not app.is_active:
        raise OAuthError("invalid_client", "Client is not active", status_hint="unauthorized")
    if client_secret is None or not hmac.compare_digest(token_digest(client_secret), app.secret_hash):
        raise OAuthError("invalid_client", "The client credentials are invalid")
    return app


async def _app_by_client_id(session: Session, client_id: str) -> PartnerApp | None:
    stmt = select(PartnerApp).where(PartnerApp.client_id == client_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def app_for_authorization(session: Session, *, site_id: str, client_id: str | None) -> PartnerApp:
    """The app an authorize page was opened for; errors here are shown, never redirected."""
    if not client_id:
        raise OAuthError("invalid_client", "No client id supplied")
    app = await _app_by_client_id(session, client_id)
    if app is None or app.site_id != site_id:
        raise OAuthError("invalid_client", "The client id supplied is invalid")
    if not app.is_active:
        raise OAuthError("invalid_client", "Client is not active", status_hint="unauthorized")
    return app


def authorization_redirect(app: PartnerApp, requested_uri: str | None) -> str:
    return choose_redirect_uri(app.redirect_uris, requested_uri)


def authorization_scope(app: PartnerApp, requested: str | None, *, known: Sequence[str] = V2_SCOPES) -> str:
    return format_scope(parse_scope(requested, allowed=app.scopes, known=known), known=known)


async def issue_code(
    session: Session,
    *,
    app: PartnerApp,
    user: User,
    scope: str,
    redirect_uri_sent: str | None,
    clock: Clock,
    tokens: TokenGenerator,
    policy: TokenPolicy = PARTNER_V2_POLICY,
) -> str:
    """A single-use code for ``user``; ``redirect_uri_sent`` is remembered so the token request must repeat it."""
    if GRANT_AUTHORIZATION_CODE not in app.grant_types:
        raise OAuthError("unauthorized_client", "The grant type is unauthorized for this client_id")
    code = tokens.token()
    now = clock.now()
    session.add(
        AuthorizationCode(
            code_hash=token_digest(code),
            app_id=app.id,
            user_id=user.id,
            scope=scope,
            redirect_uri=redirect_uri_sent,
            created_at=now,
            expires_at=now + policy.code_ttl,
            used_at=None,
        )
    )
    await session.flush()
    return code


async def exchange(
    session: Session,
    *,
    site_id: str,
    request: TokenRequest,
    clock: Clock,
    tokens: TokenGenerator,
    policy: TokenPolicy = PARTNER_V2_POLICY,
) -> IssuedTokens:
    """The token endpoint: one of the three grants, or the error the seed documents."""
    if not request.grant_type:
        raise OAuthError("invalid_request", "The grant type was not specified in the request")
    if request.grant_type not in (GRANT_AUTHORIZATION_CODE, GRANT_CLIENT_CREDENTIALS, GRANT_REFRESH_TOKEN):
        raise OAuthError("unsupported_grant_type", f'Grant type "{request.grant_type}" not supported')
    app = await authenticate_client(
        session, site_id=site_id, client_id=request.client_id, client_secret=request.client_secret
    )
    if request.grant_type not in app.grant_types:
        raise OAuthError(
            "unauthorized_client",
            "The grant type is unauthorized for this client_id",
            human_title="Unauthorized client.",
        )
    now = clock.now()
    if request.grant_type == GRANT_AUTHORIZATION_CODE:
        user_id, scope = await _redeem_code(session, app=app, request=request, now=now)
        return await _issue(
            session, app=app, user_id=user_id, scope=scope, now=now, tokens=tokens, policy=policy
        )
    if request.grant_type == GRANT_CLIENT_CREDENTIALS:
        scope = format_scope(parse_scope(request.scope, allowed=app.scopes))
        return await _issue(
            session, app=app, user_id=None, scope=scope, now=now, tokens=tokens, policy=policy
        )
    return await _refresh(session, app=app, request=request, now=now, tokens=tokens, policy=policy)


async def grant_directly(
    session: Session,
    *,
    app: PartnerApp,
    user: User | None,
    scope: str | None,
    clock: Clock,
    tokens: TokenGenerator,
    policy: TokenPolicy = PARTNER_V2_POLICY,
    known: Sequence[str] = V2_SCOPES,
) -> IssuedTokens:
    """Tokens for an operator's scripts (`pazar auth token`): no browser, no client secret."""
    granted = format_scope(parse_scope(scope, allowed=app.scopes, known=known), known=known)
    return await _issue(
        session,
        app=app,
        user_id=user.id if user else None,
        scope=granted,
        now=clock.now(),
        tokens=tokens,
        policy=policy,
    )


async def _redeem_code(
    session: Session, *, app: PartnerApp, request: TokenRequest, now: datetime
) -> tuple[int, str]:
    if not request.code:
        raise OAuthError("invalid_request", 'Missing parameter: "code" is required')
    stmt = select(AuthorizationCode).where(AuthorizationCode.code_hash == token_digest(request.code))
    code = (await session.execute(stmt)).scalar_one_or_none()
    if code is None or code.app_id != app.id or code.used_at is not None:
        raise _invalid_grant_code()
    if code.expires_at <= now:
        raise OAuthError("invalid_grant", "The authorization code has expired")
    if code.redirect_uri is not None and request.redirect_uri != code.redirect_uri:
        raise OAuthError("redirect_uri_mismatch", "The redirect URI is missing or do not match")
    scope = format_scope(narrow_scope(code.scope, request.scope))
    # Single use, also under concurrency: only one request can flip used_at.
    claimed = await session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == code.id, AuthorizationCode.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise _invalid_grant_code()
    return code.user_id, scope


async def _refresh(
    session: Session,
    *,
    app: PartnerApp,
    request: TokenRequest,
    now: datetime,
    tokens: TokenGenerator,
    policy: TokenPolicy,
) -> IssuedTokens:
    if not request.refresh_token:
        raise OAuthError("invalid_request", 'Missing parameter: "refresh_token" is required')
    stmt = select(RefreshToken).where(RefreshToken.token_hash == token_digest(request.refresh_token))
    current = (await session.execute(stmt)).scalar_one_or_none()
    if current is None or current.app_id != app.id:
        raise _invalid_refresh()
    if current.replaced_at is not None:
        if now - current.replaced_at > REUSE_GRACE:
            await _revoke_grant(session, app_id=app.id, user_id=current.user_id, now=now)
        raise _invalid_refresh()
    if current.expires_at <= now:
        raise _invalid_refresh("Refresh token has expired")
    if current.user_id is not None and await session.get(User, current.user_id) is None:
        raise _invalid_refresh()
    scope = format_scope(narrow_scope(current.scope, request.scope))
    if policy.rotate_refresh_daily and refresh_is_from_today(current.issued_at, now):
        # Same day: the same refresh token comes back, its month of validity starting again.
        current.expires_at = now + policy.refresh_ttl
        access = await _new_access_token(
            session, app=app, user_id=current.user_id, scope=scope, now=now, tokens=tokens, policy=policy
        )
        return IssuedTokens(access, int(policy.access_ttl.total_seconds()), scope, request.refresh_token)
    # Single use, also under concurrency: only one request can supersede the token.
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == current.id, RefreshToken.replaced_at.is_(None))
        .values(replaced_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise _invalid_refresh()
    return await _issue(
        session, app=app, user_id=current.user_id, scope=scope, now=now, tokens=tokens, policy=policy
    )


async def _revoke_grant(session: Session, *, app_id: int, user_id: int | None, now: datetime) -> None:
    """A replayed refresh token: every live token of this app for this user (or for the app alone) ends.

    The server cannot tell the thief from the client, so both lose the grant and the user authorizes
    again. Committed here because the request itself then fails (and would roll it back).
    """
    owner = RefreshToken.user_id == user_id if user_id is not None else RefreshToken.user_id.is_(None)
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.app_id == app_id, owner, RefreshToken.replaced_at.is_(None))
        .values(replaced_at=now)
    )
    holder = AccessToken.user_id == user_id if user_id is not None else AccessToken.user_id.is_(None)
    await session.execute(delete(AccessToken).where(AccessToken.app_id == app_id, holder))
    await session.commit()


async def _new_access_token(
    session: Session,
    *,
    app: PartnerApp,
    user_id: int | None,
    scope: str,
    now: datetime,
    tokens: TokenGenerator,
    policy: TokenPolicy,
) -> str:
    token = tokens.token()
    session.add(
        AccessToken(
            token_hash=token_digest(token),
            app_id=app.id,
            user_id=user_id,
            scope=scope,
            created_at=now,
            expires_at=now + policy.access_ttl,
        )
    )
    await session.flush()
    return token


async def _issue(
    session: Session,
    *,
    app: PartnerApp,
    user_id: int | None,
    scope: str,
    now: datetime,
    tokens: TokenGenerator,
    policy: TokenPolicy,
) -> IssuedTokens:
    access = await _new_access_token(
        session, app=app, user_id=user_id, scope=scope, now=now, tokens=tokens, policy=policy
    )
    refresh = tokens.token()
    session.add(
        RefreshToken(
            token_hash=token_digest(refresh),
            app_id=app.id,
            user_id=user_id,
            scope=scope,
            issued_at=now,
            expires_at=now + policy.refresh_ttl,
            replaced_at=None,
        )
    )
    await session.flush()
    return IssuedTokens(access, int(policy.access_ttl.total_seconds()), scope, refresh)


async def authenticate_bearer(
    session: Session, *, token: str | None, site_id: str, now: datetime, cache: TokenCache | None = None
) -> Principal:
    """The principal behind an access token; tokens of another site's apps are unknown here."""
    if not token:
        raise OAuthError("invalid_token", "The access token provided is invalid", status_hint="unauthorized")
    digest = token_digest(token)
    grant = cache.get(digest) if cache is not None else None
    if grant is None:
        grant = await _bearer_grant(session, digest)
        if grant is not None and cache is not None:
            cache.put(digest, grant)
    if grant is None or grant.site_id != site_id or not grant.app_is_active:
        raise OAuthError("invalid_token", "The access token provided is invalid", status_hint="unauthorized")
    if grant.expires_at <= now:
        raise OAuthError("invalid_token", "The access token provided has expired", status_hint="unauthorized")
    return Principal(
        app_id=grant.app_id,
        client_id=grant.client_id,
        site_id=grant.site_id,
        scopes=frozenset(grant.scope.split()),
        user_id=grant.user_id,
        external_url_allowed=grant.external_url_allowed,
    )


async def _bearer_grant(session: Session, digest: str) -> BearerGrant | None:
    # Only the columns the principal needs: this runs on every API request the cache misses.
    stmt = (
        select(
            AccessToken.user_id,
            AccessToken.scope,
            AccessToken.expires_at,
            PartnerApp.id,
            PartnerApp.client_id,
            PartnerApp.site_id,
            PartnerApp.is_active,
            PartnerApp.allow_external_url,
        )
        .join(PartnerApp, PartnerApp.id == AccessToken.app_id)
        .where(AccessToken.token_hash == digest)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return None
    return BearerGrant(
        user_id=row.user_id,
        scope=row.scope,
        expires_at=row.expires_at,
        app_id=row.id,
        client_id=row.client_id,
        site_id=row.site_id,
        app_is_active=row.is_active,
        external_url_allowed=row.allow_external_url,
    )
