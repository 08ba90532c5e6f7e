"""Money and what it buys: payments, the ledger, bought packets, their slots, paid features.

Amounts are integers in minor units (grosze, cents); nothing here is ever a float.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pazar.db.base import Base, JSONDoc, UTCDateTime


class Payment(Base):
    """One money movement a user sees in the billing history: a top-up, a purchase."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # account | postpaid | credit
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)  # signed: charges negative, credits positive
    currency: Mapped[str] = mapped_column(String(3))
    advert_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """One row per pocket a payment touches; balances are sums of these rows."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pocket: Mapped[str] = mapped_column(String(16))  # wallet | bonus | refund | postpaid
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BoughtPacket(Base):
    __tablename__ = "bought_packets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    root_category_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(8))  # base | mega
    size: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    zone_id: Mapped[str | None] = mapped_column(String(64))
    advert_id: Mapped[int | None] = mapped_column(Integer)  # a single-advert packet serves only it
    features: Mapped[list[Any]] = mapped_column(JSONDoc, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active_to: Mapped[datetime] = mapped_column(UTCDateTime)


class PacketSlot(Base):
    """The packet whose slot an advert took when it last entered a slot status (none: a free slot)."""

    __tablename__ = "packet_slots"

    advert_id: Mapped[int] = mapped_column(ForeignKey("adverts.id"), primary_key=True)
    packet_id: Mapped[str] = mapped_column(ForeignKey("bought_packets.id"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdvertFeature(Base):
    __tablename__ = "advert_features"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advert_id: Mapped[int] = mapped_column(ForeignKey("adverts.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    code: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    duration: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime)
