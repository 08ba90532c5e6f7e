"""Advert use cases shared by every dialect: create, update, commands, delete, read.

Each use case validates through ``domain.adverts``, moves the status through
``domain.lifecycle``, records an event and enqueues its side effects (moderation,
expiry) in the caller's transaction. They flush; the caller commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select

from pazar.db.models import Advert
from pazar.db.queries import lock_user, owned_adverts
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
from pazar.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from pazar.domain.events import EVENT_FOR_ACTION, EventType
from pazar.domain.lifecycle import Action, Status, transition
from pazar.domain.oauth import Principal
from pazar.domain.taxonomy import fold
from pazar.domain.text_rules import TextRules
from pazar.ports import Clock
from pazar.services import events, jobs
from pazar.services.commerce import slots
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

MODERATE_JOB = "moderate"
EXPIRE_JOB = "expire"
# Statuses that occupy one of the user's free slots in a category.
SLOT_STATUSES = (Status.NEW.value, Status.ACTIVE.value)
# Sources of the legacy bulk integrations: the Autoupload import, and the legacy feed `pazar seed`
# imitates. A partner app may claim their active adverts (RE migration, `import=1`); from then on
# the legacy import may not change them (`ensure_writable_by`).
LEGACY_SOURCES = frozenset({"autoupload", "legacy_feed"})
LEGACY_ID_KEY = "legacy_external_id"  # in Advert.extra: the id a claimed advert had in its legacy feed


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


class Validator:
    """Checks drafts of one site: rules, extra checks and category specs built once for many drafts."""

    def __init__(self, site: SiteSnapshot, *, external_url_allowed: bool) -> None:
        self._site = site
        self._rules = advert_rules(site)
        self._extra = extra_checks(site)
        self._external_url_allowed = external_url_allowed
        self._categories: dict[int, CategorySpec | None] = {}

    def __call__(self, draft: AdvertDraft) -> None:
        category_id = draft.category_id
        if category_id not in self._categories:
            self._categories[category_id] = category_spec(self._site, category_id)
        check_advert(
            draft,
            AdvertContext(
                category=self._categories[category_id],
                city=city_spec(self._site, draft.location.city_id),
                rules=self._rules,
                external_url_allowed=self._external_url_allowed,
                extra_checks=self._extra,
            ),
        )


# --- reads ---------------------------------------------------------------------------------


# Built once (building costs more than running on this hot path); parameters bound per call.
_ADVERT = select(Advert).where(Advert.id == bindparam("advert_id"), Advert.site_id == bindparam("site_id"))
_ADVERT_FOR_UPDATE = _ADVERT.with_for_update()


def owner_of(principal: Principal) -> int:
    """The user a call acts for; a client token (no user) cannot own adverts."""
    if principal.user_id is None:
        raise BadRequest("Invalid owner in token", code="invalid_owner")
    return principal.user_id


async def get_owned(
    session: Session, *, principal: Principal, advert_id: int, for_update: bool = False
) -> Advert:
    """The caller's advert; NotFound if it does not exist (or is deleted), not_owner if it is someone else's.

    ``for_update``: the caller is about to change it. The user's lock is taken first (every write of
    one user queues behind the others, on both databases: see ``lock_user``), then the row is read
    under its own lock, so concurrent commands on one advert run as if one after another.
    """
    owner = owner_of(principal)
    if for_update:
        await lock_user(session, owner)
    stmt = _ADVERT_FOR_UPDATE if for_update else _ADVERT
    found = (
        await session.execute(stmt, {"advert_id": advert_id, "site_id": principal.site_id})
    ).scalar_one_or_none()
    return _owned(found, principal)


def _owned(advert: Advert | None, principal: Principal) -> Advert:
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
    stmt = owned_adverts(site_id=principal.site_id, user_id=owner_of(principal))
    if external_id is not None:
        stmt = stmt.where(Advert.external_id == external_id)
    if category_ids:
        stmt = stmt.where(Advert.category_id.in_(category_ids))
    stmt = stmt.order_by(Advert.id).offset(offset).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def get_managed(
    session: Session, *, principal: Principal, uuid: str, for_update: bool = False
) -> Advert:
    """An advert the caller's app manages for the caller's user, by uuid (deleted ones included).

    ``for_update``: as for ``get_owned``, the user's lock first, then the row's.
    """
    owner = owner_of(principal)
    if for_update:
        await lock_user(session, owner)
    stmt = select(Advert).where(Advert.uuid == uuid, Advert.site_id == principal.site_id)
    if for_update:
        stmt = stmt.with_for_update()
    advert = (await session.execute(stmt)).scalar_one_or_none()
    if advert is None:
        raise NotFound("Advert not found")
    if advert.user_id != principal.user_id or advert.app_id != principal.app_id:
        raise PermissionDenied(
            "The advert is not managed by this application for this user", code="not_owner"
        )
    return advert


def ensure_writable_by(advert: Advert, *, source: str) -> None:
    """A legacy import may not change an advert a partner app has claimed (RE migration, seed 000)."""
    if advert.claimed_at is not None and source in LEGACY_SOURCES:
        raise Conflict(
            "This advert was migrated to a partner application and is managed through its API now; "
            "the legacy import can no longer change it",
            code="advert_claimed",
        )


# --- writes --------------------------------------------------------------------------------


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _flat(value: Any) -> dict[str, Any]:
    """``asdict`` of a dataclass whose fields are plain values, without its deep copy (a hot path)."""
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    return {name: getattr(value, name) for name in names}


def _draft_columns(site: SiteSnapshot, draft: AdvertDraft) -> dict[str, Any]:
    location = _flat(draft.location)
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
        "contact": {k: v for k, v in _flat(draft.contact).items() if k != "email" or v is not None},
        "location": location,
        "images": [{"url": url} for url in draft.images],
        "price": _flat(draft.price) if draft.price is not None else None,
        "salary": _flat(draft.salary) if draft.salary is not None else None,
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


def takes_a_slot(*, before: tuple[str, int] | None, after: tuple[str, int]) -> bool:
    """Whether a change (status, root category) -> (status, root category) makes an advert occupy a
    free slot it did not occupy: it enters a slot status, or moves to another root category in one."""
    status, root = after
    if status not in SLOT_STATUSES:
        return False
    return before is None or before[0] not in SLOT_STATUSES or before[1] != root


async def ensure_free_slot(
    session: Session,
    site: SiteSnapshot,
    *,
    user_id: int,
    root_category_id: int,
    advert_id: int,
    now: datetime,
) -> None:
    """Refuse a change that would take a slot the user does not have, else record the slot taken (a
    free one, or one of a bought packet's). The caller holds the user's lock (``lock_user``), so no
    concurrent write of that user can take the slot between count and write."""
    budget = await _free_count(
        session, site, user_id=user_id, root_category_id=root_category_id, now=now, advert_id=advert_id
    )
    grant = budget.take()
    if grant is None:
        raise BadRequest("You have reached the limit of free adverts in this category", code="limit_reached")
    await slots.record(session, advert_id=advert_id, grant=grant, now=now)


def is_paid_only(site: SiteSnapshot, root_category_id: int) -> bool:
    """A root category where no advert is free (site config ``commerce.paid_only_categories``): a new
    advert waits ``unpaid`` for a packet, where elsewhere it would be ``limited``."""
    paid_only = (site.config.get("commerce") or {}).get("paid_only_categories") or ()
    return root_category_id in paid_only


async def _free_count(
    session: Session,
    site: SiteSnapshot,
    *,
    user_id: int,
    root_category_id: int,
    now: datetime,
    advert_id: int | None = None,
) -> slots.Budget:
    """Slots the user may still take in the root category: free adverts, then bought packets."""
    root = site.categories.get(root_category_id)
    limit = root.free_limit if root and root.free_limit is not None else site.rules.get("free_limit_default")
    if is_paid_only(site, root_category_id):
        limit = 0  # every advert there needs a packet's slot
    if limit is None:
        return slots.Budget(None)
    return await slots.budget(
        session,
        site_id=site.site_id,
        user_id=user_id,
        root_category_id=root_category_id,
        limit=int(limit),
        statuses=SLOT_STATUSES,
        now=now,
        advert_id=advert_id,
    )


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
    schedule_moderation: bool = True,
) -> Advert:
    """``create_adverts`` for one draft: the new advert, or the DomainError that refused it."""
    made = await create_adverts(
        session,
        site=site,
        principal=principal,
        commands=[command],
        clock=clock,
        moderation_delay=moderation_delay,
        schedule_moderation=schedule_moderation,
    )
    return await _the_one(session, made)


async def update_advert(
    session: Session,
    *,
    site: SiteSnapshot,
    principal: Principal,
    command: UpdateAdvert,
    clock: Clock,
    moderation_delay: timedelta,
    schedule_moderation: bool = True,
) -> Advert:
    """``update_adverts`` for one advert."""
    updated = await update_adverts(
        session,
        site=site,
        principal=principal,
        commands=[command],
        clock=clock,
        moderation_delay=moderation_delay,
        schedule_moderation=schedule_moderation,
    )
    return await _the_one(session, updated)


async def _the_one(session: Session, results: BulkResult) -> Advert:
    """The advert of a batch of one, or the error that refused it, raised."""
    (result,) = results
    if isinstance(result, DomainError):
        raise result
    advert = await session.get(Advert, result)
    assert advert is not None
    return advert


async def apply_command(
    session: Session,
    *,
    site: SiteSnapshot,
    principal: Principal,
    command: AdvertCommand,
    clock: Clock,
    moderation_delay: timedelta,
    schedule_moderation: bool = True,
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
    root = advert.root_category_id
    if takes_a_slot(before=(current.value, root), after=(following.value, root)):
        await ensure_free_slot(
            session, site, user_id=advert.user_id, root_category_id=root, advert_id=advert.id, now=now
        )
    advert.status = following.value
    advert.modified_at = now
    if action == Action.DEACTIVATE:
        advert.is_success = command.is_success
    if action == Action.EXTEND:
        advert.refreshed_at = now
        advert.valid_to = now + timedelta(days=valid_days(site))
        await schedule_expiry(session, advert, now=now)
    await events.publish(
        session,
        [
            events.of(
                advert,
                EVENT_FOR_ACTION[action],
                now=now,
                previous_status=current.value,
                is_success=command.is_success,
            )
        ],
    )
    if following == Status.NEW and schedule_moderation:
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
    """``delete_adverts`` for one advert."""
    deleted = await delete_adverts(session, principal=principal, advert_ids=[advert_id], clock=clock)
    return await _the_one(session, deleted)


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
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in fold(text)).split()
    return "-".join(words)[:60].strip("-") or "oferta"


# --- the write use cases, batch-shaped ----------------------------------------------------------------
#
# Create, update and delete are each written once, for many adverts of one owner at once (a v2 or RE
# request is a batch of one: ``create_advert`` and friends above): validation, statuses, the transition
# table, the slot rule, events and jobs, in a few statements instead of a few per advert. Each returns,
# per command and in order, the advert id or the DomainError that refused that one (the others go on).
# Their events travel on the bus (``events.publish``).

BulkResult = list[int | DomainError]
# Core tables: executemany without the ORM's per-row bookkeeping (the rows are plain dicts anyway).
ADVERTS = cast(Table, Advert.__table__)


async def schedule_moderation_batch(
    session: Session, advert_ids: list[int], *, now: datetime, delay: timedelta
) -> None:
    """One ``moderate`` job for many adverts (the job takes ``advert_ids`` as well as ``advert_id``)."""
    if advert_ids:
        await jobs.enqueue(
            session, kind=MODERATE_JOB, payload={"advert_ids": advert_ids}, run_at=now + delay, now=now
        )


async def find_many_for_legacy_write(
    session: Session, *, site_id: str, user_id: int, external_ids: list[str], source: str
) -> dict[str, Advert | DomainError]:
    """The advert each id of a legacy import addresses, or why it may not be written; an id absent
    from the answer addresses no advert (the import inserts a new one). Rows come back locked.

    A claimed advert (RE migration, seed 000) no longer carries its legacy id in ``external_id`` (it
    holds the new uuid); the old id is kept in ``extra.legacy_external_id``, which no partner write
    changes, so it is found by that and answered with ``Conflict`` (``advert_claimed``): a legacy
    re-send never creates a duplicate, whatever the partner has since put in ``custom_fields``.
    """
    if not external_ids:
        return {}
    legacy_id = Advert.extra[LEGACY_ID_KEY].as_string()
    owner = (Advert.site_id == site_id, Advert.user_id == user_id)
    # Two statements rather than one OR, so each side uses its index on a large table. (``IS NOT true``
    # rather than ``IS false``: SQLite would otherwise walk every advert of the owner by its listing index.)
    claimed = select(Advert).where(*owner, Advert.claimed_at.is_not(None), legacy_id.in_(external_ids))
    live = select(Advert).where(*owner, Advert.external_id.in_(external_ids), Advert.deleted.is_not(True))
    candidates = [
        *(await session.execute(claimed.with_for_update())).scalars(),
        *(await session.execute(live.with_for_update())).scalars(),
    ]
    candidates.sort(key=lambda a: (a.claimed_at is None, -a.id))
    wanted = set(external_ids)
    found: dict[str, Advert | DomainError] = {}
    for advert in candidates:
        old_id = (advert.extra or {}).get(LEGACY_ID_KEY) if advert.claimed_at is not None else None
        ref = old_id if old_id in wanted else advert.external_id
        if ref is None or ref not in wanted or ref in found:
            continue  # ordered: a claimed advert first, then the newest live one
        try:
            ensure_writable_by(advert, source=source)
        except Conflict as exc:
            found[ref] = exc
            continue
        found[ref] = advert
    return found


async def create_adverts(
    session: Session,
    *,
    site: SiteSnapshot,
    principal: Principal,
    commands: list[CreateAdvert],
    clock: Clock,
    moderation_delay: timedelta,
    schedule_moderation: bool = True,
    validated: bool = False,
) -> BulkResult:
    """New adverts for the principal's user: each validated, in a free slot (new) or not (limited).

    ``validated``: the caller checked these drafts with ``Validator`` against the same site data
    (the Autoupload import does when it takes the ads); they are not checked twice.
    """
    check = Validator(site, external_url_allowed=principal.external_url_allowed)
    now = clock.now()
    results: list[int | DomainError | None] = []
    rows: list[dict[str, Any]] = []
    positions: list[int] = []
    budgets: dict[int, slots.Budget] = {}
    grants: list[str | None] = []
    await lock_user(session, owner_of(principal))  # the free counts below hold until the commit
    for position, command in enumerate(commands):
        try:
            if not validated:
                check(command.draft)
        except (BadRequest, ValidationFailed) as exc:
            results.append(exc)
            continue
        columns = _draft_columns(site, command.draft)
        root_id = columns["root_category_id"]
        if root_id not in budgets:
            budgets[root_id] = await _free_count(
                session, site, user_id=owner_of(principal), root_category_id=root_id, now=now
            )
        grant = budgets[root_id].take()
        grants.append(grant)
        if grant is not None:
            status = Status.NEW
        else:
            status = Status.UNPAID if is_paid_only(site, root_id) else Status.LIMITED
        rows.append(
            {
                "uuid": command.uuid or str(uuid.uuid4()),
                "site_id": site.site_id,
                "user_id": owner_of(principal),
                "app_id": principal.app_id,
                "source": command.source,
                "status": status.value,
                "deleted": False,
                "moderation_reason": None,
                "moderation_description": None,
                "is_success": None,
                "created_at": now,
                "modified_at": now,
                "activated_at": None,
                "valid_to": None,
                "refreshed_at": None,
                "claimed_at": None,
                "advert_views": 0,
                "phone_views": 0,
                **columns,
            }
        )
        positions.append(position)
        results.append(None)
    if rows:
        # Matched back by uuid: asking for RETURNING in parameter order costs one statement per row.
        inserted = await session.execute(insert(ADVERTS).returning(ADVERTS.c.uuid, ADVERTS.c.id), rows)
        by_uuid = {row_uuid: advert_id for row_uuid, advert_id in inserted.all()}
        ids = [by_uuid[row["uuid"]] for row in rows]
        await events.publish(
            session,
            [
                events.changed(
                    advert_id,
                    EventType.POSTED,
                    app_id=principal.app_id,
                    site_id=site.site_id,
                    status=row["status"],
                    now=now,
                    source=row["source"],
                )
                for advert_id, row in zip(ids, rows, strict=True)
            ],
        )
        for position, advert_id in zip(positions, ids, strict=True):
            results[position] = advert_id
        for advert_id, grant in zip(ids, grants, strict=True):
            if grant:  # a packet's slot (a free one needs no record)
                await slots.record(session, advert_id=advert_id, grant=grant, now=now)
        if schedule_moderation:
            fresh = [i for i, row in zip(ids, rows, strict=True) if row["status"] == Status.NEW.value]
            await schedule_moderation_batch(session, fresh, now=now, delay=moderation_delay)
    return [r for r in results if r is not None]


async def _locked_many(session: Session, site_id: str, advert_ids: list[int]) -> dict[int, Advert]:
    if not advert_ids:
        return {}
    stmt = select(Advert).where(Advert.id.in_(advert_ids), Advert.site_id == site_id).with_for_update()
    return {a.id: a for a in (await session.execute(stmt)).scalars()}


async def update_adverts(
    session: Session,
    *,
    site: SiteSnapshot,
    principal: Principal,
    commands: list[UpdateAdvert],
    clock: Clock,
    moderation_delay: timedelta,
    schedule_moderation: bool = True,
    validated: bool = False,
) -> BulkResult:
    """Edits of the principal's adverts (``validated``: as for create); an edit is moderated again."""
    await lock_user(session, owner_of(principal))
    found = await _locked_many(session, principal.site_id, [c.advert_id for c in commands])
    check = Validator(site, external_url_allowed=principal.external_url_allowed)
    now = clock.now()
    results: BulkResult = []
    changes: list[events.AdvertChanged] = []
    to_moderate: list[int] = []
    for command in commands:
        try:
            advert = _owned(found.get(command.advert_id), principal)
            following = transition(Status(advert.status), Action.UPDATE)
            if not validated:
                check(command.draft)
            columns = _draft_columns(site, command.draft)
            if takes_a_slot(
                before=(advert.status, advert.root_category_id),
                after=(following.value, columns["root_category_id"]),
            ):
                # Flushed first, so the count sees the earlier adverts of this batch where they are now.
                await session.flush()
                await ensure_free_slot(
                    session,
                    site,
                    user_id=advert.user_id,
                    root_category_id=columns["root_category_id"],
                    advert_id=advert.id,
                    now=now,
                )
        except DomainError as exc:
            results.append(exc)
            continue
        previous = advert.status
        for name, value in columns.items():
            setattr(advert, name, value)
        advert.status = following.value
        advert.modified_at = now
        changes.append(events.of(advert, EventType.UPDATED, now=now, previous_status=previous))
        if following in (Status.NEW, Status.ACTIVE):
            to_moderate.append(advert.id)
        results.append(advert.id)
    await session.flush()
    await events.publish(session, changes)
    if schedule_moderation:
        await schedule_moderation_batch(session, to_moderate, now=now, delay=moderation_delay)
    return results


async def delete_adverts(
    session: Session,
    *,
    principal: Principal,
    advert_ids: list[int],
    clock: Clock,
    deactivate_active: bool = False,
) -> BulkResult:
    """Deletions of the principal's adverts; with ``deactivate_active`` an active one is deactivated first.

    (Partner API v2 refuses to delete an active advert; the Autoupload import's delete takes a
    published ad down, which is the deactivation and the deletion of the transition table.)
    """
    await lock_user(session, owner_of(principal))
    found = await _locked_many(session, principal.site_id, advert_ids)
    now = clock.now()
    results: BulkResult = []
    changes: list[events.AdvertChanged] = []
    for advert_id in advert_ids:
        try:
            advert = _owned(found.get(advert_id), principal)
            steps = [Action.DELETE]
            if deactivate_active and advert.status == Status.ACTIVE:
                steps.insert(0, Action.DEACTIVATE)
            statuses = [Status(advert.status)]
            for action in steps:
                statuses.append(transition(statuses[-1], action))
        except DomainError as exc:
            results.append(exc)
            continue
        advert.modified_at = now
        for action, previous, following in zip(steps, statuses, statuses[1:], strict=False):
            advert.status = following.value
            extra = {"is_success": None} if action == Action.DEACTIVATE else {}
            changes.append(
                events.of(advert, EVENT_FOR_ACTION[action], now=now, previous_status=previous.value, **extra)
            )
        advert.deleted = True
        results.append(advert.id)
    await session.flush()
    await events.publish(session, changes)
    return results
