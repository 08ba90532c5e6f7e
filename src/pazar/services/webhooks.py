"""Webhook notifications: the outbox rows and what operators do with them.

**Outbox.** ``notify`` writes one ``WebhookDelivery`` row (the seed 004 envelope) in the
caller's transaction, so a notification exists exactly when the change that causes it
commits. Advert events become notifications in ``webhook_fanout`` (a subscriber of the advert
event bus); the rows are sent by the delivery engine, ``webhook_delivery``. Neither is imported
here: a running dispatcher registers itself in ``LOCAL_SENDERS`` so that fresh rows can be
leased to it straight away (see that module's "Latency").
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from pazar.db.models import Advert, AdvertOperation, PartnerApp, WebhookAttempt, WebhookDelivery
from pazar.domain import webhooks as wire
from pazar.domain.errors import NotFound
from pazar.services import adverts as advert_service
from pazar.services.runtime import Session

log = logging.getLogger("pazar.webhooks")

# session.info keys. OPERATION: the asynchronous operation whose use case runs in this session; it
# reports its own outcome, so the events it causes send nothing themselves.
OPERATION_KEY: Final = "pazar.webhooks.operation"
HANDOFF_KEY: Final = "pazar.webhooks.handoff"
RING_KEY: Final = "pazar.webhooks.ring"

USER_AGENT: Final = "olx-group-api"  # the RE platform's outgoing user agent (digest B.5)
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
# Operation states: pending (queued), waiting (applied; its outcome is a moderation verdict),
# succeeded, failed, superseded (a later operation on the advert replaced a waiting one).
OP_PENDING, OP_WAITING, OP_SUCCEEDED, OP_FAILED = "pending", "waiting", "succeeded", "failed"
MODERATION_TITLE: Final = "Advert rejected by moderation"


# --- the outbox ---------------------------------------------------------------------------------


def state_of(advert: Advert, *, recorded_at: datetime) -> dict[str, Any]:
    """The advert as a success or state-change notification shows it (``url`` relative to the server)."""
    return wire.advert_state(
        status=advert.status,
        created_at=advert.created_at,
        activated_at=advert.activated_at,
        modified_at=advert.modified_at,
        valid_to=advert.valid_to,
        recorded_at=recorded_at,
        moderation_reason=advert.moderation_reason,
        moderation_description=advert.moderation_description,
        url=advert_service.advert_path(advert),
    )


async def notify(
    session: Session,
    *,
    app: PartnerApp,
    object_id: str,
    transaction_id: str,
    flow: str,
    event_type: str,
    data: dict[str, Any],
    event_at: datetime,
    now: datetime,
) -> WebhookDelivery | None:
    """Queue a notification to the app's callback URL (None when the app has none)."""
    if not app.webhook_url:
        return None
    payload = wire.envelope(
        destination=app.webhook_url,
        timestamp=event_at,
        event_timestamp=now,
        transaction_id=transaction_id,
        object_id=object_id,
        flow=flow,
        data=data,
        event_type=event_type,
    )
    delivery = WebhookDelivery(
        delivery_id=f"msg_{uuid.uuid4().hex}",
        app_id=app.id,
        url=app.webhook_url,
        event_type=event_type,
        object_id=object_id,
        payload=payload,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        locked_by=None,
        locked_until=None,
        created_at=now,
        event_at=event_at,
        delivered_at=None,
        last_status=None,
        last_error=None,
    )
    local = _local_dispatcher(session)
    if local is not None:
        # Leased to this process's dispatcher, which gets it as soon as the transaction commits.
        delivery.locked_by, delivery.locked_until = local.name, now + local.lease
        session.info.setdefault(HANDOFF_KEY, []).append((delivery, app.notification_secret))
    else:
        session.info[RING_KEY] = True
    session.add(delivery)
    return delivery


