"""Advert metadata (``GET /advert/v1/{uuid}/meta`` and the list used for migration).

An item shows the advert's state exactly as the last notification did (plus
``visible_in_profile``), the last operation on it (``last_action_status``: ``TO_POST``
while queued or awaiting moderation, then ``POSTED`` / ``POST_ERROR`` ...), its
``custom_fields`` and the last error. A POST that failed validation never created an
advert; its meta still answers, with ``state: null`` and the error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from pazar.db.models import Advert, AdvertOperation
from pazar.db.queries import owned_adverts
from pazar.domain import webhooks as wire
from pazar.domain.errors import NotFound
from pazar.domain.oauth import Principal
from pazar.services import adverts, webhooks
from pazar.services.realestate.operations import custom_fields
from pazar.services.runtime import Session

_DONE = {
    wire.POST: "POSTED",
    wire.PUT: "PUT",
    wire.DELETE: "DELETED",
    wire.ACTIVATE: "ACTIVATED",
    wire.DEACTIVATE: "DEACTIVATED",
}


@dataclass(frozen=True, slots=True)
class MetaItem:
    uuid: str
    advert: Advert | None
    operation: AdvertOperation | None

    def render(self, base_url: str) -> dict[str, Any]:
        op, advert = self.operation, self.advert
        error = None
        if op is not None and op.status == webhooks.OP_FAILED and op.result:
            error = op.result.get("data")
        state = None
        if advert is not None:
            state = wire.advert_state(
                status=advert.status,
                created_at=advert.created_at,
                activated_at=advert.activated_at,
                modified_at=advert.modified_at,
                valid_to=advert.valid_to,
                recorded_at=advert.modified_at,
                moderation_reason=advert.moderation_reason,
                moderation_description=advert.moderation_description,
                url=base_url.rstrip("/") + adverts.advert_path(advert),
            )
            state["visible_in_profile"] = not advert.deleted
        if advert is not None:
            extra = advert.extra
        else:
            extra = ((op.payload.get("draft") or {}).get("extra") if op is not None else None) or {}
        acted_at: datetime | None
        if op is not None:
            acted_at = op.finished_at or op.created_at
        else:
            acted_at = (advert.claimed_at or advert.modified_at) if advert is not None else None
        return {
            "uuid": self.uuid,
            "last_action_status": last_action_status(op),
            "last_action_at": wire.wire_time(acted_at, with_millis=True),
            "custom_fields": custom_fields(extra),
            "state": state,
            "last_error": error,
        }

    @property
    def transaction_id(self) -> str | None:
        return self.operation.transaction_id if self.operation is not None else None


def last_action_status(op: AdvertOperation | None) -> str:
    if op is None:
        return "IMPORTED"  # claimed from a legacy integration, no operation since
    if op.status in (webhooks.OP_PENDING, webhooks.OP_WAITING):
        return f"TO_{op.kind.upper()}"
    if op.status == webhooks.OP_FAILED:
        return f"{op.kind.upper()}_ERROR"
    return _DONE.get(op.kind, op.kind.upper())


async def _latest_operations(
    session: Session, *, app_id: int, uuids: Sequence[str]
) -> dict[str, AdvertOperation]:
    if not uuids:
        return {}
    stmt = (
        select(AdvertOperation)
        .where(AdvertOperation.object_id.in_(list(uuids)), AdvertOperation.app_id == app_id)
        .order_by(AdvertOperation.id)
    )
    return {op.object_id or "": op for op in (await session.execute(stmt)).scalars()}


async def advert_meta(session: Session, *, principal: Principal, uuid: str) -> MetaItem:
    try:
        advert: Advert | None = await adverts.get_managed(session, principal=principal, uuid=uuid)
    except NotFound:
        advert = None
    latest = (await _latest_operations(session, app_id=principal.app_id, uuids=[uuid])).get(uuid)
    if advert is None and (latest is None or latest.payload.get("user_id") != principal.user_id):
        raise NotFound("Advert not found")
    return MetaItem(uuid, advert, latest)


async def list_meta(
    session: Session, *, principal: Principal, offset: int, limit: int
) -> tuple[list[MetaItem], int]:
    """The app's live adverts of the token's user, oldest first (stable pages), and how many there are."""
    scope = owned_adverts(
        site_id=principal.site_id, user_id=adverts.owner_of(principal), app_id=principal.app_id
    )
    total = int(await session.scalar(select(func.count()).select_from(scope.subquery())) or 0)
    page = list((await session.execute(scope.order_by(Advert.id).offset(offset).limit(limit))).scalars())
    latest = await _latest_operations(session, app_id=principal.app_id, uuids=[a.uuid for a in page])
    return [MetaItem(a.uuid, a, latest.get(a.uuid)) for a in page], total
