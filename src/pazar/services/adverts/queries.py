"""Reads of adverts for their owner, and the look-ups writes make under lock."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from pazar.db.models import Advert
from pazar.db.queries import lock_user, owned_adverts
from pazar.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
)
from pazar.domain.oauth import Principal
from pazar.services.runtime import Session

# Sources of the legacy bulk integrations: the Autoupload import, and the legacy feed `pazar seed`
# imitates. A partner app may claim their active adverts (RE migration, `import=1`); from then on
# the legacy import may not change them (`ensure_writable_by`).
LEGACY_SOURCES = frozenset({"autoupload", "legacy_feed"})
LEGACY_ID_KEY = "legacy_external_id"  # in Advert.extra: the id a claimed advert had in its legacy feed

# --- reads ---------------------------------------------------------------------------------


# Built once (building costs more than running on this hot path); parameters bound per call.
_ADVERT = select(Advert).where(Advert.id == bindparam("advert_id"), Advert.site_id == bindparam("site_id"))
_ADVERT_FOR_UPDATE = _ADVERT.with_for_update()


def owner_of(principal: Principal) -> int:
    """The user a call acts for; a client token (no user) cannot own adverts."""
    if principal.user_id is None:
        raise BadRequest("Invalid owner in token", code="invalid_owner")
    return principal.user_id


async def get_owned(
    session: Session, *, principal: Principal, advert_id: int, for_update: bool = False
) -> Advert:
    """The caller's advert; NotFound if it does not exist (or is deleted), not_owner if it is someone else's.

    ``for_update``: the caller is about to change it. The user's lock is taken first (every write of
    one user queues behind the others, on both databases: see ``lock_user``), then the row is read
    under its own lock, so concurrent commands on one advert run as if one after another.
    """
    owner = owner_of(principal)
    if for_update:
        await lock_user(session, owner)
    stmt = _ADVERT_FOR_UPDATE if for_update else _ADVERT
    found = (
        await session.execute(stmt, {"advert_id": advert_id, "site_id": principal.site_id})
    ).scalar_one_or_none()
    return owned_by(found, principal)


def owned_by(advert: Advert | None, principal: Principal) -> Advert:
    if advert is None or advert.deleted:
        raise NotFound("Advert not found")
    if advert.user_id != principal.user_id:
        raise PermissionDenied("You are not the owner of this ad", code="not_owner")
    return advert


async def list_owned(
    session: Session,
    *,
    principal: Principal,
    offset: int = 0,
    limit: int = 50,
    external_id: str | None = None,
    category_ids: list[int] | None = None,
) -> list[Advert]:
    stmt = owned_adverts(site_id=principal.site_id, user_id=owner_of(principal))
    if external_id is not None:
        stmt = stmt.where(Advert.external_id == external_id)
    if category_ids:
        stmt = stmt.where(Advert.category_id.in_(category_ids))
    stmt = stmt.order_by(Advert.id).offset(offset).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def get_managed(
    session: Session, *, principal: Principal, uuid: str, for_update: bool = False
) -> Advert:
    """An advert the caller's app manages for the caller's user, by uuid (deleted ones included).

    ``for_update``: as for ``get_owned``, the user's lock first, then the row's.
    """
    owner = owner_of(principal)
    if for_update:
        await lock_user(session, owner)
    stmt = select(Advert).where(Advert.uuid == uuid, Advert.site_id == principal.site_id)
    if for_update:
        stmt = stmt.with_for_update()
    advert = (await session.execute(stmt)).scalar_one_or_none()
    if advert is None:
        raise NotFound("Advert not found")
    if advert.user_id != principal.user_id or advert.app_id != principal.app_id:
        raise PermissionDenied(
            "The advert is not managed by this application for this user", code="not_owner"
        )
    return advert


def ensure_writable_by(advert: Advert, *, source: str) -> None:
    """A legacy import may not change an advert a partner app has claimed (RE migration, seed 000)."""
    if advert.claimed_at is not None and source in LEGACY_SOURCES:
        raise Conflict(
            "This advert was migrated to a partner application and is managed through its API now; "
            "the legacy import can no longer change it",
            code="advert_claimed",
        )


async def find_many_for_legacy_write(
    session: Session, *, site_id: str, user_id: int, external_ids: list[str], source: str
) -> dict[str, Advert | DomainError]:
    """The advert each id of a legacy import addresses, or why it may not be written; an id absent
    from the answer addresses no advert (the import inserts a new one). Rows come back locked.

    A claimed advert (RE migration, seed 000) no longer carries its legacy id in ``external_id`` (it
    holds the new uuid); the old id is kept in ``extra.legacy_external_id``, which no partner write
    changes, so it is found by that and answered with ``Conflict`` (``advert_claimed``): a legacy
    re-send never creates a duplicate, whatever the partner has since put in ``custom_fields``.
    """
    if not external_ids:
        return {}
    legacy_id = Advert.extra[LEGACY_ID_KEY].as_string()
    owner = (Advert.site_id == site_id, Advert.user_id == user_id)
    # Two statements rather than one OR, so each side uses its index on a large table. (``IS NOT true``
    # rather than ``IS false``: SQLite would otherwise walk every advert of the owner by its listing index.)
    claimed = select(Advert).where(*owner, Advert.claimed_at.is_not(None), legacy_id.in_(external_ids))
    live = select(Advert).where(*owner, Advert.external_id.in_(external_ids), Advert.deleted.is_not(True))
    candidates = [
        *(await session.execute(claimed.with_for_update())).scalars(),
        *(await session.execute(live.with_for_update())).scalars(),
    ]
    candidates.sort(key=lambda a: (a.claimed_at is None, -a.id))
    wanted = set(external_ids)
    found: dict[str, Advert | DomainError] = {}
    for advert in candidates:
        old_id = (advert.extra or {}).get(LEGACY_ID_KEY) if advert.claimed_at is not None else None
        ref = old_id if old_id in wanted else advert.external_id
        if ref is None or ref not in wanted or ref in found:
            continue  # ordered: a claimed advert first, then the newest live one
        try:
            ensure_writable_by(advert, source=source)
        except Conflict as exc:
            found[ref] = exc
            continue
        found[ref] = advert
    return found


async def locked_many(session: Session, site_id: str, advert_ids: list[int]) -> dict[int, Advert]:
    if not advert_ids:
        return {}
    stmt = select(Advert).where(Advert.id.in_(advert_ids), Advert.site_id == site_id).with_for_update()
    return {a.id: a for a in (await session.execute(stmt)).scalars()}