async def waiting_operation(session: Session, advert_id: int) -> AdvertOperation | None:
    stmt = (
        select(AdvertOperation)
        .where(AdvertOperation.advert_id == advert_id, AdvertOperation.status == OP_WAITING)
        .order_by(AdvertOperation.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def settle(
    operation: AdvertOperation, *, ok: bool, event_type: str, data: dict[str, Any], now: datetime
) -> None:
    """Record an operation's outcome (what its notification said; meta shows it)."""
    operation.status = OP_SUCCEEDED if ok else OP_FAILED
    operation.finished_at = now
    operation.result = {"event_type": event_type, "data": data}


# --- this process's running dispatchers (the delivery engine registers its own) -------------------


class LocalSender(Protocol):
    """What the outbox needs of a running dispatcher: a name to lease rows to, for how long, and
    whether it can take more right now (the engine, ``webhook_delivery``, implements it)."""

    name: str
    lease: timedelta

    def can_take_more(self) -> bool: ...


LOCAL_SENDERS: dict[str, Any] = {}  # database URL -> the running dispatcher of this process


def database_key(url: Any) -> str:
    return str(url.render_as_string(hide_password=True)) if hasattr(url, "render_as_string") else str(url)


def _local_dispatcher(session: Session) -> LocalSender | None:
    bind = session.bind
    if not LOCAL_SENDERS or not isinstance(bind, AsyncEngine):
        return None
    local: LocalSender | None = LOCAL_SENDERS.get(database_key(bind.url))
    return local if local is not None and local.can_take_more() else None


# --- operators (the `pazar webhooks` commands) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    delivery_id: str
    client_id: str
    url: str
    event_type: str
    object_id: str | None
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_status: int | None
    last_error: str | None


async def list_deliveries(
    session: Session, *, client_id: str | None = None, status: str | None = None, limit: int = 50
) -> list[DeliveryView]:
    """The newest deliveries first, optionally of one app and in one status."""
    stmt = select(WebhookDelivery, PartnerApp.client_id).join(
        PartnerApp, PartnerApp.id == WebhookDelivery.app_id
    )
    if client_id is not None:
        stmt = stmt.where(PartnerApp.client_id == client_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    stmt = stmt.order_by(WebhookDelivery.id.desc()).limit(limit)
    return [
        DeliveryView(
            id=d.id,
            delivery_id=d.delivery_id,
            client_id=client,
            url=d.url,
            event_type=d.event_type,
            object_id=d.object_id,
            status=d.status,
            attempts=d.attempts,
            created_at=d.created_at,
            next_attempt_at=d.next_attempt_at,
            delivered_at=d.delivered_at,
            last_status=d.last_status,
            last_error=d.last_error,
        )
        for d, client in (await session.execute(stmt)).all()
    ]


async def attempts_of(session: Session, delivery_pk: int) -> list[WebhookAttempt]:
    stmt = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_pk).order_by(WebhookAttempt.id)
    return list((await session.execute(stmt)).scalars())


def _replayed(now: datetime) -> dict[str, Any]:
    # A fresh schedule (the attempts so far stay in webhook_attempts); the same webhook-id.
    return {"status": PENDING, "attempts": 0, "next_attempt_at": now, "locked_by": None, "locked_until": None}


async def replay(session: Session, *, delivery: str, now: datetime) -> WebhookDelivery:
    """Send one delivery again (by its number or its ``webhook-id``), whatever its status."""
    condition = WebhookDelivery.delivery_id == delivery
    if delivery.isdigit():
        condition = or_(condition, WebhookDelivery.id == int(delivery))
    row = (await session.execute(select(WebhookDelivery).where(condition))).scalars().first()
    if row is None:
        raise NotFound(f"No webhook delivery {delivery}")
    for name, value in _replayed(now).items():
        setattr(row, name, value)
    session.info[RING_KEY] = True
    await session.flush()
    return row


async def replay_failed(
    session: Session, *, since: datetime, now: datetime, client_id: str | None = None
) -> int:
    """Send again every delivery that failed for good and was created at or after ``since``."""
    stmt = update(WebhookDelivery).where(
        WebhookDelivery.status == FAILED, WebhookDelivery.created_at >= since
    )
    if client_id is not None:
        app_ids = select(PartnerApp.id).where(PartnerApp.client_id == client_id).scalar_subquery()
        stmt = stmt.where(WebhookDelivery.app_id.in_(app_ids))
    result = await session.execute(stmt.values(**_replayed(now)))
    session.info[RING_KEY] = True
    return int(result.rowcount)  # type: ignore[attr-defined]
