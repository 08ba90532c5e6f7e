"""The lifecycle commands of one advert (activate, deactivate, finish, extend) and expiry scheduling."""

from __future__ import annotations

from datetime import datetime, timedelta

from pazar.db.models import Advert
from pazar.domain.commands import AdvertCommand
from pazar.domain.errors import (
    BadRequest,
    FieldError,
    ValidationFailed,
)
from pazar.domain.events import EVENT_FOR_ACTION
from pazar.domain.lifecycle import Action, Status, transition
from pazar.domain.oauth import Principal
from pazar.ports import Clock
from pazar.services import events, jobs
from pazar.services.adverts.free_slots import ensure_free_slot, takes_a_slot
from pazar.services.adverts.queries import get_owned
from pazar.services.adverts.rules import valid_days
from pazar.services.adverts.writes import schedule_moderation_batch
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

EXPIRE_JOB = "expire"


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
        await schedule_moderation_batch(session, [advert.id], now=now, delay=moderation_delay)
    await session.flush()
    return advert


def _check_extend(site: SiteSnapshot, advert: Advert, now: datetime) -> None:
    if not site.rules.extend_available:
        raise BadRequest("Command extend is not available on this site", code="extend_unavailable")
    interval = site.rules.refresh_interval_days
    last = advert.refreshed_at or advert.activated_at
    if advert.status == Status.ACTIVE and last is not None and now - last < timedelta(days=interval):
        raise ValidationFailed(
            [
                FieldError(
                    "time", f"You cannot refresh ad more often than once in {interval} days", "too_often"
                )
            ]
        )


async def schedule_expiry(session: Session, advert: Advert, *, now: datetime) -> None:
    assert advert.valid_to is not None
    await jobs.enqueue(
        session, kind=EXPIRE_JOB, payload={"advert_id": advert.id}, run_at=advert.valid_to, now=now
    )
