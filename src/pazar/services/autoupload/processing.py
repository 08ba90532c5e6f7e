"""The worker's side of an import: each batch through the advert core, then images and review.

``process_batch`` (job ``autoupload_import``) turns the pending items of one import into advert
writes with the core's bulk use cases (the same validation, statuses, events and jobs as Partner
API v2): an insert of a new id creates an advert, of an existing one updates it (the item's operation
becomes ``edit``), a delete takes the advert down. Everything a batch does commits with the job, so
a worker killed half-way leaves no trace and the next one does it all; items already processed are
skipped, so running a job twice changes nothing.

Then each written ad waits for its images (job ``autoupload_images``, see ``images``) and for
moderation (job ``autoupload_review``: the core's moderation of those adverts, after which the item
is ``reviewed`` and its advert's status is the outcome the status endpoint shows).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update

from pazar.db.models import ImportBatch, ImportItem, StoredImage
from pazar.domain.brasil import ITEM_ERROR, ITEM_PENDING, ITEM_PROCESSED, ITEM_REVIEWED
from pazar.domain.commands import CreateAdvert, UpdateAdvert
from pazar.domain.errors import DomainError, ValidationFailed
from pazar.domain.oauth import Principal
from pazar.services import adverts, jobs, moderation
from pazar.services.autoupload.drafts import from_payload
from pazar.services.autoupload.imports import (
    DELETE,
    EDIT,
    IMPORT_JOB,
    INSERT,
    SOURCE,
    plan_each_lookup,
    unprocessed_batches,
)
from pazar.services.autoupload.rules import fingerprint
from pazar.services.runtime import Runtime, Session

IMAGES_JOB = "autoupload_images"
REVIEW_JOB = "autoupload_review"
# An import whose ids an earlier, unfinished import of the same user also carries waits for it, so a
# user's imports apply in the order they were sent; after this many turns it goes ahead regardless.
WAIT_STEP = timedelta(seconds=1)
MAX_WAITS = 600


def messages_of(error: DomainError) -> list[dict[str, Any]]:
    """An item's error as stored: the core's field errors (the dialect names them on the wire)."""
    if isinstance(error, ValidationFailed):
        return [{"field": e.field, "code": e.code} for e in error.errors]
    return [{"field": "ad", "code": error.code}]


def _principal(batch: ImportBatch) -> Principal:
    assert batch.app_id is not None
    return Principal(
        app_id=batch.app_id,
        client_id="",
        site_id=batch.site_id,
        scopes=frozenset({"autoupload"}),
        user_id=batch.user_id,
    )


async def _must_wait(session: Session, batch: ImportBatch, refs: list[str]) -> bool:
    earlier = await unprocessed_batches(
        session, site_id=batch.site_id, user_id=batch.user_id, before=batch.id
    )
    if not earlier:
        return False
    waiting = set(earlier)
    for start in range(0, len(refs), 5000):
        stmt = select(ImportItem.batch_id).where(
            ImportItem.ad_ref.in_(refs[start : start + 5000]),
            ImportItem.batch_id >= min(earlier),
            ImportItem.batch_id < batch.id,
            ImportItem.state == ITEM_PENDING,
        )
        if waiting.intersection((await session.execute(stmt)).scalars()):
            return True
    return False


async def process_batch(
    session: Session, *, batch_id: int, waited: int, runtime: Runtime, validated: str | None = None
) -> None:
    """``validated``: the fingerprint of the site data the import validated its ads against."""
    now = runtime.clock.now()
    await plan_each_lookup(session)
    batch = await session.get(ImportBatch, batch_id, with_for_update=True)
    if batch is None or batch.processed_at is not None:
        return
    stmt = (
        select(ImportItem.id, ImportItem.ad_ref, ImportItem.operation, ImportItem.payload)
        .where(ImportItem.batch_id == batch_id, ImportItem.state == ITEM_PENDING)
        .order_by(ImportItem.position)
    )
    items = (await session.execute(stmt)).all()
    refs = [item.ad_ref for item in items]
    if waited < MAX_WAITS and await _must_wait(session, batch, refs):
        await jobs.enqueue(
            session,
            kind=IMPORT_JOB,
            payload={"batch_id": batch_id, "waited": waited + 1, "validated": validated},
            run_at=now + WAIT_STEP,
            now=now,
        )
        return

    site = await runtime.reference.get(session, batch.site_id)
    principal = _principal(batch)
    found = await adverts.find_many_for_legacy_write(
        session, site_id=batch.site_id, user_id=batch.user_id, external_ids=refs, source=SOURCE
    )
    creates: list[tuple[int, CreateAdvert]] = []
    updates: list[tuple[int, UpdateAdvert]] = []
    deletes: list[tuple[int, int]] = []
    done: dict[int, dict[str, Any]] = {}  # item id -> its new columns
    images: dict[int, tuple[str, ...]] = {}
    for item in items:
        target = found.get(item.ad_ref)
        if isinstance(target, DomainError):
            done[item.id] = {
                "state": ITEM_ERROR,
                "messages": messages_of(target),
                "operation": item.operation,
            }
            continue
        if item.operation == DELETE:
            if target is None:
                not_found = [{"field": "id", "code": "not_found"}]
                done[item.id] = {"state": ITEM_ERROR, "messages": not_found, "operation": DELETE}
            else:
                deletes.append((item.id, target.id))
            continue
        draft = from_payload(item.payload)
        if draft.images:  # the images job finds out whether a later import replaced this one
            draft = dataclasses.replace(draft, extra={**draft.extra, "import_item": item.id})
            images[item.id] = draft.images
        if target is None:
            creates.append((item.id, CreateAdvert(draft=draft, source=SOURCE)))
        else:
            updates.append((item.id, UpdateAdvert(advert_id=target.id, draft=draft)))

    delay = adverts.moderation_delay(site, runtime.settings.moderation_delay_seconds)
    # Checked when the import was taken; again only if the site's rules changed since.
    unchanged = validated is not None and validated == fingerprint(site, runtime.clock)
    # Moderation comes as one review job for the batch (_schedule_followups), not a job per advert.
    writing: dict[str, Any] = {
        "site": site,
        "principal": principal,
        "clock": runtime.clock,
        "moderation_delay": delay,
        "schedule_moderation": False,
        "validated": unchanged,
    }
    for operation, writes, results in (
        (
            INSERT,
            creates,
            await adverts.create_adverts(session, commands=[c for _, c in creates], **writing),
        ),
        (
            EDIT,
            updates,
            await adverts.update_adverts(session, commands=[c for _, c in updates], **writing),
        ),
        (
            DELETE,
            deletes,
            await adverts.delete_adverts(
                session,
                principal=principal,
                advert_ids=[a for _, a in deletes],
                clock=runtime.clock,
                deactivate_active=True,
            ),
        ),
    ):
        for (item_id, _), result in zip(writes, results, strict=True):
            if isinstance(result, DomainError):
                done[item_id] = {"state": ITEM_ERROR, "messages": messages_of(result), "operation": operation}
            else:
                state = ITEM_REVIEWED if operation == DELETE else ITEM_PROCESSED
                done[item_id] = {"state": state, "advert_id": result, "operation": operation}

    # Stored images nothing points at any more: of deleted adverts, and of edits that dropped every image.
    unused = [
        change["advert_id"]
        for item_id, change in done.items()
        if "advert_id" in change
        and (change["operation"] == DELETE or (change["operation"] == EDIT and item_id not in images))
    ]
    if unused:
        await session.execute(delete(StoredImage).where(StoredImage.advert_id.in_(unused)))
    await _settle_items(session, done, now=now)
    await _schedule_followups(session, done, images, now=now, review_at=now + delay)
    batch.processed_at = now


async def _settle_items(session: Session, done: dict[int, dict[str, Any]], *, now: datetime) -> None:
    rows = [
        {
            "item_id": item_id,
            "state": change["state"],
            "operation": change["operation"],
            "advert_id": change.get("advert_id"),
            "messages": change.get("messages", []),
            "processed_at": now,
        }
        for item_id, change in done.items()
    ]
    if rows:
        table = cast(Table, ImportItem.__table__)
        statement = (
            update(table)
            .where(table.c.id == bindparam("item_id"))
            .values({name: bindparam(name) for name in rows[0] if name != "item_id"})
        )
        await session.execute(statement, rows)


async def _schedule_followups(
    session: Session,
    done: dict[int, dict[str, Any]],
    images: dict[int, tuple[str, ...]],
    *,
    now: datetime,
    review_at: datetime,
) -> None:
    review_items: list[int] = []
    review_adverts: list[int] = []
    for item_id, change in done.items():
        if change["state"] != ITEM_PROCESSED:
            continue
        urls = images.get(item_id, ())
        if urls:
            await jobs.enqueue(
                session,
                kind=IMAGES_JOB,
                payload={"item_id": item_id, "advert_id": change["advert_id"], "urls": list(urls)},
                run_at=now,
                now=now,
            )
        else:
            review_items.append(item_id)
            review_adverts.append(change["advert_id"])
    await schedule_review(
        session, item_ids=review_items, advert_ids=review_adverts, run_at=review_at, now=now
    )


async def schedule_review(
    session: Session, *, item_ids: list[int], advert_ids: list[int], run_at: datetime, now: datetime
) -> None:
    if item_ids:
        await jobs.enqueue(
            session,
            kind=REVIEW_JOB,
            payload={"item_ids": item_ids, "advert_ids": advert_ids},
            run_at=max(run_at, now),
            now=now,
        )


async def review(session: Session, *, item_ids: list[int], advert_ids: list[int], runtime: Runtime) -> None:
    """The core's moderation of the adverts, then the items are ``reviewed`` (their outcome is final)."""
    await moderation.run_moderation_batch(
        session, advert_ids=advert_ids, site_for=runtime.reference.get, clock=runtime.clock
    )
    await session.execute(
        update(ImportItem)
        .where(ImportItem.id.in_(item_ids), ImportItem.state == ITEM_PROCESSED)
        .values(state=ITEM_REVIEWED)
    )
