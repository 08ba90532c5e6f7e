"""Taking an import (``PUT /autoupload/import``), and reading its status and the published ads.

``submit`` checks the whole import before anything is written, as the seed asks (one bad ad cancels
it): the rate limit, the ads themselves (through the advert core's validation, the Brasil rules
included), repeated ids and the slot limit. What passes becomes one ``ImportBatch`` with one
``ImportItem`` per ad and an ``autoupload_import`` job, in the request's transaction; the worker does
the rest (``processing``).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text

from pazar.config import Settings
from pazar.db.models import Advert, ImportBatch, ImportItem, User
from pazar.domain.brasil import (
    ITEM_PENDING,
    AdProblem,
    ImportRefused,
    ad_status,
    free_slots,
    is_final,
    is_rate_limited,
    split_by_slots,
)
from pazar.domain.commands import AdvertDraft, Contact
from pazar.domain.errors import BadRequest, FieldError, NotFound, ValidationFailed
from pazar.domain.oauth import Principal
from pazar.ports import Clock, TokenGenerator
from pazar.services import adverts, jobs
from pazar.services.autoupload.drafts import to_payload
from pazar.services.autoupload.rules import fingerprint, rules_for
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

SOURCE = "autoupload"
IMPORT_JOB = "autoupload_import"
INSERT, EDIT, DELETE = "insert", "edit", "delete"

# Request-level refusals of the advert core, reported on the field they concern.
_BAD_REQUEST_FIELDS = {
    "category_not_found": "category_id",
    "image_limit": "images",
    "image_invalid": "images",
}


@dataclass(frozen=True, slots=True)
class ImportAd:
    """One ``ad_list`` entry as the dialect read it: the partner's id, the operation, the draft."""

    ref: str | None
    operation: str  # insert | delete (anything else arrives with an error)
    draft: AdvertDraft | None = None
    category_id: int | None = None
    errors: tuple[FieldError, ...] = ()  # what was already wrong in the wire form


@dataclass(frozen=True, slots=True)
class ImportPolicy:
    enabled: bool = True
    rate_limit: int = 0
    rate_window: timedelta = timedelta(seconds=60)
    slots: int = 0
    partial: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> ImportPolicy:
        return cls(
            enabled=settings.autoupload_enabled,
            rate_limit=settings.autoupload_rate_limit,
            rate_window=timedelta(seconds=settings.autoupload_rate_window_seconds),
            slots=settings.autoupload_slots,
            partial=settings.autoupload_partial_imports,
        )


@dataclass(frozen=True, slots=True)
class Accepted:
    token: str
    sent: int  # ads in the request
    imported: int  # ads taken (all of them, unless some did not fit the slots)
    ignored: tuple[str, ...]  # ids left out for lack of slots (code -8)


async def plan_each_lookup(session: Session) -> None:
    """PostgreSQL: plan every statement of this transaction for its own parameters.

    asyncpg prepares statements, and after five runs PostgreSQL may switch to a generic plan; for
    ``external_id IN (<1000 ids>) AND user_id = ?`` the generic plan walks all of the user's adverts
    (half a second at 40,000 of them) where the real one probes an index 1000 times.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def ensure_open(policy: ImportPolicy) -> None:
    if not policy.enabled:
        raise ImportRefused(ImportRefused.DOWN)


def ensure_permitted(principal: Principal) -> None:
    """The token must act for a user and carry the ``autoupload`` scope (-6 otherwise)."""
    if principal.user_id is None or "autoupload" not in principal.scopes:
        raise ImportRefused(ImportRefused.NO_PERMISSION)


async def _recent_imports(session: Session, *, site_id: str, user_id: int, since: datetime) -> int:
    stmt = select(func.count()).where(
        ImportBatch.user_id == user_id, ImportBatch.site_id == site_id, ImportBatch.created_at >= since
    )
    return int(await session.scalar(stmt) or 0)


def _problems(
    site: SiteSnapshot, principal: Principal, ads: Sequence[ImportAd], owner_name: str, clock: Clock
) -> tuple[list[AdProblem], list[AdvertDraft | None]]:
    check = adverts.Validator(site, external_url_allowed=principal.external_url_allowed)
    brasil = rules_for(site, clock)
    repeated = {ref for ref, n in Counter(ad.ref for ad in ads if ad.ref).items() if n > 1}
    problems: list[AdProblem] = []
    drafts: list[AdvertDraft | None] = []
    for ad in ads:
        errors = list(ad.errors)
        if ad.ref in repeated:
            errors.append(FieldError("id", "The id is repeated in the import", "repeated"))
        draft = ad.draft
        if draft is not None:
            draft = dataclasses.replace(
                draft,
                contact=Contact(name=owner_name, phone=draft.contact.phone),
                external_id=ad.ref,
                extra={**draft.extra, "region_id": brasil.region_of(draft.location.zipcode or "")},
            )
            try:
                check(draft)
            except ValidationFailed as exc:
                errors += exc.errors
            except BadRequest as exc:
                errors.append(FieldError(_BAD_REQUEST_FIELDS.get(exc.code, "ad"), exc.message, exc.code))
        drafts.append(draft)
        if errors:
            problems.append(AdProblem(ad.ref or "", ad.category_id, tuple(errors)))
    return problems, drafts


async def unprocessed_batches(
    session: Session, *, site_id: str, user_id: int, before: int | None = None
) -> list[int]:
    """The user's imports the worker has not finished (few: looked up first, so the items are not scanned)."""
    stmt = select(ImportBatch.id).where(
        ImportBatch.user_id == user_id, ImportBatch.site_id == site_id, ImportBatch.processed_at.is_(None)
    )
    if before is not None:
        stmt = stmt.where(ImportBatch.id < before)
    return list((await session.execute(stmt)).scalars())


