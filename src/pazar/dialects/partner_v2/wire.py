"""Entities and reference data rendered as Partner API v2 JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pazar.services.entities import Advert, User
from pazar.services.reference import CategoryInfo, CityInfo, DistrictInfo, RegionInfo, SiteSnapshot


def timestamp(moment: datetime | None, tz: ZoneInfo) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` in the site's local time, as OLX shows it."""
    if moment is None:
        return None
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def site_zone(site: SiteSnapshot) -> ZoneInfo:
    return site.rules.timezone


def authenticated_user(user: User, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "status": user.status,
        "name": user.name,
        "phone": user.phone,
        "phone_login": user.phone,
        "created_at": timestamp(user.created_at, tz),
        "last_login_at": timestamp(user.last_login_at, tz),
        "avatar": user.avatar,
        "is_business": user.is_business,
    }


def public_user(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "avatar": user.avatar}


def region(r: RegionInfo) -> dict[str, Any]:
    return {"id": r.id, "name": r.name}


def city(c: CityInfo) -> dict[str, Any]:
    return {
        "id": c.id,
        "region_id": c.region_id,
        "name": c.name,
        "county": c.county,
        "municipality": c.municipality,
        "latitude": c.latitude,
        "longitude": c.longitude,
    }


def district(d: DistrictInfo) -> dict[str, Any]:
    return {
        "id": d.id,
        "city_id": d.city_id,
        "name": d.name,
        "latitude": d.latitude,
        "longitude": d.longitude,
    }


def category(c: CategoryInfo, language: str) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name_in(language),
        "parent_id": c.parent_id,
        "photos_limit": c.photos_limit,
        "is_leaf": c.is_leaf,
    }


def attribute(definition: dict[str, Any], language: str) -> dict[str, Any]:
    validation = dict(definition.get("validation", {}))
    maximum = validation.get("max")
    # The spec types `max` as a string (and `min` as an integer): keep that quirk on the wire.
    validation["max"] = None if maximum is None else str(maximum)
    labels = definition.get("translations", {})
    return {
        "code": definition["code"],
        "label": labels.get(language, definition.get("label", definition["code"])),
        "unit": definition.get("unit"),
        "validation": {
            "type": validation.get("type", "attribute"),
            "required": bool(validation.get("required", False)),
            "numeric": bool(validation.get("numeric", False)),
            "min": validation.get("min"),
            "max": validation["max"],
            "allow_multiple_values": bool(validation.get("allow_multiple_values", False)),
        },
        "values": [
            {"code": str(v["code"]), "label": v.get("label", v["code"])} for v in definition.get("values", [])
        ],
    }


def delivery_proposition(site: SiteSnapshot) -> dict[str, Any]:
    """The ``delivery`` pseudo-attribute: the site's parcel options as selectable packages."""
    values = [
        {"code": str(option["id"]), "label": f"{carrier['title']} {option['label']}"}
        for carrier in site.config.get("delivery_settings", {}).get("shipping", [])
        for option in carrier.get("parcel_options", [])
    ]
    return {
        "code": "delivery",
        "label": "Dostawa",
        "unit": None,
        "validation": {"type": "package", "required": False, "numeric": False, "allow_multiple_values": True},
        "values": values,
    }


def suggestion(site: SiteSnapshot, category_id: int, language: str) -> dict[str, Any]:
    leaf = site.categories[category_id]
    return {
        "id": leaf.id,
        "name": leaf.name_in(language),
        "path": [{"id": a.id, "name": a.name_in(language)} for a in site.ancestors(category_id)],
    }


def advert(a: Advert, tz: ZoneInfo, base_url: str, path: str) -> dict[str, Any]:
    """The Advert schema of the spec (timestamps ``YYYY-MM-DD HH:MM:SS``, ``url`` of the public page)."""
    location = a.location or {}
    body: dict[str, Any] = {
        "id": a.id,
        "status": a.status,
        "url": base_url + path,
        "created_at": timestamp(a.created_at, tz),
        "activated_at": timestamp(a.activated_at, tz),
        "valid_to": timestamp(a.valid_to, tz),
        "title": a.title,
        "description": a.description,
        "category_id": a.category_id,
        "advertiser_type": a.advertiser_type,
        "external_id": a.external_id,
        "external_url": a.external_url,
        "contact": {"name": a.contact.get("name"), "phone": a.contact.get("phone")},
        "location": {
            "city_id": location.get("city_id"),
            "district_id": location.get("district_id"),
            "latitude": location.get("latitude"),
            "longitude": location.get("longitude"),
        },
        "images": [{"url": image["url"]} for image in a.images],
        "price": a.price,
        "salary": a.salary,
        "attributes": [
            {"code": attr["code"], "value": attr.get("value"), "values": attr.get("values")}
            for attr in a.attributes
        ],
        "courier": a.courier,
    }
    if a.ad_delivery is not None:
        body["ad_delivery"] = a.ad_delivery
        body["delivery_change_allowed"] = True
    return body
