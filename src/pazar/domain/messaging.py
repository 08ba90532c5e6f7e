"""Rules of messaging and business accounts you could explain to a product manager.

Pure: the services call these with plain values and persist what they decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pazar.domain.errors import BadRequest, FieldError, ValidationFailed

MAX_TEXT = 4000  # characters of one message
MAX_ATTACHMENTS = 5  # per message
MAX_PHONES = 5
MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_ADDRESS_PART = 100
MAX_URL = 2048

# Linear-time patterns (no nested quantifiers): they run over request text.
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{4,24}")
_WEBSITE = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)

COMMAND_MARK_AS_READ = "mark-as-read"
COMMAND_SET_FAVOURITE = "set-favourite"
COMMANDS = frozenset({COMMAND_MARK_AS_READ, COMMAND_SET_FAVOURITE})

# The image kinds pazar stores, and how many of each one owner (or one advert) may hold.
LOGO, BANNER, ADVERT_LOGO, ATTACHMENT = "logo", "banner", "advert_logo", "attachment"


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """Per-site limits (site config ``messaging``: ``logos``, ``banners``, ``advert_logos``)."""

    logos: int = 5
    banners: int = 5
    advert_logos: int = 1

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImageLimits:
        raw = config.get("messaging") or {}
        values = {k: int(v) for k, v in raw.items() if k in ("logos", "banners", "advert_logos")}
        return cls(**values)

    def of(self, kind: str) -> int:
        return {LOGO: self.logos, BANNER: self.banners, ADVERT_LOGO: self.advert_logos}.get(
            kind, MAX_ATTACHMENTS
        )


IMAGE_LIMIT_EXCEEDED = "Image error: Image limit exceeded"  # seed 002, troubleshooting 10
REMOTE_FILE_NOT_EXISTS = "Image error: Remote file not exists"  # seed 002, troubleshooting 9
NOT_AN_IMAGE = "Image error: Unsupported image format"


def image_limit_exceeded() -> BadRequest:
    return BadRequest(IMAGE_LIMIT_EXCEEDED, code="image_limit")


def message_text(text: str) -> str:
    """The text as it will be stored: trimmed, never empty, at most MAX_TEXT characters."""
    stripped = text.strip()
    if not stripped:
        raise ValidationFailed([FieldError("text", "This value should not be blank.", "blank")])
    if len(stripped) > MAX_TEXT:
        raise ValidationFailed(
            [
                FieldError(
                    "text",
                    f"This value is too long. It should have {MAX_TEXT} characters or less.",
                    "too_long",
                )
            ]
        )
    return stripped


def message_phone(phone: str | None, *, jobs_category: bool) -> str | None:
    """The ``phone`` of a reply: only in Jobs categories (seed 002), in a phone-like format."""
    if phone is None:
        return None
    if not jobs_category:
        raise ValidationFailed(
            [FieldError("phone", "This field is not allowed in this category", "not_allowed")]
        )
    if not _PHONE.fullmatch(phone.strip()):
        raise ValidationFailed([FieldError("phone", "Invalid phone format", "invalid")])
    return phone.strip()


def subdomain(value: str) -> str:
    lowered = value.strip().lower()
    if not _SUBDOMAIN.fullmatch(lowered):
        raise ValidationFailed([FieldError("subdomain", "Invalid value", "invalid")])
    return lowered


def business_text(field: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise ValidationFailed([FieldError(field, "This value is too long.", "too_long")])
    return value.strip()


def website(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_URL or not _WEBSITE.fullmatch(value):
        raise ValidationFailed([FieldError("website_url", "Invalid value", "invalid")])
    return value


def phones(values: list[str]) -> list[str]:
    if len(values) > MAX_PHONES:
        raise ValidationFailed([FieldError("phones", "Too many phone numbers", "too_many")])
    cleaned = [v.strip() for v in values]
    if any(not _PHONE.fullmatch(v) for v in cleaned):
        raise ValidationFailed([FieldError("phones", "Invalid phone format", "invalid")])
    return cleaned


def attachment_name(url: str, index: int, extension: str) -> str:
    """A file name for an attachment: the URL's last path segment when it is a plain one."""
    last = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if last and len(last) <= 100 and all(c.isalnum() or c in "._-" for c in last) and "." in last:
        return last
    return f"attachment-{index + 1}.{extension}"
