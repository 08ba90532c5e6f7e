"""An import item keeps its ad as the core's ``AdvertDraft``, stored as JSON until the worker takes it."""

from __future__ import annotations

from typing import Any

from pazar.domain.commands import AdvertDraft, AttributeValue, Contact, Location, Price


def to_payload(draft: AdvertDraft) -> dict[str, Any]:
    price = draft.price
    return {
        "title": draft.title,
        "description": draft.description,
        "category_id": draft.category_id,
        "contact": {"name": draft.contact.name, "phone": draft.contact.phone},
        "zipcode": draft.location.zipcode,
        "images": list(draft.images),
        "price": None if price is None else {"value": price.value, "currency": price.currency},
        "attributes": [
            [a.code, a.value, None if a.values is None else list(a.values)] for a in draft.attributes
        ],
        "external_id": draft.external_id,
        "extra": draft.extra,
    }


def from_payload(data: dict[str, Any]) -> AdvertDraft:
    price = data.get("price")
    return AdvertDraft(
        title=data["title"],
        description=data["description"],
        category_id=int(data["category_id"]),
        contact=Contact(name=data["contact"]["name"], phone=data["contact"]["phone"]),
        location=Location(city_id=None, zipcode=data.get("zipcode")),
        images=tuple(data.get("images", ())),
        price=None if price is None else Price(value=price["value"], currency=price["currency"]),
        attributes=tuple(
            AttributeValue(code, value, None if values is None else tuple(values))
            for code, value, values in data.get("attributes", ())
        ),
        external_id=data.get("external_id"),
        extra=dict(data.get("extra") or {}),
    )