def _pending_inserts_of(batches: list[int]) -> Any:
    return select(ImportItem.ad_ref).where(
        ImportItem.batch_id.in_(batches), ImportItem.state == ITEM_PENDING, ImportItem.operation == INSERT
    )


async def _pending_inserts(session: Session, *, batches: list[int], refs: list[str]) -> set[str]:
    """Which of these ids imports still waiting for the worker will insert."""
    found: set[str] = set()
    waiting = set(batches)
    for start in range(0, len(refs), 5000) if batches else ():
        # By id, then the batch range (the (ad_ref, batch_id) index), then the exact batches here.
        stmt = select(ImportItem.ad_ref, ImportItem.batch_id).where(
            ImportItem.ad_ref.in_(refs[start : start + 5000]),
            ImportItem.batch_id >= min(batches),
            ImportItem.state == ITEM_PENDING,
            ImportItem.operation == INSERT,
        )
        found.update(ref for ref, batch in (await session.execute(stmt)).all() if batch in waiting)
    return found


async def _pending_insert_count(session: Session, *, batches: list[int]) -> int:
    if not batches:
        return 0
    pending = _pending_inserts_of(batches).subquery()
    return int(await session.scalar(select(func.count()).select_from(pending)) or 0)


async def _existing(session: Session, *, site_id: str, user_id: int, refs: list[str]) -> set[str]:
    """Ids that already name a live advert of the user (an insert of one is an edit)."""
    found: set[str] = set()
    for start in range(0, len(refs), 5000):
        chunk = refs[start : start + 5000]
        stmt = select(Advert.external_id).where(
            Advert.site_id == site_id,
            Advert.user_id == user_id,
            Advert.deleted.is_not(True),  # not "IS false": SQLite would walk the owner's listing index
            Advert.external_id.in_(chunk),
        )
        found.update(r for r in (await session.execute(stmt)).scalars() if r is not None)
    return found


async def _live_count(session: Session, *, site_id: str, user_id: int) -> int:
    stmt = select(func.count()).where(
        Advert.user_id == user_id,
        Advert.deleted.is_(False),
        Advert.site_id == site_id,
        Advert.source == SOURCE,
    )
    return int(await session.scalar(stmt) or 0)


