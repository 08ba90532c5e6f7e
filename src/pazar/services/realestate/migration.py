"""Migrating a legacy integration (seed 000): ``import=1`` on the authorization page claims the user's adverts.

Claimed are exactly the user's **active** adverts that a legacy bulk integration posted
(``services.adverts.LEGACY_SOURCES``) and no app claimed before; manual adverts and
inactive ones stay where they are. Each claimed advert gets a new uuid, which becomes its
``external_id`` (the RE API addresses it by that uuid); the old external id moves to
``custom_fields.id`` (and ``extra.legacy_external_id``), and the app manages the advert
from now on. Once claimed, the legacy import can no longer change it
(``services.adverts.ensure_writable_by``), so a legacy re-send cannot duplicate it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from pazar.db.models import Advert, PartnerApp, User
from pazar.domain.lifecycle import Status
from pazar.services import adverts
from pazar.services.runtime import Runtime, Session

IMPORT_PARAM = "import"


async def claim_legacy_adverts(
    session: Session, *, app: PartnerApp, user: User, now: datetime
) -> list[Advert]:
    stmt = (
        select(Advert)
        .where(
            Advert.site_id == app.site_id,
            Advert.user_id == user.id,
            Advert.source.in_(sorted(adverts.LEGACY_SOURCES)),
            Advert.status == Status.ACTIVE.value,
            Advert.deleted.is_(False),
            Advert.claimed_at.is_(None),
        )
        .order_by(Advert.id)
        .with_for_update()
    )
    claimed = list((await session.execute(stmt)).scalars())
    for advert in claimed:
        new_uuid = str(uuid.uuid4())
        previous = dict(advert.extra or {})
        fields = dict(previous.get("custom_fields") or {})
        fields.update(id=advert.external_id, reference_id=fields.get("reference_id"))
        advert.extra = {**previous, "custom_fields": fields, adverts.LEGACY_ID_KEY: advert.external_id}
        advert.uuid = new_uuid
        advert.external_id = new_uuid
        advert.app_id = app.id
        advert.claimed_at = now
    await session.flush()
    return claimed


async def after_consent(
    session: Session, app: PartnerApp, user: User, values: dict[str, str | None], runtime: Runtime
) -> None:
    """The RE authorization page's hook: with ``import=1``, claim in the consent's transaction."""
    if (values.get(IMPORT_PARAM) or "").strip().lower() in ("1", "true"):
        await claim_legacy_adverts(session, app=app, user=user, now=runtime.clock.now())
