"""Messaging and business accounts (Partner API v2): threads, messages, business profiles, images.

* ``message_threads``: one advert x one interlocutor (the buyer); ``owner_id`` is the advert's owner
  when the thread began, so every partner read is one owner-scoped index look-up.
* ``messages``: ``author_id`` tells the side (the owner's messages are ``sent`` on the wire); ``is_read``
  is set by the other side reading it.
* ``business_profiles``: the business data of a business user; ``subdomain`` unique per site.
* ``media_images``: logos, banners, advert logos and message attachments, fetched from partners' URLs,
  checked and stored here; served by pazar at ``/media/{public_id}.{ext}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pazar.db.base import Base, JSONDoc


class MessageThread(Base):
    __tablename__ = "message_threads"
    __table_args__ = (
        UniqueConstraint("advert_id", "interlocutor_id"),
        Index("ix_message_threads_owner", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    advert_id: Mapped[int] = mapped_column(ForeignKey("adverts.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    interlocutor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_email: Mapped[str] = mapped_column(String(254))
    is_favourite: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # [{"name", "url"}]
    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class BusinessProfile(Base):
    __tablename__ = "business_profiles"
    __table_args__ = (UniqueConstraint("site_id", "subdomain"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    subdomain: Mapped[str | None] = mapped_column(String(63))
    website_url: Mapped[str | None] = mapped_column(String(2048))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    phones: Mapped[list[str]] = mapped_column(JSONDoc)
    updated_at: Mapped[datetime]


class MediaImage(Base):
    __tablename__ = "media_images"
    __table_args__ = (
        Index("ix_media_images_owner", "owner_id", "kind", "id"),
        Index("ix_media_images_advert", "advert_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # random: URLs cannot be guessed
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(16))  # logo, banner, advert_logo, attachment
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    advert_id: Mapped[int | None] = mapped_column(ForeignKey("adverts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    source_url: Mapped[str] = mapped_column(String(2048))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
