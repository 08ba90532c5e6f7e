"""Create, update and delete, each written once and batch-shaped (a single request is a batch of one)."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert

from pazar.db.models import Advert
from pazar.db.queries import lock_user
from pazar.domain.commands import AdvertDraft, CreateAdvert, UpdateAdvert
from pazar.domain.errors import (
    BadRequest,
    DomainError,
    ValidationFailed,
)
from pazar.domain.events import EVENT_FOR_ACTION, EventType
from pazar.domain.lifecycle import Action, Status, transition
from pazar.domain.oauth import Principal
from pazar.ports import Clock
from pazar.services import events, jobs
from pazar.services.adverts.free_slots import ensure_free_slot, free_budget, takes_a_slot
from pazar.services.adverts.queries import locked_many, owned_by, owner_of
from pazar.services.adverts.rules import Validator, is_paid_only
from pazar.services.commerce import slots
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

MODERATE_JOB = "moderate"


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
    return await the_one(session, made)


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
    return await the_one(session, updated)


async def the_one(session: Session, results: BulkResult) -> Advert:
    """The advert of a batch of one, or the error that refused it, raised."""
    (result,) = results
    if isinstance(result, DomainError):
        raise result
    advert = await session.get(Advert, result)
    assert advert is not None
    return advert


async def delete_advert(session: Session, *, principal: Principal, advert_id: int, clock: Clock) -> Advert:
    """``delete_adverts`` for one advert."""
    deleted = await delete_adverts(session, principal=principal, advert_ids=[advert_id], clock=clock)
    return await the_one(session, deleted)


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
            budgets[root_id] = await free_budget(
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
    found = await locked_many(session, principal.site_id, [c.advert_id for c in commands])
    check = Validator(site, external_url_allowed=principal.external_url_allowed)
    now = clock.now()
    results: BulkResult = []
    changes: list[events.AdvertChanged] = []
    to_moderate: list[int] = []
    for command in commands:
        try:
            advert = owned_by(found.get(command.advert_id), principal)
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
    found = await locked_many(session, principal.site_id, advert_ids)
    now = clock.now()
    results: BulkResult = []
    changes: list[events.AdvertChanged] = []
    for advert_id in advert_ids:
        try:
            advert = owned_by(found.get(advert_id), principal)
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
