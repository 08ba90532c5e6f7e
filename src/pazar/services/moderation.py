"""Moderation and expiry: the worker's advert handlers, and a moderator's own decisions."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from pazar.db.models import Advert, AdvertEvent
from pazar.db.queries import app_has_callback
from pazar.domain.commands import ModerationDecision
from pazar.domain.errors import NotFound
from pazar.domain.events import EVENT_FOR_ACTION
from pazar.domain.lifecycle import Action, Status, can, transition
from pazar.domain.moderation import ModerationRules, Verdict, moderate
from pazar.ports import Clock
from pazar.services import events, jobs
from pazar.services.adverts import EXPIRE_JOB, schedule_expiry, valid_days
from pazar.services.reference import SiteLoader, SiteSnapshot
from pazar.services.runtime import Session
from pazar.services.sandbox.clock import in_sandbox


def rules_for(site: SiteSnapshot, category_id: int, clock: Clock | None = None) -> ModerationRules:
    """The site's rule set for a category; on the sandbox clock, text markers decide too."""
    config = dict(site.config.get("moderation", {}))
    config["markers"] = clock is not None and in_sandbox(clock)
    minimum = (
        site.categories[category_id].data.get("min_plausible_price")
        if category_id in site.categories
        else None
    )
    if minimum is not None:
        config["min_plausible_price"] = minimum
    return ModerationRules.from_config(config)


