"""Business accounts: the business data of a business user (Partner API v2 ``/users-business/me``).

Only business users have one; a private user gets PermissionDenied. ``subdomain`` is unique per
site: the unique index decides (two users racing for one subdomain: one wins, the other gets the
validation error), not a read before the write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pazar.db.models import BusinessProfile, MediaImage, User
from pazar.db.queries import lock_user
from pazar.domain import messaging as rules
from pazar.domain.errors import FieldError, PermissionDenied, ValidationFailed
from pazar.ports import Clock
from pazar.services import accounts
from pazar.services.runtime import Session

NOT_BUSINESS = "This action is available only for business users"
ADDRESS_PARTS = ("street", "number", "postcode", "city")


@dataclass(frozen=True, slots=True)
class BusinessUpdate:
    """The fields a PUT carries; None means "not sent" (kept as it is)."""

    name: str | None = None
    description: str | None = None
    subdomain: str | None = None
    website_url: str | None = None
    address: dict[str, str | None] | None = None
    phones: list[str] | None = None


@dataclass(frozen=True, slots=True)
class BusinessView:
    user: User
    profile: BusinessProfile | None
    logo: MediaImage | None
    banner: MediaImage | None


async def business_user(session: Session, *, site_id: str, user_id: int) -> User:
    user = await accounts.get_user(session, site_id=site_id, user_id=user_id)
    if not user.is_business:
        raise PermissionDenied(NOT_BUSINESS, code="not_business")
    return user


async def _latest(session: Session, owner_id: int, kind: str) -> MediaImage | None:
    stmt = (
        select(MediaImage)
        .where(MediaImage.owner_id == owner_id, MediaImage.kind == kind)
        .order_by(MediaImage.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def view(session: Session, *, site_id: str, user_id: int) -> BusinessView:
    """The business data; the current logo and banner are the latest ones added."""
    user = await business_user(session, site_id=site_id, user_id=user_id)
    profile = await session.get(BusinessProfile, user.id)
    return BusinessView(
        user,
        profile,
        await _latest(session, user.id, rules.LOGO),
        await _latest(session, user.id, rules.BANNER),
    )


def _address(raw: dict[str, str | None]) -> dict[str, Any]:
    return {
        part: rules.business_text(f"address.{part}", raw[part] or "", rules.MAX_ADDRESS_PART) or None
        if raw.get(part) is not None
        else None
        for part in ADDRESS_PARTS
    }


async def update(
    session: Session, *, site_id: str, user_id: int, change: BusinessUpdate, clock: Clock
) -> BusinessView:
    user = await business_user(session, site_id=site_id, user_id=user_id)
    values: dict[str, Any] = {}
    if change.name is not None:
        values["name"] = rules.business_text("name", change.name, rules.MAX_NAME) or None
    if change.description is not None:
        values["description"] = (
            rules.business_text("description", change.description, rules.MAX_DESCRIPTION) or None
        )
    if change.subdomain is not None:
        values["subdomain"] = rules.subdomain(change.subdomain) if change.subdomain.strip() else None
    if change.website_url is not None:
        values["website_url"] = rules.website(change.website_url) if change.website_url.strip() else None
    if change.address is not None:
        values["address"] = _address(change.address)
    if change.phones is not None:
        values["phones"] = rules.phones(change.phones)
    await lock_user(session, user.id)  # one user's PUTs queue: the only conflict left is the subdomain
    profile = await session.get(BusinessProfile, user.id)
    if profile is None:
        profile = BusinessProfile(user_id=user.id, site_id=site_id, phones=[], updated_at=clock.now())
        session.add(profile)
    for key, value in values.items():
        setattr(profile, key, value)
    profile.updated_at = clock.now()
    try:
        await session.flush()  # the request's transaction is rolled back on the error below
    except IntegrityError as exc:
        raise ValidationFailed([FieldError("subdomain", "This subdomain is already taken", "taken")]) from exc
    return await view(session, site_id=site_id, user_id=user_id)
