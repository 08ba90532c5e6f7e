"""Adverts (one table for every dialect), their events, statistics and observers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pazar.db.base import Base, JSONDoc


class Advert(Base):
    __tablename__ = "adverts"
    __table_args__ = (
        Index("ix_adverts_owner_listing", "user_id", "deleted", "id"),
        Index("ix_adverts_free_limit", "user_id", "root_category_id", "status", "deleted"),
        Index("ix_adverts_external", "user_id", "external_id"),
        Index("ix_adverts_app", "app_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The partner app that manages it (None: posted by hand or by a legacy feed).
    app_id: Mapped[int | None] = mapped_column(ForeignKey("partner_apps.id"))
    source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(Integer)
    root_category_id: Mapped[int] = mapped_column(Integer)
    advertiser_type: Mapped[str | None] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(200))
    external_url: Mapped[str | None] = mapped_column(String(2048))
    city_id: Mapped[int | None] = mapped_column(Integer)
    contact: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    location: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    images: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    price: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    salary: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    courier: Mapped[bool | None] = mapped_column(Boolean)
    ad_delivery: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    moderation_reason: Mapped[str | None] = mapped_column(String(100))
    moderation_description: Mapped[str | None] = mapped_column(Text)
    is_success: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    modified_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]
    # When a partner app took over a legacy-imported advert (RE migration, `import=1`).
    claimed_at: Mapped[datetime | None]
    advert_views: Mapped[int] = mapped_column(Integer, default=0)
    phone_views: Mapped[int] = mapped_column(Integer, default=0)


class AdvertEvent(Base):
    """Every status change (and edit) of an advert; webhooks and change feeds read these."""

    __tablename__ = "advert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advert_id: Mapped[int] = mapped_column(ForeignKey("adverts.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class AdvertObserver(Base):
    __tablename__ = "advert_observers"
    __table_args__ = (UniqueConstraint("advert_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advert_id: Mapped[int] = mapped_column(ForeignKey("adverts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