async def _locked(session: Session, advert_id: int) -> Advert | None:
    stmt = select(Advert).where(Advert.id == advert_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def decide(
    session: Session, *, advert: Advert, site: SiteSnapshot, decision: ModerationDecision, clock: Clock
) -> bool:
    """Apply a verdict; False when the advert's status does not take it (nothing changes)."""
    current = Status(advert.status)
    if advert.deleted or not can(decision.action, current):
        return False
    if decision.action == Action.ACCEPT and current == Status.ACTIVE:
        return False  # a re-check of an edited, active advert that passed: nothing to record
    now = clock.now()
    advert.status = transition(current, decision.action).value
    advert.modified_at = now
    if decision.action == Action.ACCEPT:
        advert.moderation_reason = advert.moderation_description = None
        advert.activated_at = now
        advert.valid_to = now + timedelta(days=valid_days(site))
        await schedule_expiry(session, advert, now=now)
    else:
        advert.moderation_reason = decision.reason
        advert.moderation_description = decision.description
    await events.record(
        session,
        advert=advert,
        type=EVENT_FOR_ACTION[decision.action],
        now=now,
        previous_status=current.value,
        reason=decision.reason,
        description=decision.description,
        moderator=decision.moderator,
    )
    await session.flush()
    return True


def automatic_verdict(advert: Advert, site: SiteSnapshot, clock: Clock | None = None) -> Verdict:
    return _verdict(
        advert.title,
        advert.description,
        advert.contact,
        advert.price,
        rules_for(site, advert.category_id, clock),
    )


def _verdict(
    title: str,
    description: str,
    contact: dict[str, Any] | None,
    price: dict[str, Any] | None,
    rules: ModerationRules,
) -> Verdict:
    value = (price or {}).get("value")
    return moderate(
        title=title,
        description=description,
        phone=(contact or {}).get("phone"),
        price=float(value) if isinstance(value, int | float) else None,
        rules=rules,
    )


async def run_moderation(session: Session, *, advert_id: int, site_for: SiteLoader, clock: Clock) -> None:
    """The ``moderate`` job: lock the advert, then ``moderate_held``."""
    advert = await _locked(session, advert_id)
    if advert is not None:
        await moderate_held(session, advert=advert, site_for=site_for, clock=clock)


async def moderate_held(session: Session, *, advert: Advert, site_for: SiteLoader, clock: Clock) -> None:
    """Run the rule set on an advert the caller's transaction holds, unless it moved on meanwhile."""
    if advert.deleted or Status(advert.status) not in (Status.NEW, Status.ACTIVE):
        return
    site = await site_for(session, advert.site_id)
    verdict = automatic_verdict(advert, site, clock)
    if verdict.action is None:
        advert.moderation_reason, advert.moderation_description = verdict.reason, verdict.description
        return
    await decide(
        session,
        advert=advert,
        site=site,
        decision=ModerationDecision(advert.id, verdict.action, verdict.reason, verdict.description, "auto"),
        clock=clock,
    )


async def run_expiry(session: Session, *, advert_id: int, clock: Clock) -> None:
    """The ``expire`` job: an active advert whose ``valid_to`` passed becomes outdated."""
    advert = await _locked(session, advert_id)
    now = clock.now()
    if advert is None or advert.deleted or advert.status != Status.ACTIVE:
        return
    if advert.valid_to is None or advert.valid_to > now:
        return  # extended since: a later expire job exists
    advert.status = transition(Status.ACTIVE, Action.EXPIRE).value
    advert.modified_at = now
    await events.record(
        session, advert=advert, type=EVENT_FOR_ACTION[Action.EXPIRE], now=now, previous_status="active"
    )


async def moderator_decision(
    session: Session, *, decision: ModerationDecision, site_for: SiteLoader, clock: Clock
) -> Advert:
    """``pazar moderate``: a human's decision, on any advert whose status takes it."""
    advert = await _locked(session, decision.advert_id)
    if advert is None or advert.deleted:
        raise NotFound("Advert not found")
    site = await site_for(session, advert.site_id)
    if not await decide(session, advert=advert, site=site, decision=decision, clock=clock):
        transition(Status(advert.status), decision.action)  # raises InvalidState with the reason
    return advert


async def review_queue(session: Session, *, limit: int = 50) -> list[Advert]:
    stmt = (
        select(Advert)
        .where(Advert.status == Status.NEW.value, Advert.deleted.is_(False))
        .order_by(Advert.created_at)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


# --- many adverts at once (the moderate job's ``advert_ids``) ------------------------------------


async def run_moderation_batch(
    session: Session, *, advert_ids: list[int], site_for: SiteLoader, clock: Clock
) -> None:
    """``run_moderation`` for many adverts: the same verdicts, statuses and events, in a few statements.

    An advert whose app listens for webhooks goes through ``run_moderation`` itself, so its events
    fan out as they always do.
    """
    columns = (
        Advert.id,
        Advert.site_id,
        Advert.app_id,
        Advert.status,
        Advert.deleted,
        Advert.title,
        Advert.description,
        # Only what the rules read, extracted by the database rather than decoding whole documents.
        Advert.contact["phone"].as_string().label("phone"),
        Advert.price["value"].as_float().label("price_value"),
        Advert.category_id,
    )
    stmt = select(*columns).where(Advert.id.in_(advert_ids)).order_by(Advert.id).with_for_update()
    rows = (await session.execute(stmt)).all()
    # An app with a callback URL hears of each verdict: its adverts are moderated one by one.
    listening = {a for a in {row.app_id for row in rows} if await app_has_callback(session, a)}
    now = clock.now()
    rule_sets: dict[tuple[str, int], ModerationRules] = {}
    accepted: dict[str, list[int]] = defaultdict(list)
    changed: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    for row in rows:
        if row.app_id in listening:
            await run_moderation(session, advert_id=row.id, site_for=site_for, clock=clock)
            continue
        current = Status(row.status)
        if row.deleted or current not in (Status.NEW, Status.ACTIVE):
            continue
        site = await site_for(session, row.site_id)
        key = (row.site_id, row.category_id)
        if key not in rule_sets:
            rule_sets[key] = rules_for(site, row.category_id, clock)
        verdict = _verdict(
            row.title, row.description, {"phone": row.phone}, {"value": row.price_value}, rule_sets[key]
        )
        if verdict.action is None:  # held for a human: the advert stays new
            changed.append(
                {
                    "id": row.id,
                    "moderation_reason": verdict.reason,
                    "moderation_description": verdict.description,
                }
            )
            continue
        # What ``decide`` does for one advert.
        if not can(verdict.action, current) or (verdict.action == Action.ACCEPT and current == Status.ACTIVE):
            continue
        following = transition(current, verdict.action)
        event_rows.append(
            {
                "advert_id": row.id,
                "type": EVENT_FOR_ACTION[verdict.action].value,
                "occurred_at": now,
                "payload": {
                    "status": following.value,
                    "site": row.site_id,
                    "previous_status": current.value,
                    "reason": verdict.reason,
                    "description": verdict.description,
                    "moderator": "auto",
                },
            }
        )
        if verdict.action == Action.ACCEPT:
            accepted[row.site_id].append(row.id)
        else:
            changed.append(
                {
                    "id": row.id,
                    "status": following.value,
                    "modified_at": now,
                    "moderation_reason": verdict.reason,
                    "moderation_description": verdict.description,
                }
            )
    for site_id, ids in accepted.items():
        await _accept_many(session, ids, site=await site_for(session, site_id), now=now)
    for same_columns in _grouped_by_keys(changed):
        await session.execute(update(Advert), same_columns)
    if event_rows:
        await session.execute(insert(cast(Table, AdvertEvent.__table__)), event_rows)


def _grouped_by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(row)].append(row)
    return list(groups.values())


async def _accept_many(session: Session, advert_ids: list[int], *, site: SiteSnapshot, now: datetime) -> None:
    valid_to = now + timedelta(days=valid_days(site))
    await session.execute(
        update(Advert)
        .where(Advert.id.in_(advert_ids))
        .values(
            status=Status.ACTIVE.value,
            modified_at=now,
            moderation_reason=None,
            moderation_description=None,
            activated_at=now,
            valid_to=valid_to,
        )
        .execution_options(synchronize_session=False)
    )
    await jobs.enqueue(session, kind=EXPIRE_JOB, payload={"advert_ids": advert_ids}, run_at=valid_to, now=now)


async def run_expiry_batch(session: Session, *, advert_ids: list[int], clock: Clock) -> None:
    """The ``expire`` job's ``advert_ids``: each advert as ``run_expiry`` would."""
    for advert_id in advert_ids:
        await run_expiry(session, advert_id=advert_id, clock=clock)
