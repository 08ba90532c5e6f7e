"""Packet slots: what a bought packet adds to the free-advert limit, and which advert holds which slot.

``services.adverts`` asks for a ``Budget`` under the user's lock wherever an advert takes a slot and
records the ``Grant`` it took here. A packet's ``left`` is derived, never stored: its size minus the
adverts that hold one of its slots and still occupy one (new/active, not deleted). So a slot comes
back to the packet when its advert expires or is deactivated, and an expired packet offers nothing
(the adverts it paid for run to their own end).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select

from pazar.db.models import Advert, BoughtPacket, PacketSlot
from pazar.db.queries import count_up_to
from pazar.services.runtime import Session

FREE = ""  # the Grant of a free slot


@dataclass
class Budget:
    """Slots a user may still take in one root category: free ones first, then packets' slots."""

    free: int | None  # None: no limit at all
    packets: list[list[str | int]] = field(default_factory=list)  # [packet id, left], first used first

    @property
    def total(self) -> int | None:
        return None if self.free is None else self.free + sum(int(p[1]) for p in self.packets)

    def take(self) -> str | None:
        """Take one slot: ``FREE``, a packet id, or None when there is none."""
        if self.free is None or self.free > 0:
            if self.free is not None:
                self.free -= 1
            return FREE
        for entry in self.packets:
            if int(entry[1]) > 0:
                entry[1] = int(entry[1]) - 1
                return str(entry[0])
        return None


def _holding(statuses: Sequence[str]) -> ColumnElement[bool]:
    return and_(Advert.id == PacketSlot.advert_id, Advert.status.in_(statuses), Advert.deleted.is_(False))


async def budget(
    session: Session,
    *,
    site_id: str,
    user_id: int,
    root_category_id: int,
    limit: int,
    statuses: Sequence[str],
    now: datetime,
    advert_id: int | None,
) -> Budget:
    """The caller holds the user's lock. ``advert_id``: the advert about to take a slot (a packet
    bought for that advert alone serves it and no other)."""
    held = int(
        await session.scalar(
            select(func.count())
            .select_from(PacketSlot)
            .join(Advert, _holding(statuses))
            .where(
                Advert.site_id == site_id,
                Advert.user_id == user_id,
                Advert.root_category_id == root_category_id,
            )
        )
        or 0
    )
    used = await count_up_to(
        session,
        site_id=site_id,
        user_id=user_id,
        root_category_id=root_category_id,
        statuses=statuses,
        cap=limit + held,
    )
    free = max(0, limit - (used - held))
    own: ColumnElement[bool] = BoughtPacket.advert_id.is_(None)
    if advert_id is not None:
        own = or_(own, BoughtPacket.advert_id == advert_id)
    taken = (
        select(PacketSlot.packet_id, func.count().label("n"))
        .join(Advert, _holding(statuses))
        .group_by(PacketSlot.packet_id)
        .subquery()
    )
    rows = await session.execute(
        select(BoughtPacket.id, BoughtPacket.size - func.coalesce(taken.c.n, 0))
        .outerjoin(taken, taken.c.packet_id == BoughtPacket.id)
        .where(
            BoughtPacket.user_id == user_id,
            BoughtPacket.site_id == site_id,
            BoughtPacket.root_category_id == root_category_id,
            BoughtPacket.active_to > now,
            own,
        )
        # A packet bought for this advert first, then the one that expires first.
        .order_by(BoughtPacket.advert_id.is_(None), BoughtPacket.active_to, BoughtPacket.id)
    )
    return Budget(free, [[pid, int(left)] for pid, left in rows.all() if int(left) > 0])


async def record(session: Session, *, advert_id: int, grant: str, now: datetime) -> None:
    """Remember which slot the advert took (a free one forgets any packet it held before)."""
    await session.execute(delete(PacketSlot).where(PacketSlot.advert_id == advert_id))
    if grant != FREE:
        session.add(PacketSlot(advert_id=advert_id, packet_id=grant, taken_at=now))
        await session.flush()


async def held(session: Session, packet_ids: Sequence[str], *, statuses: Sequence[str]) -> dict[str, int]:
    """Slots of each packet held by adverts that still occupy one."""
    rows = await session.execute(
        select(PacketSlot.packet_id, func.count())
        .join(Advert, _holding(statuses))
        .where(PacketSlot.packet_id.in_(list(packet_ids)))
        .group_by(PacketSlot.packet_id)
    )
    return {pid: int(n) for pid, n in rows.all()}


async def budget_of_advert(session: Session, *, advert_id: int, now: datetime) -> int:
    """Unexpired single-advert packets bought for ``advert_id`` whose slot nobody holds."""
    rows = await session.execute(
        select(BoughtPacket.id)
        .outerjoin(PacketSlot, PacketSlot.packet_id == BoughtPacket.id)
        .where(
            BoughtPacket.advert_id == advert_id, BoughtPacket.active_to > now, PacketSlot.advert_id.is_(None)
        )
    )
    return len(rows.all())
