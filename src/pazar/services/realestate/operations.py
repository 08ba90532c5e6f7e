"""RE asynchronous operations: accepted at once with a ``transaction_id``, applied by the worker.

``submit`` checks what can be known at once (the advert exists and is the app's, no other
operation on it is still queued, the transition table allows the action), writes an
``AdvertOperation`` and an ``re_operation`` job in the caller's transaction, and returns.
``run`` (the job) applies it through the same use cases every dialect uses and reports
the outcome as a ``publish_advert`` notification with the operation's ``transaction_id``:

* PUT, DELETE, deactivate: ``advert_put_success`` ... at once, or ``*_error`` with
  ``{title, detail, validation}`` when the core refuses it;
* POST and activate go through moderation (the advert is ``new`` meanwhile): the
  verdict settles them (``services.webhooks.on_events``): ``advert_posted_success`` when
  the advert becomes active, ``advert_posted_error`` when it is refused; validation
  failures are ``advert_posted_error`` at once and no advert exists.

DELETE of an active advert takes it down first (deactivate, then delete): the RE
platform allows it, and both steps are in the one transition table.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from pazar.db.models import Advert, AdvertOperation, PartnerApp
from pazar.domain import webhooks as wire
from pazar.domain.commands import AdvertCommand, AdvertDraft, CreateAdvert, UpdateAdvert
from pazar.domain.errors import Conflict, DomainError, NotFound
from pazar.domain.lifecycle import Action, Status, can
from pazar.domain.oauth import Principal
from pazar.domain.realestate import RE_SCOPES
from pazar.ports import Clock
from pazar.services import adverts, jobs, moderation, webhooks
from pazar.services.realestate import drafts
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Runtime, Session

RE_OPERATION_JOB = "re_operation"
SOURCE = "re_v1"
_ACTIONS = {
    wire.PUT: Action.UPDATE,
    wire.DELETE: Action.DELETE,
    wire.ACTIVATE: Action.ACTIVATE,
    wire.DEACTIVATE: Action.DEACTIVATE,
}
ILLEGAL = "Illegal status change"


def custom_fields(extra: dict[str, Any] | None) -> dict[str, Any]:
    fields = dict((extra or {}).get("custom_fields") or {})
    return {"id": fields.get("id"), "reference_id": fields.get("reference_id"), **fields}


async def submit_post(
    session: Session, *, principal: Principal, draft: AdvertDraft, clock: Clock
) -> AdvertOperation:
    """Accept a POST: the advert's uuid is announced now; the advert exists once the worker ran."""
    return await _queue(
        session,
        principal=principal,
        kind=wire.POST,
        object_id=str(uuid.uuid4()),
        draft=draft,
        now=clock.now(),
    )


async def submit(
    session: Session,
    *,
    principal: Principal,
    kind: str,
    object_id: str,
    draft: AdvertDraft | None = None,
    clock: Clock,
) -> tuple[AdvertOperation, Advert]:
    """Accept a PUT, DELETE, activate or deactivate of one of the app's adverts."""
    try:
        advert = await adverts.get_managed(session, principal=principal, uuid=object_id)
    except NotFound:
        if await _queued(session, object_id):
            raise _busy() from None
        raise
    if await _queued(session, object_id):
        raise _busy()
    status = Status(advert.status)
    allowed = can(_ACTIONS[kind], status) or (kind == wire.DELETE and status == Status.ACTIVE)
    if not allowed:
        raise Conflict(
            f"{ILLEGAL}: {kind} is not possible for an advert in status {wire.wire_code(status)}",
            code="illegal_status_change",
        )
    operation = await _queue(
        session, principal=principal, kind=kind, object_id=object_id, draft=draft, now=clock.now()
    )
    operation.advert_id = advert.id
    return operation, advert


def _busy() -> Conflict:
    return Conflict(
        f"{ILLEGAL}: a previous operation on this advert is still being processed", code="operation_pending"
    )


