"""Advert events and the bus they travel on.

Every advert use case, for one advert or many, ends by handing its events to ``publish``: the one
place that writes event rows (one executemany for the whole batch, in the use case's transaction)
and passes them to the subscribers. Subscribers are registered by the composition root
(``pazar.wiring``), not imported here: webhooks fan out from this bus, and nothing in this module
knows they exist. A subscriber runs in the same transaction, so what it writes (a webhook delivery,
an operation's outcome) commits or rolls back with the change that caused it: the outbox pattern.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert

from pazar.db.models import Advert, AdvertEvent
from pazar.domain.events import EventType
from pazar.services.runtime import Session

EVENTS = cast(Table, AdvertEvent.__table__)


@dataclass(frozen=True, slots=True)
class AdvertChanged:
    """One event of one advert, as the bus carries it (``payload['status']``: the status it left)."""

    advert_id: int
    app_id: int | None
    site_id: str
    type: EventType
    occurred_at: datetime
    payload: dict[str, Any]

    @property
    def status(self) -> str:
        return str(self.payload["status"])

    @property
    def previous_status(self) -> str | None:
        previous = self.payload.get("previous_status")
        return None if previous is None else str(previous)

    def row(self) -> dict[str, Any]:
        return {
            "advert_id": self.advert_id,
            "type": self.type.value,
            "occurred_at": self.occurred_at,
            "payload": self.payload,
        }


Subscriber = Callable[[Session, Sequence[AdvertChanged]], Awaitable[None]]
_SUBSCRIBERS: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Called by the composition root; a subscriber registered twice still hears each event once."""
    if subscriber not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(subscriber)


def changed(
    advert_id: int,
    type: EventType,
    *,
    app_id: int | None,
    site_id: str,
    status: str,
    now: datetime,
    **payload: Any,
) -> AdvertChanged:
    """An event of an advert that is now in ``status`` (the row a batch has in hand)."""
    return AdvertChanged(
        advert_id=advert_id,
        app_id=app_id,
        site_id=site_id,
        type=type,
        occurred_at=now,
        payload={"status": status, "site": site_id, **payload},
    )


def of(advert: Advert, type: EventType, *, now: datetime, **payload: Any) -> AdvertChanged:
    """An event of an advert in its present state."""
    return changed(
        advert.id,
        type,
        app_id=advert.app_id,
        site_id=advert.site_id,
        status=advert.status,
        now=now,
        **payload,
    )


async def publish(session: Session, events: Sequence[AdvertChanged]) -> None:
    """Write the events' rows and hand them to every subscriber, in the caller's transaction."""
    if not events:
        return
    await session.execute(insert(EVENTS), [event.row() for event in events])
    for subscriber in _SUBSCRIBERS:
        await subscriber(session, events)
