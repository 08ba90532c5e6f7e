"""Marketplace users and the partner applications that act for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pazar.db.base import Base, JSONDoc


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("site_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(32), default="confirmed")
    is_business: Mapped[bool] = mapped_column(Boolean, default=False)
    avatar: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class PartnerApp(Base):
    __tablename__ = "partner_apps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list[str]] = mapped_column(JSONDoc)
    scopes: Mapped[list[str]] = mapped_column(JSONDoc)
    grant_types: Mapped[list[str]] = mapped_column(JSONDoc)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_external_url: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # RE Partner API: the X-API-KEY (hashed), the callback URL and the key that signs notifications.
    api_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    notification_secret: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
