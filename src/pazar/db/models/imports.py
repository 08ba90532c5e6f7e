"""Bulk imports (the Autoupload dialect): one batch per PUT, one item per ad in it.

An item's public status (pending/queued/accepted/refused/error) is derived from
the item and the advert it produced, never stored twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pazar.db.base import Base, JSONDoc


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    app_id: Mapped[int | None] = mapped_column(ForeignKey("partner_apps.id"))
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]  # every item has been turned into an advert change (or an error)


class ImportItem(Base):
    __tablename__ = "import_items"
    __table_args__ = (Index("ix_import_items_batch", "batch_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    ad_ref: Mapped[str] = mapped_column(String(32))  # the partner's own id of the ad
    operation: Mapped[str] = mapped_column(String(16))  # insert | edit | delete
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | processed | error
    advert_id: Mapped[int | None] = mapped_column(ForeignKey("adverts.id"))
    messages: Mapped[list[Any]] = mapped_column(JSONDoc)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    processed_at: Mapped[datetime | None]
