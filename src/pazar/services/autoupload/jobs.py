"""The worker's handlers for the Autoupload jobs (listed by ``pazar.wiring``)."""

from __future__ import annotations

from typing import Any

from pazar.services.autoupload import images, processing
from pazar.services.runtime import Runtime, Session


async def run_import(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    await processing.process_batch(
        session,
        batch_id=int(payload["batch_id"]),
        waited=int(payload.get("waited", 0)),
        runtime=runtime,
        validated=payload.get("validated"),
    )


async def fetch_images(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    await images.fetch_images(
        session,
        item_id=int(payload["item_id"]),
        advert_id=int(payload["advert_id"]),
        urls=[str(u) for u in payload["urls"]],
        runtime=runtime,
    )


async def review(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    await processing.review(
        session,
        item_ids=[int(i) for i in payload["item_ids"]],
        advert_ids=[int(i) for i in payload["advert_ids"]],
        runtime=runtime,
    )
