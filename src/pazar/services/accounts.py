"""Users and partner apps: creation, look-up, login."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pazar.db.models import PartnerApp, Site, User
from pazar.domain.errors import BadRequest, Conflict, NotFound
from pazar.domain.oauth import ALL_GRANTS, V2_SCOPES, validate_redirect_uri
from pazar.ports import Clock, token_digest
from pazar.services.passwords import check_login, hash_password_off_loop
from pazar.services.runtime import Session


@dataclass(frozen=True, slots=True)
class NewApp:
    app: PartnerApp
    client_secret: str
    api_key: str = ""  # the X-API-KEY (RE Partner API); stored hashed, shown only now
    notification_secret: str = ""  # signs webhook notifications (Standard Webhooks "whsec_" format)


def new_notification_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def require_site(session: Session, site_id: str) -> Site:
    site = await session.get(Site, site_id)
    if site is None:
        raise NotFound(f"Site {site_id!r} does not exist")
    return site


async def create_user(
    session: Session,
    *,
    site_id: str,
    email: str,
    password: str,
    clock: Clock,
    name: str = "",
    phone: str = "",
    is_business: bool = False,
) -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise BadRequest("Invalid e-mail address")
    if len(password) < 6:
        raise BadRequest("The password must have at least 6 characters")
    await require_site(session, site_id)
    user = User(
        site_id=site_id,
        email=email,
        password_hash=await hash_password_off_loop(password),
        name=name or email.split("@")[0],
        phone=phone,
        status="confirmed",
        is_business=is_business,
        avatar=None,
        created_at=clock.now(),
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"A user with e-mail {email} already exists on {site_id}") from exc
    return user


async def find_user_by_email(session: Session, *, site_id: str, email: str) -> User | None:
    stmt = select(User).where(User.site_id == site_id, User.email == normalize_email(email))
    return (await session.execute(stmt)).scalar_one_or_none()


async def login(session: Session, *, site_id: str, email: str, password: str, clock: Clock) -> User | None:
    """The user whose credentials these are, with ``last_login_at`` stamped; None otherwise."""
    user = await find_user_by_email(session, site_id=site_id, email=email)
    if not await check_login(password, user.password_hash if user is not None else None) or user is None:
        return None
    user.last_login_at = clock.now()
    await session.flush()
    return user


async def get_user(session: Session, *, site_id: str, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None or user.site_id != site_id:
        raise NotFound("User not found")
    return user


async def _unused_client_id(session: Session) -> str:
    # Numeric like OLX client ids; random so ids do not reveal how many apps exist.
    for _ in range(20):
        candidate = str(100000 + secrets.randbelow(900000))
        exists = await session.scalar(select(func.count()).where(PartnerApp.client_id == candidate))
        if not exists:
            return candidate
    raise Conflict("Could not allocate a client id")


def check_webhook_url(webhook_url: str) -> None:
    if not webhook_url.startswith(("http://", "https://")) or validate_redirect_uri(webhook_url):
        raise BadRequest(f"Webhook URL {webhook_url!r} must be an absolute http(s) URL without a fragment")


async def set_webhook_url(session: Session, *, client_id: str, webhook_url: str | None) -> PartnerApp:
    """Point an app's notifications at ``webhook_url`` (None: the app stops listening)."""
    app = await find_app(session, client_id)
    if app is None:
        raise NotFound(f"No app with client id {client_id!r}")
    if webhook_url is not None:
        check_webhook_url(webhook_url)
    app.webhook_url = webhook_url
    return app


async def create_app(
    session: Session,
    *,
    site_id: str,
    name: str,
    redirect_uris: Sequence[str],
    clock: Clock,
    scopes: Sequence[str] = V2_SCOPES,
    grant_types: Sequence[str] = ALL_GRANTS,
    client_id: str | None = None,
    client_secret: str | None = None,
    allow_external_url: bool = False,
    webhook_url: str | None = None,
) -> NewApp:
    await require_site(session, site_id)
    if webhook_url is not None:
        check_webhook_url(webhook_url)
    for uri in redirect_uris:
        problem = validate_redirect_uri(uri)
        if problem:
            raise BadRequest(f"Redirect URI {uri!r} {problem}")
    unknown = set(grant_types) - set(ALL_GRANTS)
    if unknown:
        raise BadRequest(f"Unknown grant types: {', '.join(sorted(unknown))}")
    secret = client_secret or secrets.token_hex(24)
    api_key, notification_secret = secrets.token_hex(20), new_notification_secret()
    app = PartnerApp(
        site_id=site_id,
        client_id=client_id or await _unused_client_id(session),
        secret_hash=token_digest(secret),
        name=name,
        redirect_uris=list(redirect_uris),
        scopes=list(scopes),
        grant_types=list(grant_types),
        is_active=True,
        allow_external_url=allow_external_url,
        options={},
        api_key_hash=token_digest(api_key),
        webhook_url=webhook_url,
        notification_secret=notification_secret,
        created_at=clock.now(),
    )
    session.add(app)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Client id {app.client_id} is taken") from exc
    return NewApp(app=app, client_secret=secret, api_key=api_key, notification_secret=notification_secret)


async def find_app(session: Session, client_id: str) -> PartnerApp | None:
    stmt = select(PartnerApp).where(PartnerApp.client_id == client_id)
    return (await session.execute(stmt)).scalar_one_or_none()
