"""The site's price lists, read from the ``commerce`` section of its site data.

Prices are integers in minor units. A site without the section sells nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pazar.domain.errors import BadRequest, FieldError, ValidationFailed
from pazar.services.reference import SiteSnapshot

PACKET_TYPES = ("base", "mega")
ACCOUNT, POSTPAID = "account", "postpaid"
PAYMENT_METHODS = (ACCOUNT, POSTPAID)


@dataclass(frozen=True, slots=True)
class PacketOffer:
    root_category_id: int
    type: str
    size: int
    price: int
    name: str
    features: tuple[dict[str, str], ...]
    zone_id: str | None = None  # the zone this price is for (regional pricing)


@dataclass(frozen=True, slots=True)
class FeatureOffer:
    code: str
    type: str
    duration: int
    name: str
    price: int


def _section(site: SiteSnapshot) -> dict[str, Any]:
    section = site.config.get("commerce")
    return section if isinstance(section, dict) else {}


def currency(site: SiteSnapshot) -> str:
    return str(_section(site).get("currency", site.default_currency))


def currency_label(site: SiteSnapshot) -> str:
    code = currency(site)
    return next((str(c.get("label", code)) for c in site.currencies if c.get("code") == code), code)


def vat_percent(site: SiteSnapshot) -> int:
    return int(_section(site).get("vat_percent", 0))


def packet_days(site: SiteSnapshot) -> int:
    return int(_section(site).get("packet_days", 30))


def postpaid_for_business(site: SiteSnapshot) -> bool:
    """Whether business users of the site may pay ``postpaid`` (private users never may)."""
    return bool(_section(site).get("postpaid_for_business", False))


def demo_wallet(site: SiteSnapshot, *, business: bool) -> int:
    wallets = _section(site).get("demo_wallet", {})
    return int(wallets.get("business" if business else "private", 0))


def root_of(site: SiteSnapshot, category_id: int) -> int:
    if category_id not in site.categories:
        raise BadRequest("Category with given ID doesn't exists", code="category_unknown")
    return site.root_of(category_id).id


def _name(site: SiteSnapshot, size: int) -> str:
    names = _section(site).get("packet_names", {})
    template = str(names.get("one" if size == 1 else "many", "Packet {size}"))
    return template.format(size=size)


def _regional(site: SiteSnapshot, root_category_id: int) -> dict[str, Any]:
    prices = _section(site).get("zone_prices", {}).get(str(root_category_id))
    return prices if isinstance(prices, dict) else {}


def zones(site: SiteSnapshot, root_category_id: int) -> list[dict[str, Any]]:
    """The location zones a root category with regional pricing is priced by (none: no regional pricing)."""
    regional = _regional(site, root_category_id)
    return [dict(z) for z in _section(site).get("zones", []) if str(z.get("id")) in regional]


def zone_of_region(site: SiteSnapshot, root_category_id: int, region_id: int | None) -> str | None:
    """The zone an advert in the region is priced in: the one listing the region, else a whole-country one."""
    found = zones(site, root_category_id)
    listed = [z for z in found if region_id is not None and region_id in z.get("region_ids", [])]
    country = [z for z in found if z.get("whole_country")]
    return str((listed or country)[0]["id"]) if listed or country else None


def zone_name(site: SiteSnapshot, zone_id: str) -> str:
    zone: dict[str, Any] = next((z for z in _section(site).get("zones", []) if z.get("id") == zone_id), {})
    labels = zone.get("labels", {})
    return str(labels.get(site.default_language, next(iter(labels.values()), zone_id)))


def _zone_percent(site: SiteSnapshot, root_category_id: int, zone_id: str | None) -> int | None:
    """The zone's price in percent of the list price; the zone is required exactly where prices are regional."""
    regional = _regional(site, root_category_id)
    if not regional:
        if zone_id is not None:
            raise ValidationFailed([FieldError("zone_id", "Invalid value", "invalid_zone")])
        return None
    if zone_id is None:
        raise ValidationFailed([FieldError("zone_id", "This field is required", "required")])
    if zone_id not in regional:
        raise ValidationFailed([FieldError("zone_id", "Invalid value", "invalid_zone")])
    return int(regional[zone_id])


def packets(site: SiteSnapshot, root_category_id: int, zone_id: str | None = None) -> list[PacketOffer]:
    """The packet variants sold for a root category (in the zone, where prices are regional), base
    before mega, by size."""
    percent = _zone_percent(site, root_category_id, zone_id)
    lists = _section(site).get("packets", {}).get(str(root_category_id), {})
    features = _section(site).get("packet_features", {})
    offers = []
    for kind in PACKET_TYPES:
        for size, listed in sorted(((int(s), int(p)) for s, p in lists.get(kind, {}).items())):
            # Regional prices are rounded half up to the minor unit.
            price = listed if percent is None else (listed * percent + 50) // 100
            offers.append(
                PacketOffer(
                    root_category_id,
                    kind,
                    size,
                    price,
                    _name(site, size),
                    tuple(dict(f) for f in features.get(kind, [])),
                    zone_id if percent is not None else None,
                )
            )
    return offers


def packet(
    site: SiteSnapshot, *, category_id: int, size: int, kind: str, zone_id: str | None = None
) -> PacketOffer:
    root = root_of(site, category_id)
    for offer in packets(site, root, zone_id):
        if offer.size == size and offer.type == kind:
            return offer
    raise BadRequest(f"There is no variant with size {size} for category {category_id}", code="no_variant")


def paid_features(site: SiteSnapshot) -> list[FeatureOffer]:
    return [
        FeatureOffer(str(f["code"]), str(f["type"]), int(f["duration"]), str(f["name"]), int(f["price"]))
        for f in _section(site).get("paid_features", [])
    ]


def paid_feature(site: SiteSnapshot, code: str) -> FeatureOffer | None:
    return next((f for f in paid_features(site) if f.code == code), None)
