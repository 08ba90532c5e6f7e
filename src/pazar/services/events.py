"""Advert events: one row per status change or edit, written with the change itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pazar.db.models import Advert, AdvertEvent
from pazar.domain.events import EventType
from pazar.services import webhooks
from pazar.services.runtime import Session


async def record(
    session: Session, *, advert: Advert, type: EventType, now: datetime, **payload: Any
) -> AdvertEvent:
    event = AdvertEvent(
        advert_id=advert.id,
        type=type.value,
        occurred_at=now,
        payload={"status": advert.status, "site": advert.site_id, **payload},
    )
    session.add(event)
    # The outbox: the advert's app hears of it through a webhook delivery written in this transaction.
    await webhooks.on_event(session, advert=advert, event=event)
    return event