async def _queued(session: Session, object_id: str) -> bool:
    count = await session.scalar(
        select(func.count()).where(
            AdvertOperation.object_id == object_id, AdvertOperation.status == webhooks.OP_PENDING
        )
    )
    return bool(count)


async def _queue(
    session: Session,
    *,
    principal: Principal,
    kind: str,
    object_id: str,
    draft: AdvertDraft | None,
    now: datetime,
) -> AdvertOperation:
    operation = AdvertOperation(
        transaction_id=str(uuid.uuid4()),
        object_id=object_id,
        advert_id=None,
        app_id=principal.app_id,
        kind=kind,
        status=webhooks.OP_PENDING,
        payload={"user_id": principal.user_id, "draft": drafts.to_json(draft) if draft is not None else None},
        result=None,
        created_at=now,
        finished_at=None,
    )
    session.add(operation)
    await session.flush()
    await jobs.enqueue(
        session, kind=RE_OPERATION_JOB, payload={"operation_id": operation.id}, run_at=now, now=now
    )
    return operation


# --- the worker's side -----------------------------------------------------------------------------


async def run(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    """The ``re_operation`` job: apply the operation, record and notify its outcome."""
    stmt = select(AdvertOperation).where(AdvertOperation.id == int(payload["operation_id"])).with_for_update()
    operation = (await session.execute(stmt)).scalar_one_or_none()
    if operation is None or operation.status != webhooks.OP_PENDING:
        return
    app = await session.get(PartnerApp, operation.app_id)
    if app is None:
        return
    principal = Principal(
        app_id=app.id,
        client_id=app.client_id,
        site_id=app.site_id,
        scopes=frozenset(RE_SCOPES),
        user_id=int(operation.payload["user_id"]),
        external_url_allowed=app.allow_external_url,
    )
    site = await runtime.reference.get(session, app.site_id)
    raw = operation.payload.get("draft")
    draft = drafts.from_json(raw) if raw else None
    # While the operation runs, the events it causes send nothing: the operation reports its outcome.
    session.info[webhooks.OPERATION_KEY] = operation
    # Moderation without delay is part of the operation (no `moderate` job is queued for it).
    immediate = operation.kind in wire.AWAITS_MODERATION and _immediate(site, runtime)
    try:
        advert = await _apply(
            session,
            operation,
            site=site,
            principal=principal,
            draft=draft,
            runtime=runtime,
            moderate_now=immediate,
        )
        if immediate and advert.status == Status.NEW:
            # The advert is this transaction's own (written or locked by `_apply`).
            await moderation.moderate_held(
                session, advert=advert, site_for=runtime.reference.get, clock=runtime.clock
            )
    except DomainError as exc:
        session.info.pop(webhooks.OPERATION_KEY, None)
        await _conclude(
            session, operation, app=app, ok=False, data=drafts.failure_of(exc), now=runtime.clock.now()
        )
        return
    finally:
        session.info.pop(webhooks.OPERATION_KEY, None)
    operation.advert_id = advert.id
    now = runtime.clock.now()
    status = Status(advert.status)
    if operation.kind not in wire.AWAITS_MODERATION or status == Status.ACTIVE:
        await _conclude(
            session, operation, app=app, ok=True, data=webhooks.state_of(advert, recorded_at=now), now=now
        )
    elif status == Status.NEW:
        operation.status = webhooks.OP_WAITING  # the verdict settles it later (`webhooks.on_events`)
    elif status in _REFUSED:
        detail = advert.moderation_description or advert.moderation_reason or "Not published"
        await _conclude(
            session,
            operation,
            app=app,
            ok=False,
            data=wire.failure(webhooks.MODERATION_TITLE, detail),
            now=now,
        )
    else:  # e.g. over the free limit: created, not published
        data = wire.failure("Advert not published", f"The advert is {wire.wire_code(advert.status)}")
        await _conclude(session, operation, app=app, ok=False, data=data, now=now)


_REFUSED = frozenset({Status.MODERATED, Status.BLOCKED, Status.REMOVED_BY_MODERATOR, Status.DISABLED})


def _immediate(site: SiteSnapshot, runtime: Runtime) -> bool:
    return adverts.moderation_delay(site, runtime.settings.moderation_delay_seconds).total_seconds() == 0


async def _conclude(
    session: Session,
    operation: AdvertOperation,
    *,
    app: PartnerApp,
    ok: bool,
    data: dict[str, Any],
    now: datetime,
) -> None:
    event_type = wire.outcome_event(operation.kind, ok=ok)
    webhooks.settle(operation, ok=ok, event_type=event_type, data=data, now=now)
    await webhooks.notify(
        session,
        app=app,
        object_id=operation.object_id or "",
        transaction_id=operation.transaction_id,
        flow=wire.FLOW_PUBLISH,
        event_type=event_type,
        data=data,
        event_at=now,
        now=now,
    )


async def _apply(
    session: Session,
    operation: AdvertOperation,
    *,
    site: SiteSnapshot,
    principal: Principal,
    draft: AdvertDraft | None,
    runtime: Runtime,
    moderate_now: bool,
) -> Advert:
    clock = runtime.clock
    delay = adverts.moderation_delay(site, runtime.settings.moderation_delay_seconds)
    object_id = operation.object_id or ""
    if operation.kind == wire.POST:
        assert draft is not None
        located = replace(drafts.locate(site, draft), external_id=object_id)
        return await adverts.create_advert(
            session,
            site=site,
            principal=principal,
            command=CreateAdvert(draft=located, source=SOURCE, uuid=object_id),
            clock=clock,
            moderation_delay=delay,
            schedule_moderation=not moderate_now,
        )
    advert = await adverts.get_managed(session, principal=principal, uuid=object_id, for_update=True)
    if operation.kind == wire.PUT:
        assert draft is not None
        located = replace(
            drafts.locate(site, draft), external_id=advert.uuid, extra=_kept_extra(advert, draft)
        )
        return await adverts.update_advert(
            session,
            site=site,
            principal=principal,
            command=UpdateAdvert(advert_id=advert.id, draft=located),
            clock=clock,
            moderation_delay=delay,
        )
    if operation.kind == wire.DELETE:
        if advert.status == Status.ACTIVE and not advert.deleted:
            await _command(session, site, principal, advert, Action.DEACTIVATE, runtime)
        return await adverts.delete_advert(session, principal=principal, advert_id=advert.id, clock=clock)
    action = _ACTIONS[operation.kind]
    return await _command(session, site, principal, advert, action, runtime, moderate_now=moderate_now)


async def _command(
    session: Session,
    site: SiteSnapshot,
    principal: Principal,
    advert: Advert,
    action: Action,
    runtime: Runtime,
    *,
    moderate_now: bool = False,
) -> Advert:
    return await adverts.apply_command(
        session,
        site=site,
        principal=principal,
        # RE deactivations do not say whether the property was sold: recorded as not sold through us.
        command=AdvertCommand(
            advert_id=advert.id, action=action, is_success=False if action == Action.DEACTIVATE else None
        ),
        clock=runtime.clock,
        moderation_delay=adverts.moderation_delay(site, runtime.settings.moderation_delay_seconds),
        schedule_moderation=not moderate_now,
    )


def _kept_extra(advert: Advert, draft: AdvertDraft) -> dict[str, Any]:
    """A PUT replaces the payload; custom fields it leaves out, and the legacy id, are kept."""
    extra = dict(draft.extra)
    previous = advert.extra or {}
    if "custom_fields" not in extra and previous.get("custom_fields"):
        extra["custom_fields"] = previous["custom_fields"]
    if adverts.LEGACY_ID_KEY in previous:
        extra[adverts.LEGACY_ID_KEY] = previous[adverts.LEGACY_ID_KEY]
    return extra
