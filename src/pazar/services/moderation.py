"""Moderation and expiry: the worker's advert handlers, and a moderator's own decisions.

One use case applies verdicts (``apply_decisions``), for one advert or many, whoever decides:
the rule set (the ``moderate`` job, an RE operation moderated at once) or a human (``pazar
moderate``, the sandbox). One use case expires adverts (``run_expiry_batch``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from pazar.db.models import Advert
from pazar.db.queries import lock_user
from pazar.domain.commands import ModerationDecision
from pazar.domain.errors import NotFound
from pazar.domain.events import EVENT_FOR_ACTION
from pazar.domain.lifecycle import Action, Status, can, transition
from pazar.domain.moderation import ModerationRules, Verdict, moderate
from pazar.ports import Clock
from pazar.services import events, jobs
from pazar.services.adverts import EXPIRE_JOB, ensure_free_slot, takes_a_slot, valid_days
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


# What a verdict reads and changes of an advert, selected (and locked) in one statement for many.
_COLUMNS = (
    Advert.id,
    Advert.site_id,
    Advert.app_id,
    Advert.user_id,
    Advert.status,
    Advert.deleted,
    Advert.root_category_id,
    Advert.title,
    Advert.description,
    # Only what the rules read, extracted by the database rather than decoding whole documents.
    Advert.contact["phone"].as_string().label("phone"),
    Advert.price["value"].as_float().label("price_value"),
    Advert.category_id,
)


async def _locked_rows(session: Session, advert_ids: list[int]) -> list[Any]:
    stmt = select(*_COLUMNS).where(Advert.id.in_(advert_ids)).order_by(Advert.id).with_for_update()
    return list((await session.execute(stmt)).all())


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


def _takes(decision: ModerationDecision, current: Status) -> bool:
    """Whether an advert in ``current`` takes the decision (an accepted re-check of an active
    advert, edited meanwhile, changes nothing and records nothing)."""
    if not can(decision.action, current):
        return False
    return not (decision.action == Action.ACCEPT and current == Status.ACTIVE)


async def apply_decisions(
    session: Session, decided: list[tuple[Any, ModerationDecision]], *, site_for: SiteLoader, clock: Clock
) -> list[bool]:
    """Apply each decision to its locked row (``_COLUMNS``); per decision, whether it changed anything
    (False: the advert is deleted or its status does not take it)."""
    now = clock.now()
    accepted: dict[str, list[int]] = defaultdict(list)
    changed: list[dict[str, Any]] = []
    changes: list[events.AdvertChanged] = []
    applied: list[bool] = []
    for row, decision in decided:
        current = Status(row.status)
        if row.deleted or not _takes(decision, current):
            applied.append(False)
            continue
        following = transition(current, decision.action)
        changes.append(
            events.changed(
                row.id,
                EVENT_FOR_ACTION[decision.action],
                app_id=row.app_id,
                site_id=row.site_id,
                status=following.value,
                now=now,
                previous_status=current.value,
                reason=decision.reason,
                description=decision.description,
                moderator=decision.moderator,
            )
        )
        if decision.action == Action.ACCEPT:
            accepted[row.site_id].append(row.id)
        else:
            changed.append(
                {
                    "id": row.id,
                    "status": following.value,
                    "modified_at": now,
                    "moderation_reason": decision.reason,
                    "moderation_description": decision.description,
                }
            )
        applied.append(True)
    for site_id, ids in accepted.items():
        await _accept_many(session, ids, site=await site_for(session, site_id), now=now)
    for same_columns in _grouped_by_keys(changed):
        await session.execute(update(Advert), same_columns)
    await events.publish(session, changes)  # after the updates: subscribers read the adverts as they are now
    return applied


async def run_moderation_batch(
    session: Session, *, advert_ids: list[int], site_for: SiteLoader, clock: Clock
) -> None:
    """The ``moderate`` job: the rule set's verdict on each advert still waiting for one (new, or an
    edited active one); an advert the rules hold for a human stays new, with the reason noted."""
    rule_sets: dict[tuple[str, int], ModerationRules] = {}
    held: list[dict[str, Any]] = []
    decided: list[tuple[Any, ModerationDecision]] = []
    for row in await _locked_rows(session, advert_ids):
        if row.deleted or Status(row.status) not in (Status.NEW, Status.ACTIVE):
            continue  # moved on since the job was queued
        key = (row.site_id, row.category_id)
        if key not in rule_sets:
            rule_sets[key] = rules_for(await site_for(session, row.site_id), row.category_id, clock)
        verdict = _verdict(
            row.title, row.description, {"phone": row.phone}, {"value": row.price_value}, rule_sets[key]
        )
        if verdict.action is None:
            held.append(
                {
                    "id": row.id,
                    "moderation_reason": verdict.reason,
                    "moderation_description": verdict.description,
                }
            )
            continue
        decided.append(
            (row, ModerationDecision(row.id, verdict.action, verdict.reason, verdict.description, "auto"))
        )
    if held:
        await session.execute(update(Advert), held)
    await apply_decisions(session, decided, site_for=site_for, clock=clock)


async def run_moderation(session: Session, *, advert_id: int, site_for: SiteLoader, clock: Clock) -> None:
    """The ``moderate`` job of one advert."""
    await run_moderation_batch(session, advert_ids=[advert_id], site_for=site_for, clock=clock)


async def moderate_held(session: Session, *, advert: Advert, site_for: SiteLoader, clock: Clock) -> None:
    """Moderate now an advert the caller's transaction holds (an RE operation moderated at once);
    ``advert`` shows the outcome afterwards."""
    await session.flush()
    await run_moderation_batch(session, advert_ids=[advert.id], site_for=site_for, clock=clock)
    await session.refresh(advert)


async def moderator_decision(
    session: Session, *, decision: ModerationDecision, site_for: SiteLoader, clock: Clock
) -> Advert:
    """``pazar moderate``: a human's decision, on any advert whose status takes it.

    Accepting a rejected, blocked or disabled advert puts it back in a free slot: like every other
    entry into a slot, it needs one (under the user's lock, taken before the advert's, as every
    advert write takes them).
    """
    owner = await session.scalar(select(Advert.user_id).where(Advert.id == decision.advert_id))
    if owner is None:
        raise NotFound("Advert not found")
    await lock_user(session, owner)
    rows = await _locked_rows(session, [decision.advert_id])
    if not rows or rows[0].deleted:
        raise NotFound("Advert not found")
    row = rows[0]
    current = Status(row.status)
    following = transition(current, decision.action)  # raises InvalidState with the reason
    if takes_a_slot(
        before=(current.value, row.root_category_id), after=(following.value, row.root_category_id)
    ):
        site = await site_for(session, row.site_id)
        await ensure_free_slot(
            session,
            site,
            user_id=row.user_id,
            root_category_id=row.root_category_id,
            advert_id=row.id,
            now=clock.now(),
        )
    await apply_decisions(session, [(row, decision)], site_for=site_for, clock=clock)
    advert = await session.get(Advert, row.id, populate_existing=True)
    assert advert is not None
    return advert


async def review_queue(session: Session, *, limit: int = 50) -> list[Advert]:
    stmt = (
        select(Advert)
        .where(Advert.status == Status.NEW.value, Advert.deleted.is_(False))
        .order_by(Advert.created_at)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


# --- helpers of apply_decisions ---------------------------------------------------------------


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
    """The ``expire`` job: each active advert whose ``valid_to`` passed becomes outdated (one extended
    since is left alone: its later ``expire`` job exists)."""
    now = clock.now()
    stmt = (
        select(Advert.id, Advert.app_id, Advert.site_id)
        .where(
            Advert.id.in_(advert_ids),
            Advert.deleted.is_not(True),
            Advert.status == Status.ACTIVE.value,
            Advert.valid_to <= now,
        )
        .order_by(Advert.id)
        .with_for_update()
    )
    due = (await session.execute(stmt)).all()
    if not due:
        return
    following = transition(Status.ACTIVE, Action.EXPIRE).value
    await session.execute(
        update(Advert)
        .where(Advert.id.in_([row.id for row in due]))
        .values(status=following, modified_at=now)
        .execution_options(synchronize_session=False)
    )
    await events.publish(
        session,
        [
            events.changed(
                row.id,
                EVENT_FOR_ACTION[Action.EXPIRE],
                app_id=row.app_id,
                site_id=row.site_id,
                status=following,
                now=now,
                previous_status=Status.ACTIVE.value,
            )
            for row in due
        ],
    )


async def run_expiry(session: Session, *, advert_id: int, clock: Clock) -> None:
    """The ``expire`` job of one advert."""
    await run_expiry_batch(session, advert_ids=[advert_id], clock=clock)
