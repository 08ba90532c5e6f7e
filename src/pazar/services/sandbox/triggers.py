"""``webhooks trigger``: a real, signed notification of a chosen type about one of an app's adverts.

As ``stripe trigger`` does: an integrator exercises its webhook handler with a delivery that is
exactly what the RE platform would send (the seed 004 envelope, the advert's present state or a
failure body, the app's signatures), without making the marketplace do the thing. The delivery goes
through the outbox and the delivery engine like any other, so it is listed, retried and replayable.
"""

from __future__ import annotations

import uuid
from typing import Final

from pazar.db.models import Advert, PartnerApp, WebhookDelivery
from pazar.domain import webhooks as wire
from pazar.domain.errors import BadRequest, NotFound
from pazar.services import webhooks
from pazar.services.runtime import Runtime, Session
from pazar.services.sandbox.moderation_control import find_advert_id

TRIGGERABLE: Final = tuple(
    sorted(
        {wire.outcome_event(kind, ok=ok) for kind in wire.OPERATION_KINDS for ok in (True, False)}
        | {wire.STATE_CHANGED}
    )
)
TRIGGERED_DETAIL: Final = "Sent by the sandbox (POST /_pazar/v1/webhooks/trigger)"


async def trigger(session: Session, *, runtime: Runtime, ref: str, event_type: str) -> WebhookDelivery:
    if event_type not in TRIGGERABLE:
        raise BadRequest(f"event_type must be one of {', '.join(TRIGGERABLE)}", code="invalid_event_type")
    advert = await session.get(Advert, await find_advert_id(session, ref))
    if advert is None:
        raise NotFound("Advert not found")
    app = await session.get(PartnerApp, advert.app_id) if advert.app_id is not None else None
    if app is None or not app.webhook_url:
        raise BadRequest("The advert's partner app has no callback URL to notify", code="no_callback")
    now = runtime.clock.now()
    failed = event_type.endswith("_error")
    data = (
        wire.failure(webhooks.MODERATION_TITLE, TRIGGERED_DETAIL)
        if failed
        else webhooks.state_of(advert, recorded_at=now)
    )
    delivery = await webhooks.notify(
        session,
        app=app,
        object_id=advert.uuid,
        transaction_id=str(uuid.uuid4()),
        flow=wire.FLOW_LIFECYCLE if event_type == wire.STATE_CHANGED else wire.FLOW_PUBLISH,
        event_type=event_type,
        data=data,
        event_at=now,
        now=now,
    )
    assert delivery is not None  # the app has a callback URL
    await session.flush()
    return delivery
