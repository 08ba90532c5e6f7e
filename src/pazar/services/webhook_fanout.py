"""The advert event bus's webhook subscriber: advert events become notifications of their app.

Registered by the composition root (``pazar.wiring``); no use case imports it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from pazar.db.models import Advert, PartnerApp
from pazar.db.queries import app_has_callback
from pazar.domain import webhooks as wire
from pazar.services.events import AdvertChanged
from pazar.services.runtime import Session
from pazar.services.webhooks import (
    MODERATION_TITLE,
    OPERATION_KEY,
    notify,
    settle,
    state_of,
    waiting_operation,
)


async def on_events(session: Session, events: Sequence[AdvertChanged]) -> None:
    """The bus's webhook subscriber: fan each advert event out to its app's callback URL, and settle
    the operation a verdict ends (``meta`` shows its outcome whether or not the app has a callback URL).

    Events raised inside an RE operation are answered by the operation itself (``OPERATION_KEY``).
    """
    if session.info.get(OPERATION_KEY) is not None:
        return
    heard: list[AdvertChanged] = []
    for change in events:
        if change.app_id is None:
            continue
        # Most events of most apps go nowhere: one column tells, before any advert is loaded.
        if change.type.value in wire.VERDICTS or await app_has_callback(session, change.app_id):
            heard.append(change)
    if not heard:
        return
    # The adverts as the batch left them (a Core UPDATE may have changed rows this session holds);
    # flushed first, so reading them back cannot undo a change still pending in the session.
    await session.flush()
    stmt = (
        select(Advert)
        .where(Advert.id.in_({change.advert_id for change in heard}))
        .execution_options(populate_existing=True)
    )
    found = {advert.id: advert for advert in (await session.execute(stmt)).scalars()}
    for change in heard:
        advert = found.get(change.advert_id)
        app = await session.get(PartnerApp, change.app_id)
        if advert is not None and app is not None:
            await _fan_out(session, app=app, advert=advert, event=change)


async def _fan_out(session: Session, *, app: PartnerApp, advert: Advert, event: AdvertChanged) -> None:
    verdict = event.type.value in wire.VERDICTS
    waiting = await waiting_operation(session, advert.id) if verdict else None
    notice = wire.after_event(
        event_type=event.type.value,
        previous_status=event.previous_status,
        status=event.status,
        waiting_kind=waiting.kind if waiting is not None else None,
    )
    if notice is None:
        return
    if notice.ok:
        data = state_of(advert, recorded_at=event.occurred_at)
    else:
        data = wire.failure(
            MODERATION_TITLE, advert.moderation_description or advert.moderation_reason or "Not published"
        )
    transaction_id = str(uuid.uuid4())
    if notice.settles and waiting is not None:
        transaction_id = waiting.transaction_id
        settle(waiting, ok=notice.ok, event_type=notice.event_type, data=data, now=event.occurred_at)
    await notify(
        session,
        app=app,
        object_id=advert.uuid,
        transaction_id=transaction_id,
        flow=notice.flow,
        event_type=notice.event_type,
        data=data,
        event_at=event.occurred_at,
        now=event.occurred_at,
    )
