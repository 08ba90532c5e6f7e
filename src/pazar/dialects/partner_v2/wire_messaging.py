"""Threads, messages, business data and logos rendered as Partner API v2 JSON (schemas of seed 002)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from pazar.dialects.partner_v2.wire import timestamp
from pazar.services.business import ADDRESS_PARTS, BusinessView
from pazar.services.entities import MediaImage, Message
from pazar.services.messaging import ThreadView


def thread(view: ThreadView, tz: ZoneInfo) -> dict[str, Any]:
    t = view.thread
    return {
        "id": t.id,
        "advert_id": t.advert_id,
        "interlocutor_id": t.interlocutor_id,
        "total_count": view.total_count,
        "unread_count": view.unread_count,
        "created_at": timestamp(t.created_at, tz),
        "is_favourite": t.is_favourite,
    }


def message(m: Message, *, owner_id: int, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": m.id,
        "thread_id": m.thread_id,
        "created_at": timestamp(m.created_at, tz),
        "type": "sent" if m.author_id == owner_id else "received",
        "text": m.text,
        "is_read": m.is_read,
        # As the seed's example: null when there is none. pazar receives no CVs: `cvs` is empty.
        "attachments": [{"name": a["name"], "url": a["url"]} for a in m.attachments] or None,
        "cvs": [],
        # Not in the seed's schema, but real clients map it (a string): the Jobs phone of a reply, or "".
        "phone": m.phone or "",
    }


def logo(image: MediaImage, url: str) -> dict[str, Any]:
    """``Logo`` (advert logos): an integer id."""
    return {"id": image.id, "url": url}


def business_image(image: MediaImage, url: str) -> dict[str, Any]:
    """``BusinessUserLogo`` / ``BusinessUserBanner``: the schema types the id as a string."""
    return {"id": str(image.id), "url": url}


def business(view: BusinessView, *, logo_url: str | None, banner_url: str | None) -> dict[str, Any]:
    # The schema types every field as a string (an object for the address): unset ones are "", never null.
    p = view.profile
    address = (p.address if p is not None else None) or {}
    return {
        "id": view.user.id,
        "name": (p.name if p is not None else None) or view.user.name,
        "description": (p.description if p is not None else None) or "",
        "subdomain": (p.subdomain if p is not None else None) or "",
        "website_url": (p.website_url if p is not None else None) or "",
        "address": {part: address.get(part) or "" for part in ADDRESS_PARTS},
        "phones": list(p.phones) if p is not None else [],
        "logo": {"url": logo_url} if logo_url else None,
        "banner": {"url": banner_url} if banner_url else None,
    }