async def submit(
    session: Session,
    *,
    site: SiteSnapshot,
    principal: Principal,
    ads: Sequence[ImportAd],
    policy: ImportPolicy,
    clock: Clock,
    tokens: TokenGenerator,
) -> Accepted:
    """Take an import, or raise ``ImportRefused`` with the seed's reason (nothing is written then)."""
    ensure_open(policy)
    ensure_permitted(principal)
    assert principal.user_id is not None
    user_id, now = principal.user_id, clock.now()
    if policy.rate_limit > 0:
        recent = await _recent_imports(
            session, site_id=site.site_id, user_id=user_id, since=now - policy.rate_window
        )
        if is_rate_limited(recent, policy.rate_limit):
            raise ImportRefused(ImportRefused.BLOCKED)
    if not ads:
        raise ImportRefused(ImportRefused.EMPTY)
    await plan_each_lookup(session)
    owner = await session.get(User, user_id)
    if owner is None:
        raise ImportRefused(ImportRefused.NO_PERMISSION)
    problems, drafts = _problems(site, principal, ads, owner.name or owner.email, clock)
    if problems:
        raise ImportRefused(ImportRefused.INVALID_ADS, problems=problems)

    refs = [ad.ref for ad in ads if ad.ref]
    existing = await _existing(session, site_id=site.site_id, user_id=user_id, refs=refs)
    waiting = await unprocessed_batches(session, site_id=site.site_id, user_id=user_id)
    pending = await _pending_inserts(session, batches=waiting, refs=refs)
    known = existing | pending
    new_refs = [ad.ref for ad in ads if ad.ref and ad.operation == INSERT and ad.ref not in known]
    if policy.slots:
        used = await _live_count(session, site_id=site.site_id, user_id=user_id)
        used += await _pending_insert_count(session, batches=waiting)
        free = free_slots(policy.slots, used)
    else:
        free = None
    admitted, ignored = split_by_slots(new_refs, free)
    if ignored and (not admitted or not policy.partial):
        raise ImportRefused(ImportRefused.NO_SLOTS, wanted=len(new_refs), free=free or 0)

    left_out = set(ignored)
    token = tokens.token()
    batch = ImportBatch(
        token=token,
        site_id=site.site_id,
        user_id=user_id,
        app_id=principal.app_id,
        total=len(ads) - len(left_out),
        created_at=now,
        processed_at=None,
    )
    session.add(batch)
    await session.flush()
    rows: list[dict[str, Any]] = []
    for ad, draft in zip(ads, drafts, strict=True):
        if ad.ref in left_out:
            continue
        operation = ad.operation
        if operation == INSERT and ad.ref in known:
            operation = EDIT
        rows.append(
            {
                "batch_id": batch.id,
                "position": len(rows),
                "ad_ref": ad.ref,
                "operation": operation,
                "state": ITEM_PENDING,
                "advert_id": None,
                "messages": [],
                "payload": to_payload(draft) if draft is not None else {},
                "processed_at": None,
            }
        )
    await session.execute(insert(cast(Table, ImportItem.__table__)), rows)
    payload = {"batch_id": batch.id, "validated": fingerprint(site, clock)}
    await jobs.enqueue(session, kind=IMPORT_JOB, payload=payload, run_at=now, now=now)
    return Accepted(token=token, sent=len(ads), imported=len(rows), ignored=tuple(ignored))


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdView:
    """One ad of an import as the status endpoint shows it."""

    ref: str
    operation: str  # insert | edit | delete
    status: str  # pending | queued | accepted | refused | error
    advert_id: int | None
    messages: list[dict[str, Any]]  # the errors or image problems, as the core names them
    category_id: int | None = None


@dataclass(frozen=True, slots=True)
class ImportView:
    done: bool
    ads: list[AdView]


async def import_status(session: Session, *, principal: Principal, token: str) -> ImportView:
    """The ads of one of the caller's imports; NotFound for a token that is not the user's."""
    stmt = select(ImportBatch.id).where(
        ImportBatch.token == token,
        ImportBatch.user_id == principal.user_id,
        ImportBatch.site_id == principal.site_id,
    )
    batch_id = await session.scalar(stmt)
    if batch_id is None:
        raise NotFound("Import not found", code="import_not_found")
    rows = await session.execute(
        select(
            ImportItem.ad_ref,
            ImportItem.operation,
            ImportItem.state,
            ImportItem.advert_id,
            ImportItem.messages,
            ImportItem.payload["category_id"].as_integer().label("category_id"),
            Advert.status,
            Advert.activated_at,
        )
        .outerjoin(Advert, Advert.id == ImportItem.advert_id)
        .where(ImportItem.batch_id == batch_id)
        .order_by(ImportItem.position)
    )
    ads = [
        AdView(
            ref=row.ad_ref,
            operation=row.operation,
            status=ad_status(
                operation=row.operation,
                item_state=row.state,
                advert_status=row.status,
                ever_active=row.activated_at is not None,
            ),
            advert_id=row.advert_id,
            messages=list(row.messages or []),
            category_id=row.category_id,
        )
        for row in rows
    ]
    return ImportView(done=all(is_final(ad.status) for ad in ads), ads=ads)


async def published(session: Session, *, principal: Principal) -> list[tuple[str, int]]:
    """The user's active imported ads: (partner id, advert id), oldest first."""
    stmt = (
        select(Advert.external_id, Advert.id)
        .where(
            Advert.site_id == principal.site_id,
            Advert.user_id == principal.user_id,
            Advert.deleted.is_(False),
            Advert.source == SOURCE,
            Advert.status == "active",
        )
        .order_by(Advert.id)
    )
    return [(ref, advert_id) for ref, advert_id in (await session.execute(stmt)).all() if ref is not None]


async def advert_page(session: Session, *, site_id: str | None, advert_id: int) -> str | None:
    """The public page path of an advert (of the site, when one is given) for ``/vi/{list_id}.htm``."""
    advert = await session.get(Advert, advert_id)
    if advert is None or (site_id is not None and advert.site_id != site_id) or advert.deleted:
        return None
    return adverts.advert_path(advert)
