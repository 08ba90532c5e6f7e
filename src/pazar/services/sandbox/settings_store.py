"""Named control documents in ``sandbox_settings``, read and written by every process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession as Session

from pazar.db.models import SandboxSetting
from pazar.db.upsert import upsert


async def read(session: Session, name: str) -> dict[str, Any] | None:
    value = await session.scalar(select(SandboxSetting.value).where(SandboxSetting.name == name))
    return dict(value) if value is not None else None


async def read_many(session: Session, names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    rows = await session.execute(
        select(SandboxSetting.name, SandboxSetting.value).where(SandboxSetting.name.in_(names))
    )
    return {name: dict(value) for name, value in rows.all()}


async def write(session: Session, name: str, value: dict[str, Any]) -> None:
    await session.execute(upsert(session, SandboxSetting, [{"name": name, "value": value}], keys=["name"]))
