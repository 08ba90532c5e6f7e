"""RE advert payloads to the core's draft, and the synchronous answers, as the wire has them.

Only the payload's shape is checked here, at once (wrong JSON types, an unknown
``site_urn`` or ``category_urn``: 400). Everything else (lengths, required attributes,
enumerations, contact, images, the OLX-export rules) is the core's, and arrives as an
``advert_posted_error``/``advert_put_error`` notification, as on the real platform.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Any

from pazar.dialects.common.body import BodyError
from pazar.domain import webhooks as wire
from pazar.domain.commands import AdvertDraft, AttributeValue, Contact, Location, Price
from pazar.domain.errors import FieldError, ValidationFailed
from pazar.domain.realestate import OLX_EXPORT_FIELD, price_text
from pazar.services.reference import SiteSnapshot

# Payload fields the draft has a place for; anything else is kept verbatim in the advert's extra.
_KNOWN = frozenset(
    {
        "site_urn",
        "category_urn",
        "title",
        "description",
        "price",
        "location",
        "contact",
        "images",
        "attributes",
        "custom_fields",
        OLX_EXPORT_FIELD,
    }
)
INVALID = "Invalid value"
REQUIRED = "This field is required"
ACCEPTED = {
    wire.POST: "Advert accepted for publication",
    wire.PUT: "Advert update accepted",
    wire.DELETE: "Advert deletion accepted",
    wire.ACTIVATE: "Advert activation accepted",
    wire.DEACTIVATE: "Advert deactivation accepted",
}


class _Reader:
    def __init__(self) -> None:
        self.problems: list[FieldError] = []

    def invalid(self, field: str, title: str = INVALID) -> None:
        self.problems.append(FieldError(field, title, "invalid", title))

    def text(self, value: Any, field: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.invalid(field)
            return None
        if isinstance(value, str) and "\x00" in value:  # NUL: refused on both databases alike
            self.invalid(field)
            return None
        return value if isinstance(value, str) else _number_text(value)

    def number(self, value: Any, field: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.invalid(field)
            return None
        return float(value)

    def mapping(self, value: Any, field: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.invalid(field)
            return {}
        return value

    def sequence(self, value: Any, field: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.invalid(field)
            return []
        return value


def _number_text(value: int | float) -> str:
    return str(value) if isinstance(value, int) else price_text(value)


def category_by_urn(site: SiteSnapshot) -> dict[str, int]:
    return {c.urn: c.id for c in site.categories.values() if c.urn and c.is_leaf}


def to_draft(body: Any, site: SiteSnapshot) -> AdvertDraft:
    """A POST or PUT payload as the core's draft; ``ValidationFailed`` for a malformed one."""
    if not isinstance(body, dict):
        raise BodyError(BodyError.NOT_OBJECT, "A JSON object is expected")
    read = _Reader()
    site_urn = body.get("site_urn")
    if site_urn is None:
        read.problems.append(FieldError("site_urn", REQUIRED, "required", REQUIRED))
    elif site_urn != site.config.get("site_urn"):
        read.invalid("site_urn", "Unknown site_urn for this application")
    category_urn = body.get("category_urn")
    category_id = category_by_urn(site).get(category_urn) if isinstance(category_urn, str) else None
    if category_urn is None:
        read.problems.append(FieldError("category_urn", REQUIRED, "required", REQUIRED))
    elif category_id is None:
        read.invalid("category_urn", "Unknown category_urn")
    title = read.text(body.get("title"), "title") or ""
    description = read.text(body.get("description"), "description") or ""
    price = _price(read, body.get("price"))
    contact = read.mapping(body.get("contact"), "contact")
    location = read.mapping(body.get("location"), "location")
    images = _images(read, body.get("images"))
    attributes = _attributes(read, body.get("attributes"))
    custom = read.mapping(body.get("custom_fields"), "custom_fields")
    export = body.get(OLX_EXPORT_FIELD)
    if export is not None and not isinstance(export, bool):
        read.invalid(OLX_EXPORT_FIELD)
    draft = AdvertDraft(
        title=title,
        description=description,
        category_id=category_id or 0,
        contact=Contact(
            name=read.text(contact.get("name"), "contact.name"),
            phone=read.text(contact.get("phone"), "contact.phone"),
            email=read.text(contact.get("email"), "contact.email"),
        ),
        location=Location(
            city_id=None,
            latitude=read.number(location.get("lat"), "location.lat"),
            longitude=read.number(location.get("lon"), "location.lon"),
        ),
        images=images,
        price=price,
        attributes=attributes,
        extra=_extra(read, body, custom, location, contact, export),
    )
    if read.problems:
        raise ValidationFailed(read.problems)
    return draft


def _price(read: _Reader, raw: Any) -> Price | None:
    if raw is None:
        return None
    value: Any = raw
    currency: str | None = None
    if isinstance(raw, dict):
        value = raw.get("value")
        currency = read.text(raw.get("currency"), "price.currency")
    number = read.number(value, "price.value")
    return Price(value=number, currency=currency)


def _images(read: _Reader, raw: Any) -> tuple[str, ...]:
    urls: list[str] = []
    for position, item in enumerate(read.sequence(raw, "images")):
        url = item.get("url") if isinstance(item, dict) else item
        if not isinstance(url, str) or not url.strip():
            read.invalid(f"images.{position}.url")
            continue
        urls.append(url.strip())
    return tuple(urls)


def _attributes(read: _Reader, raw: Any) -> tuple[AttributeValue, ...]:
    """``[{urn, value}]``, the same urn repeated for several values of a multi-choice attribute."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for position, item in enumerate(read.sequence(raw, "attributes")):
        urn = item.get("urn") if isinstance(item, dict) else None
        if not isinstance(urn, str) or not urn:
            read.invalid(f"attributes.{position}.urn")
            continue
        value = read.text(item.get("value"), f"attributes.{position}.value")
        if value is not None:
            grouped[urn].append(value)
    return tuple(
        AttributeValue(code=urn, value=values[0])
        if len(values) == 1
        else AttributeValue(code=urn, values=tuple(values))
        for urn, values in grouped.items()
    )


def _extra(
    read: _Reader,
    body: dict[str, Any],
    custom: dict[str, Any],
    location: dict[str, Any],
    contact: dict[str, Any],
    export: Any,
) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if custom:
        extra["custom_fields"] = {
            "id": read.text(custom.get("id"), "custom_fields.id"),
            "reference_id": read.text(custom.get("reference_id"), "custom_fields.reference_id"),
        } | {k: v for k, v in custom.items() if k not in ("id", "reference_id")}
    if isinstance(export, bool):
        extra[OLX_EXPORT_FIELD] = export
    if "exact" in location:
        extra["location_exact"] = bool(location["exact"])
    if contact.get("photo") is not None:
        extra["contact_photo"] = contact["photo"]
    others = {k: v for k, v in body.items() if k not in _KNOWN}
    if others:
        extra["fields"] = others
    return extra


def accepted(
    *, kind: str, transaction_id: str, object_id: str, at: datetime, custom_fields: dict[str, Any]
) -> dict[str, Any]:
    """The synchronous answer to an operation: accepted, the outcome comes by webhook."""
    return {
        "transaction_id": transaction_id,
        "message": ACCEPTED[kind],
        "data": {
            "uuid": object_id,
            "last_action_status": f"TO_{kind.upper()}",
            "last_action_at": wire.wire_time(at, with_millis=True),
            "custom_fields": custom_fields,
        },
    }
