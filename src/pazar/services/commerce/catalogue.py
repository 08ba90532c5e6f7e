"""The site's price lists, read from the ``commerce`` section of its site data.

Prices are integers in minor units. A site without the section sells nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pazar.domain.errors import BadRequest
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


def packets(site: SiteSnapshot, root_category_id: int) -> list[PacketOffer]:
    """The packet variants sold for a root category, base before mega, by size."""
    lists = _section(site).get("packets", {}).get(str(root_category_id), {})
    features = _section(site).get("packet_features", {})
    offers = []
    for kind in PACKET_TYPES:
        for size, price in sorted(((int(s), int(p)) for s, p in lists.get(kind, {}).items())):
            offers.append(
                PacketOffer(
                    root_category_id,
                    kind,
                    size,
                    price,
                    _name(site, size),
                    tuple(dict(f) for f in features.get(kind, [])),
                )
            )
    return offers


def packet(site: SiteSnapshot, *, category_id: int, size: int, kind: str) -> PacketOffer:
    root = root_of(site, category_id)
    for offer in packets(site, root):
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
