"""The worker's handlers for the moderation and expiry jobs (listed by ``pazar.wiring``)."""

from __future__ import annotations

from typing import Any

from pazar.services import moderation
from pazar.services.runtime import Runtime, Session


async def moderate(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    if "advert_ids" in payload:  # a bulk write's adverts, moderated together
        await moderation.run_moderation_batch(
            session,
            advert_ids=[int(i) for i in payload["advert_ids"]],
            site_for=runtime.reference.get,
            clock=runtime.clock,
        )
        return
    await moderation.run_moderation(
        session, advert_id=int(payload["advert_id"]), site_for=runtime.reference.get, clock=runtime.clock
    )


async def expire(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    if "advert_ids" in payload:
        ids = [int(i) for i in payload["advert_ids"]]
        await moderation.run_expiry_batch(session, advert_ids=ids, clock=runtime.clock)
        return
    await moderation.run_expiry(session, advert_id=int(payload["advert_id"]), clock=runtime.clock)
