"""The RE taxonomy a client discovers categories and attributes from (``/taxonomy/v1``).

Read from the same snapshot the advert checks use, so what the taxonomy lists is exactly what a
``POST /advert/v1`` accepts. Attribute kinds map to the platform's: enumerations are ``select``
(one value URN) or ``multiple`` (the urn repeated), numbers and text are ``input``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pazar.db.models import Site
from pazar.domain.errors import NotFound
from pazar.services.reference import CategoryInfo, ReferenceCache, SiteSnapshot
from pazar.services.runtime import Session

_KINDS = {"enum": "select", "enum_multi": "multiple"}


async def re_site_ids(session: Session) -> dict[str, str]:
    """site URN -> site id, for every site that speaks the RE API."""
    rows = (await session.execute(select(Site.id, Site.config))).all()
    return {
        str(config["site_urn"]): site_id
        for site_id, config in rows
        if isinstance(config, dict) and config.get("site_urn")
    }


def _attribute(definition: dict[str, Any]) -> dict[str, Any]:
    kind = str(definition.get("re_type", "string"))
    validation = definition.get("validation") or {}
    return {
        "code": definition["code"],
        "label": definition.get("label", ""),
        "type": _KINDS.get(kind, "input"),
        "value_type": kind,
        "mandatory": bool(validation.get("required")),
        "min": validation.get("min"),
        "max": validation.get("max"),
        "values": [{"code": v["code"], "label": v["label"]} for v in definition.get("values", [])],
    }


def category(cat: CategoryInfo) -> dict[str, Any]:
    return {
        "code": cat.urn,
        "label": cat.name,
        "transaction": cat.data.get("transaction"),
        "attributes": [_attribute(a) for a in cat.attributes if "re_type" in a],
    }


def site_tree(site: SiteSnapshot) -> dict[str, Any]:
    cats = sorted((c for c in site.categories.values() if c.urn), key=lambda c: (c.position, c.id))
    return {
        "code": str(site.config.get("site_urn")),
        "label": site.name,
        "children": [category(c) for c in cats],
    }


async def site_by_urn(session: Session, cache: ReferenceCache, site_urn: str) -> SiteSnapshot:
    site_id = (await re_site_ids(session)).get(site_urn)
    if site_id is None:
        raise NotFound(f"Unknown site {site_urn!r}")
    return await cache.get(session, site_id)


def category_by_urn(site: SiteSnapshot, category_urn: str) -> CategoryInfo:
    for cat in site.categories.values():
        if cat.urn == category_urn:
            return cat
    raise NotFound(f"Unknown category {category_urn!r} on {site.config.get('site_urn')}")
