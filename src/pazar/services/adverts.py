"""Advert use cases shared by every dialect: create, update, commands, delete, read.

Each use case validates through ``domain.adverts``, moves the status through
``domain.lifecycle``, records an event and enqueues its side effects (moderation,
expiry) in the caller's transaction. They flush; the caller commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from pazar.db.models import Advert
from pazar.db.queries import count_in_root_category, owned_adverts
from pazar.domain.adverts import (
    AdvertContext,
    AdvertRules,
    AttributeSpec,
    CategorySpec,
    CitySpec,
    ExtraCheck,
    check_advert,
)
from pazar.domain.commands import AdvertCommand, AdvertDraft, CreateAdvert, UpdateAdvert
from pazar.domain.errors import BadRequest, FieldError, NotFound, PermissionDenied, ValidationFailed
from pazar.domain.events import EVENT_FOR_ACTION, EventType
from pazar.domain.lifecycle import Action, Status, transition
from pazar.domain.oauth import Principal
from pazar.domain.taxonomy import fold
from pazar.domain.text_rules import TextRules
from pazar.ports import Clock
from pazar.services import events, jobs
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

MODERATE_JOB = "moderate"
EXPIRE_JOB = "expire"
# Statuses that occupy one of the user's free slots in a category.
SLOT_STATUSES = (Status.NEW.value, Status.ACTIVE.value)


# --- site rules ---------------------------------------------------------------------------


def advert_rules(site: SiteSnapshot) -> AdvertRules:
    rules = site.rules
    text = rules.get("text", {})
    return AdvertRules(
        text=TextRules(
            title_min=int(text.get("title_min", 16)),
            title_max=int(text.get("title_max", 70)),
            description_min=int(text.get("description_min", 80)),
            description_max=int(text.get("description_max", 9000)),
            max_capitals_ratio=text.get("max_capitals_ratio", 0.5),
            punctuation_runs=bool(text.get("punctuation_runs", True)),
            forbid_contacts=bool(text.get("forbid_contacts", True)),
        ),
        currencies=frozenset(str(c["code"]) for c in site.currencies) or frozenset({site.default_currency}),
        phone_min_digits=int(rules.get("phone_min_digits", 9)),
        phone_max_digits=int(rules.get("phone_max_digits", 15)),
        coordinates_max_km=float(rules.get("coordinates_max_distance_km", 30)),
        courier_available=bool(rules.get("courier_available", False)),
        location_mode=str(rules.get("location_mode", "city")),
        advertiser_type_required=bool(rules.get("advertiser_type_required", True)),
    )


def moderation_delay(site: SiteSnapshot, override_seconds: float | None) -> timedelta:
    seconds = override_seconds
    if seconds is None:
        seconds = float(site.config.get("moderation", {}).get("delay_seconds", 3))
    return timedelta(seconds=max(0.0, seconds))


def valid_days(site: SiteSnapshot) -> int:
    return int(site.rules.get("advert_valid_days", 30))


def is_jobs_category(site: SiteSnapshot, category_id: int) -> bool:
    jobs_root = site.rules.get("jobs_root_category_id")
    return jobs_root is not None and site.root_of(category_id).id == int(jobs_root)


def category_spec(site: SiteSnapshot, category_id: int) -> CategorySpec | None:
    cat = site.categories.get(category_id)
    if cat is None:
        return None
    return CategorySpec(
        id=cat.id,
        is_leaf=cat.is_leaf,
        is_jobs=is_jobs_category(site, cat.id),
        photos_limit=cat.photos_limit,
        attributes=tuple(AttributeSpec.from_definition(a) for a in cat.attributes),
    )


def city_spec(site: SiteSnapshot, city_id: int | None) -> CitySpec | None:
    city = site.cities.get(city_id) if city_id is not None else None
    if city is None:
        return None
    districts = {
        d: (site.districts[d].latitude, site.districts[d].longitude)
        for d in site.districts_by_city.get(city.id, [])
    }
    return CitySpec(city.id, city.latitude, city.longitude, districts)


# Site-specific rule sets, by the name a site's `rules.extra_checks` lists: each builds the
# domain checks for one site (e.g. Brasil's zip codes and vehicle catalogues).
ExtraCheckFactory = Callable[[SiteSnapshot], tuple[ExtraCheck, ...]]
EXTRA_CHECKS: dict[str, ExtraCheckFactory] = {}


def extra_checks(site: SiteSnapshot) -> tuple[ExtraCheck, ...]:
    checks: tuple[ExtraCheck, ...] = ()
    for name in site.rules.get("extra_checks", []):
        checks += EXTRA_CHECKS[name](site)
    return checks


def validate(site: SiteSnapshot, draft: AdvertDraft, *, external_url_allowed: bool) -> None:
    check_advert(
        draft,
        AdvertContext(
            category=category_spec(site, draft.category_id),
            city=city_spec(site, draft.location.city_id),
            rules=advert_rules(site),
            external_url_allowed=external_url_allowed,
            extra_checks=extra_checks(site),
        ),
    )


# --- reads ---------------------------------------------------------------------------------


async def get_owned(
    session: Session, *, principal: Principal, advert_id: int, for_update: bool = False
) -> Advert:
    """The caller's advert; NotFound if it does not exist (or is deleted), not_owner if it is someone else's."""
    if principal.user_id is None:
        raise BadRequest("Invalid owner in token", code="invalid_owner")
    stmt = select(Advert).where(Advert.id == advert_id, Advert.site_id == principal.site_id)
    if for_update:
        stmt = stmt.with_for_update()
    advert = (await session.execute(stmt)).scalar_one_or_none()
    if advert is None or advert.deleted:
        raise NotFound("Advert not found")
    if advert.user_id != principal.user_id:
        raise PermissionDenied("You are not the owner of this ad", code="not_owner")
    return advert


async def list_owned(
    session: Session,
    *,
    principal: Principal,
    offset: int = 0,
    limit: int = 50,
    external_id: str | None = None,
    category_ids: list[int] | None = None,
) -> list[Advert]:
    if principal.user_id is None:
        raise BadRequest("Invalid owner in token", code="invalid_owner")
    stmt = owned_adverts(site_id=principal.site_id, user_id=principal.user_id)
    if external_id is not None:
        stmt = stmt.where(Advert.external_id == external_id)
    if category_ids:
        stmt = stmt.where(Advert.category_id.in_(category_ids))
    stmt = stmt.order_by(Advert.id).offset(offset).limit(limit)
    return list((await session.execute(stmt)).scalars())


# --- writes --------------------------------------------------------------------------------


def _draft_columns(site: SiteSnapshot, draft: AdvertDraft) -> dict[str, Any]:
    location = asdict(draft.location)
    if draft.location.zipcode is None:
        del location["zipcode"]
    return {
        "title": draft.title.strip(),
        "description": draft.description.strip(),
        "category_id": draft.category_id,
        "root_category_id": site.root_of(draft.category_id).id,
        "advertiser_type": draft.advertiser_type,
        "external_id": draft.external_id,
        "external_url": draft.external_url,
        "city_id": draft.location.city_id,
        "contact": {k: v for k, v in asdict(draft.contact).items() if k != "email" or v is not None},
        "location": location,
        "images": [{"url": url} for url in draft.images],
        "price": asdict(draft.price) if draft.price is not None else None,
        "salary": asdict(draft.salary) if draft.salary is not None else None,
        "attributes": [
            {"code": a.code, "value": a.value, "values": list(a.values) if a.values is not None else None}
            for a in draft.attributes
        ],
        "courier": draft.courier,
        "ad_delivery": (
            {"delivery_package_ids": list(draft.delivery_package_ids)}
            if draft.delivery_package_ids is not None
            else None
        ),
        "extra": dict(draft.extra),
    }


async def _has_free_slot(
    session: Session, site: SiteSnapshot, *, user_id: int, root_category_id: int
) -> bool:
    root = site.categories.get(root_category_id)
    limit = root.free_limit if root and root.free_limit is not None else site.rules.get("free_limit_default")
    if limit is None:
        return True
    used = await session.scalar(
        count_in_root_category(
            site_id=site.site_id, user_id=user_id, root_category_id=root_category_id, statuses=SLOT_STATUSES
        )
    )
    return int(used or 0) < int(limit)


async def _schedule_moderation(session: Session, advert: Advert, *, now: datetime, delay: timedelta) -> None:
    await jobs.enqueue(
        session, kind=MODERATE_JOB, payload={"advert_id": advert.id}, run_at=now + delay, now=now
    )


async def create_advert(
    session: Session,
    *,
    site: SiteSnapshot,
    principal: Principal,
    command: CreateAdvert,
    clock: Clock,
    moderation_delay: timedelta,
) -> Advert:
    if principal.user_id is None:
        raise BadRequest("Invalid owner in token", code="invalid_owner")
    validate(site, command.draft, external_url_allowed=principal.external_url_allowed)
    now = clock.now()
    columns = _draft_columns(site, command.draft)
    free = await _has_free_slot(
        session, site, user_id=principal.user_id, root_category_id=columns["root_category_id"]
    )
    advert = Advert(
        uuid=str(uuid.uuid4()),
        site_id=site.site_id,
        user_id=principal.user_id,
        app_id=principal.app_id,
        source=command.source,
        status=(Status.NEW if free else Status.LIMITED).value,
        deleted=False,
        moderation_reason=None,
        moderation_description=None,
        is_success=None,
        created_at=now,
        modified_at=now,
        activated_at=None,
        valid_to=None,
        refreshed_at=None,
        advert_views=0,
        phone_views=0,
        **columns,
    )
    session.add(advert)
    await session.flush()
    await events.record(session, advert=advert, type=EventType.POSTED, now=now, source=command.source)
    if advert.status == Status.NEW:
        await _schedule_moderation(session, advert, now=now, delay=moderation_delay)
    return advert


async def update_advert(
    session: Session,
    *,
    site: SiteSnapshot,
    principal: Principal,
    command: UpdateAdvert,
    clock: Clock,
    moderation_delay: timedelta,
) -> Advert:
    advert = await get_owned(session, principal=principal, advert_id=command.advert_id, for_update=True)
    following = transition(Status(advert.status), Action.UPDATE)
    validate(site, command.draft, external_url_allowed=principal.external_url_allowed)
    now = clock.now()
    previous = advert.status
    for name, value in _draft_columns(site, command.draft).items():
        setattr(advert, name, value)
    advert.status = following.value
    advert.modified_at = now
    await events.record(session, advert=advert, type=EventType.UPDATED, now=now, previous_status=previous)
    if following in (Status.NEW, Status.ACTIVE):
        # Edits are moderated again: a rejected advert goes back to the queue, an active one is re-checked.
        await _schedule_moderation(session, advert, now=now, delay=moderation_delay)
    await session.flush()
    return advert


async def apply_command(
    session: Session,
    *,
    site: SiteSnapshot,
    principal: Principal,
    command: AdvertCommand,
    clock: Clock,
    moderation_delay: timedelta,
) -> Advert:
    advert = await get_owned(session, principal=principal, advert_id=command.advert_id, for_update=True)
    current = Status(advert.status)
    now = clock.now()
    action = command.action
    if action == Action.DEACTIVATE and command.is_success is None:
        raise ValidationFailed([FieldError("is_success", "This field is required", "required")])
    if action == Action.EXTEND:
        _check_extend(site, advert, now)
    following = transition(current, action)
    reactivating_limited = action == Action.ACTIVATE and current == Status.LIMITED
    if reactivating_limited and not await _has_free_slot(
        session, site, user_id=advert.user_id, root_category_id=advert.root_category_id
    ):
        raise BadRequest("You have reached the limit of free adverts in this category", code="limit_reached")
    advert.status = following.value
    advert.modified_at = now
    if action == Action.DEACTIVATE:
        advert.is_success = command.is_success
    if action == Action.EXTEND:
        advert.refreshed_at = now
        advert.valid_to = now + timedelta(days=valid_days(site))
        await schedule_expiry(session, advert, now=now)
    await events.record(
        session,
        advert=advert,
        type=EVENT_FOR_ACTION[action],
        now=now,
        previous_status=current.value,
        is_success=command.is_success,
    )
    if following == Status.NEW:
        await _schedule_moderation(session, advert, now=now, delay=moderation_delay)
    await session.flush()
    return advert


def _check_extend(site: SiteSnapshot, advert: Advert, now: datetime) -> None:
    if not site.rules.get("extend_available", True):
        raise BadRequest("Command extend is not available on this site", code="extend_unavailable")
    interval = int(site.rules.get("refresh_interval_days", 14))
    last = advert.refreshed_at or advert.activated_at
    if advert.status == Status.ACTIVE and last is not None and now - last < timedelta(days=interval):
        raise ValidationFailed(
            [
                FieldError(
                    "time", f"You cannot refresh ad more often than once in {interval} days", "too_often"
                )
            ]
        )


async def delete_advert(session: Session, *, principal: Principal, advert_id: int, clock: Clock) -> Advert:
    advert = await get_owned(session, principal=principal, advert_id=advert_id, for_update=True)
    previous = advert.status
    advert.status = transition(Status(advert.status), Action.DELETE).value
    advert.deleted = True
    advert.modified_at = clock.now()
    await events.record(
        session, advert=advert, type=EventType.DELETED, now=advert.modified_at, previous_status=previous
    )
    await session.flush()
    return advert


async def schedule_expiry(session: Session, advert: Advert, *, now: datetime) -> None:
    assert advert.valid_to is not None
    await jobs.enqueue(
        session, kind=EXPIRE_JOB, payload={"advert_id": advert.id}, run_at=advert.valid_to, now=now
    )


def advert_path(advert: Advert) -> str:
    """Where the public page of an advert lives (the ``url`` of the Advert schema)."""
    return f"/d/oferta/{slugify(advert.title)}-ID{to_base36(advert.id)}.html"


def to_base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def slugify(text: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in fold(text)).split()
    return "-".join(words)[:60].strip("-") or "oferta"
