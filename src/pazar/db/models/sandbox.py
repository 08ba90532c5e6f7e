"""The sandbox's own state: control settings (clock, ...), faults, the request journal, snapshots.

None of these tables is part of a snapshot: restoring one brings back the marketplace, not the
controls around it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pazar.db.base import Base, JSONDoc, UTCDateTime


class SandboxSetting(Base):
    """One named control document (``clock``, ...), shared by every process on the database."""

    __tablename__ = "sandbox_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class SandboxFault(Base):
    __tablename__ = "sandbox_faults"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    remaining: Mapped[int | None] = mapped_column(Integer)  # None: until deleted
    seen: Mapped[int] = mapped_column(Integer, default=0)  # matching calls (a probability's draw number)
    hits: Mapped[int] = mapped_column(Integer, default=0)  # calls the fault was applied to
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SandboxRequest(Base):
    """One API call in the journal (bodies redacted and truncated before they are stored)."""

    __tablename__ = "sandbox_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    site: Mapped[str | None] = mapped_column(String(64))
    dialect: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text)
    query: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    request_body: Mapped[str | None] = mapped_column(Text)
    response_body: Mapped[str | None] = mapped_column(Text)


class SandboxSnapshot(Base):
    __tablename__ = "sandbox_snapshots"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # gzip of a JSON document: table -> rows
