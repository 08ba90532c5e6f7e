"""The worker's handlers for the Autoupload jobs (registered in ``pazar.worker.HANDLERS``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pazar.services.autoupload import images, processing
from pazar.services.autoupload.imports import IMPORT_JOB
from pazar.services.runtime import Runtime, Session

Handler = Callable[[Session, dict[str, Any], Runtime], Awaitable[None]]


async def _import(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    await processing.process_batch(
        session,
        batch_id=int(payload["batch_id"]),
        waited=int(payload.get("waited", 0)),
        runtime=runtime,
        validated=payload.get("validated"),
    )


async def _images(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    await images.fetch_images(
        session,
        item_id=int(payload["item_id"]),
        advert_id=int(payload["advert_id"]),
        urls=[str(u) for u in payload["urls"]],
        runtime=runtime,
    )


async def _review(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    await processing.review(
        session,
        item_ids=[int(i) for i in payload["item_ids"]],
        advert_ids=[int(i) for i in payload["advert_ids"]],
        runtime=runtime,
    )


HANDLERS: dict[str, Handler] = {
    IMPORT_JOB: _import,
    processing.IMAGES_JOB: _images,
    processing.REVIEW_JOB: _review,
}
