"""The free-slot rule: which changes take a slot, and the check (under the user's lock) that one is free."""

from __future__ import annotations

from datetime import datetime

from pazar.domain.errors import (
    BadRequest,
)
from pazar.domain.lifecycle import Status
from pazar.services.adverts.rules import is_paid_only
from pazar.services.commerce import slots
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

# Statuses that occupy one of the user's free slots in a category.
SLOT_STATUSES = (Status.NEW.value, Status.ACTIVE.value)


def takes_a_slot(*, before: tuple[str, int] | None, after: tuple[str, int]) -> bool:
    """Whether a change (status, root category) -> (status, root category) makes an advert occupy a
    free slot it did not occupy: it enters a slot status, or moves to another root category in one."""
    status, root = after
    if status not in SLOT_STATUSES:
        return False
    return before is None or before[0] not in SLOT_STATUSES or before[1] != root


async def ensure_free_slot(
    session: Session,
    site: SiteSnapshot,
    *,
    user_id: int,
    root_category_id: int,
    advert_id: int,
    now: datetime,
) -> None:
    """Refuse a change that would take a slot the user does not have, else record the slot taken (a
    free one, or one of a bought packet's). The caller holds the user's lock (``lock_user``), so no
    concurrent write of that user can take the slot between count and write."""
    budget = await free_budget(
        session, site, user_id=user_id, root_category_id=root_category_id, now=now, advert_id=advert_id
    )
    grant = budget.take()
    if grant is None:
        raise BadRequest("You have reached the limit of free adverts in this category", code="limit_reached")
    await slots.record(session, advert_id=advert_id, grant=grant, now=now)


async def free_budget(
    session: Session,
    site: SiteSnapshot,
    *,
    user_id: int,
    root_category_id: int,
    now: datetime,
    advert_id: int | None = None,
) -> slots.Budget:
    """Slots the user may still take in the root category: free adverts, then bought packets."""
    root = site.categories.get(root_category_id)
    limit = root.free_limit if root and root.free_limit is not None else site.rules.free_limit_default
    if is_paid_only(site, root_category_id):
        limit = 0  # every advert there needs a packet's slot
    if limit is None:
        return slots.Budget(None)
    return await slots.budget(
        session,
        site_id=site.site_id,
        user_id=user_id,
        root_category_id=root_category_id,
        limit=int(limit),
        statuses=SLOT_STATUSES,
        now=now,
        advert_id=advert_id,
    )
