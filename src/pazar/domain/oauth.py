"""OAuth2 rules shared by the dialects: scopes, redirect URIs, token lifetimes, rotation.

The error texts are those OLX's token server returns (seed 002, troubleshooting).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pazar.domain.errors import OAuthError

GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_CLIENT_CREDENTIALS = "client_credentials"
GRANT_REFRESH_TOKEN = "refresh_token"
ALL_GRANTS = (GRANT_AUTHORIZATION_CODE, GRANT_CLIENT_CREDENTIALS, GRANT_REFRESH_TOKEN)

V2_SCOPES = ("v2", "read", "write")


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """Lifetimes and rotation of one dialect's tokens."""

    access_ttl: timedelta
    refresh_ttl: timedelta
    code_ttl: timedelta = timedelta(minutes=10)
    # OLX Europe hands out a new refresh token at most once a (UTC) day.
    rotate_refresh_daily: bool = True


PARTNER_V2_POLICY = TokenPolicy(access_ttl=timedelta(seconds=86400), refresh_ttl=timedelta(seconds=2592000))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a partner app, acting for a user or (client_credentials) for itself."""

    app_id: int
    client_id: str
    site_id: str
    scopes: frozenset[str]
    user_id: int | None = None
    external_url_allowed: bool = False

    @property
    def is_user(self) -> bool:
        return self.user_id is not None


def invalid_scope() -> OAuthError:
    return OAuthError("invalid_scope", "The scope requested is invalid for this client")


def parse_scope(
    raw: str | None, *, allowed: Sequence[str], known: Sequence[str] = V2_SCOPES
) -> tuple[str, ...]:
    """Scopes as requested (space or comma separated, any order); none asked means all allowed."""
    if raw is None or not raw.strip():
        return tuple(s for s in known if s in allowed)
    wanted = {part for part in raw.replace(",", " ").replace("+", " ").split() if part}
    if not wanted <= set(known) or not wanted <= set(allowed):
        raise invalid_scope()
    return tuple(s for s in known if s in wanted)


def format_scope(scopes: Iterable[str], *, known: Sequence[str] = V2_SCOPES) -> str:
    """The canonical order the API answers with: ``v2 read write``."""
    chosen = set(scopes)
    return " ".join([s for s in known if s in chosen] + sorted(chosen - set(known)))


def narrow_scope(granted: str, requested: str | None, *, known: Sequence[str] = V2_SCOPES) -> tuple[str, ...]:
    """A token request may ask for less than the code or refresh token carries, never more."""
    have = tuple(granted.split())
    if requested is None or not requested.strip():
        return have
    return parse_scope(requested, allowed=have, known=known)


def choose_redirect_uri(registered: Sequence[str], requested: str | None) -> str:
    """The redirect URI of an authorize request (exact match against the registered ones)."""
    if requested:
        if requested not in registered:
            raise OAuthError(
                "redirect_uri_mismatch", "The redirect URI provided is missing or does not match"
            )
        return requested
    if not registered:
        raise OAuthError("invalid_uri", "No redirect URI was supplied or stored")
    if len(registered) > 1:
        raise OAuthError(
            "invalid_uri", "A redirect URI must be supplied when multiple redirect URIs are registered"
        )
    return registered[0]


def validate_redirect_uri(uri: str) -> str | None:
    """Why a callback URL cannot be registered, or None. (OLX asks to avoid '#' and repeated '&'.)"""
    if not uri.startswith(("http://", "https://")) and "://" not in uri:
        return "must be an absolute URL"
    if "#" in uri:
        return "must not contain a fragment ('#')"
    if any(c.isspace() for c in uri):
        return "must not contain spaces"
    return None


def refresh_is_from_today(issued_at: datetime, now: datetime) -> bool:
    """OLX re-issues the same refresh token when the current one was issued the same day."""
    return issued_at.date() == now.date()
