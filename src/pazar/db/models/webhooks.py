"""Asynchronous operations with a transaction id, and webhook deliveries with their attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pazar.db.base import Base, JSONDoc


class AdvertOperation(Base):
    """An asynchronous request on an advert (RE: POST/PUT/DELETE/activate/deactivate) and its outcome."""

    __tablename__ = "advert_operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(36), unique=True)
    # The advert's uuid the operation addresses (a POST's is announced before the advert exists).
    object_id: Mapped[str | None] = mapped_column(String(36), index=True)
    advert_id: Mapped[int | None] = mapped_column(ForeignKey("adverts.id", ondelete="CASCADE"), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("partner_apps.id"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | succeeded | failed
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    """One notification to one callback URL; retried until a 2xx or the schedule runs out."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_app", "app_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(64), unique=True)  # webhook-id header, for deduplication
    app_id: Mapped[int] = mapped_column(ForeignKey("partner_apps.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    event_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    event_at: Mapped[datetime]  # when the change happened (latency is measured from here)
    delivered_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime]
    status: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float]
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
