"""Moderation and expiry: the worker's advert handlers, and a moderator's own decisions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pazar.db.models import Advert
from pazar.domain.commands import ModerationDecision
from pazar.domain.errors import NotFound
from pazar.domain.events import EVENT_FOR_ACTION
from pazar.domain.lifecycle import Action, Status, can, transition
from pazar.domain.moderation import ModerationRules, Verdict, moderate
from pazar.ports import Clock
from pazar.services import events
from pazar.services.adverts import schedule_expiry, valid_days
from pazar.services.reference import SiteLoader, SiteSnapshot
from pazar.services.runtime import Session


def rules_for(site: SiteSnapshot, category_id: int) -> ModerationRules:
    config = dict(site.config.get("moderation", {}))
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


def automatic_verdict(advert: Advert, site: SiteSnapshot) -> Verdict:
    price = advert.price or {}
    value = price.get("value")
    return moderate(
        title=advert.title,
        description=advert.description,
        phone=(advert.contact or {}).get("phone"),
        price=float(value) if isinstance(value, int | float) else None,
        rules=rules_for(site, advert.category_id),
    )


async def run_moderation(session: Session, *, advert_id: int, site_for: SiteLoader, clock: Clock) -> None:
    """The ``moderate`` job: run the rule set, unless the advert moved on meanwhile."""
    advert = await _locked(session, advert_id)
    if advert is None or advert.deleted or Status(advert.status) not in (Status.NEW, Status.ACTIVE):
        return
    site = await site_for(session, advert.site_id)
    verdict = automatic_verdict(advert, site)
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
