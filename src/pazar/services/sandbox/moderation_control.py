"""Sandbox moderation controls: a site's moderation mode, and a decision on one advert.

The mode is a key of the site's own ``moderation`` configuration (read by ``rules_for`` and
``moderation_delay``), so the one moderation pipeline applies it; a decision goes through
``moderation.moderator_decision`` like a human moderator's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from pazar.db.models import Advert, Site
from pazar.domain.commands import ModerationDecision
from pazar.domain.errors import NotFound
from pazar.domain.lifecycle import Action
from pazar.domain.moderation import MODES
from pazar.domain.site_rules import SiteRules
from pazar.ports import Clock
from pazar.services import messaging, moderation, statistics
from pazar.services.runtime import Runtime, Session
from pazar.services.sandbox import clock as sandbox_clock

# The decisions a sandbox user can take, as lifecycle actions.
DECISIONS = {
    "accept": Action.ACCEPT,
    "reject": Action.REJECT,
    "block": Action.BLOCK,
    "remove": Action.REMOVE,
    "disable": Action.DISABLE,
    "unconfirm": Action.UNCONFIRM,
    "unpaid": Action.REQUIRE_PAYMENT,
}


def _describe(site: Site) -> dict[str, Any]:
    config = (site.config or {}).get("moderation", {})
    return {
        "site": site.id,
        "mode": config.get("mode", "rules"),
        "delay_seconds": SiteRules.from_config(site.config or {}, site=site.id).moderation_delay_seconds,
    }


async def modes(session: Session) -> list[dict[str, Any]]:
    sites = (await session.execute(select(Site).order_by(Site.id))).scalars()
    return [_describe(site) for site in sites]


async def set_mode(
    session: Session, runtime: Runtime, *, site_id: str | None, mode: str, delay_seconds: float | None
) -> list[dict[str, Any]]:
    """Set the mode (and delay) of one site, or of every site; the sites' new settings."""
    assert mode in MODES
    stmt = select(Site).order_by(Site.id).with_for_update()
    if site_id is not None:
        stmt = stmt.where(Site.id == site_id)
    sites = list((await session.execute(stmt)).scalars())
    if not sites:
        raise NotFound("Site not found")
    for site in sites:
        config = dict(site.config or {})
        settings = dict(config.get("moderation", {}))
        settings["mode"] = mode
        if delay_seconds is not None:
            settings["delay_seconds"] = delay_seconds
        config["moderation"] = settings
        await session.execute(update(Site).where(Site.id == site.id).values(config=config))
        site.config = config
    runtime.reference.invalidate()  # this process at once; the others at their next clock refresh
    await sandbox_clock.caches_stale(session)
    return [_describe(site) for site in sites]


MAX_ROW_ID = 2**31 - 1  # ids are INTEGER columns (32 bits on PostgreSQL)


async def find_advert_id(session: Session, ref: str) -> int:
    """An advert by its v2 id or its RE uuid."""
    stmt = select(Advert.id)
    if ref.isascii() and ref.isdigit():
        if len(ref) > 10 or int(ref) > MAX_ROW_ID:  # beyond any id the columns can hold
            raise NotFound("Advert not found")
        stmt = stmt.where(Advert.id == int(ref))
    elif len(ref) <= 36:
        stmt = stmt.where(Advert.uuid == ref)
    else:
        raise NotFound("Advert not found")
    advert_id = await session.scalar(stmt)
    if advert_id is None:
        raise NotFound("Advert not found")
    return int(advert_id)


async def decide(
    session: Session,
    runtime: Runtime,
    *,
    ref: str,
    decision: str,
    reason: str | None,
    description: str | None,
) -> Advert:
    advert_id = await find_advert_id(session, ref)
    return await moderation.moderator_decision(
        session,
        decision=ModerationDecision(advert_id, DECISIONS[decision], reason, description, "sandbox"),
        site_for=runtime.reference.get,
        clock=runtime.clock,
    )


async def buyer_activity(
    session: Session, *, ref: str, views: int, phone_views: int, observers: int = 0, clock: Clock
) -> statistics.Statistics:
    """Buyers view an active advert's page, reveal its phone and start observing it (each observer a
    new guest user of the site); its statistics afterwards."""
    advert = await statistics.public_advert(session, await find_advert_id(session, ref))
    await statistics.count_activity(session, advert.id, views=views, phone_views=phone_views)
    for number in range(observers):
        guest = await messaging.guest_buyer(
            session,
            site_id=advert.site_id,
            name=f"Observer {number + 1}",
            email="observer@sandbox.invalid",
            clock=clock,
        )
        await statistics.observe(session, advert_id=advert.id, user_id=guest.user_id, clock=clock)
    await session.refresh(advert)
    return await statistics.of(session, advert)
