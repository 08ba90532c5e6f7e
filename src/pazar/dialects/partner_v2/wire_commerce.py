"""Wire shapes of the commerce endpoints (schemas AccountBalance, Packet, BoughtPacket, PaidFeature).

Money is kept in minor units everywhere else; it becomes a JSON number only here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pazar.dialects.partner_v2.wire import timestamp
from pazar.services.commerce.catalogue import FeatureOffer, PacketOffer
from pazar.services.commerce.entities import AdvertFeature, BoughtPacket, Payment
from pazar.services.commerce.ledger import Balance, PostpaidInvoice


def money(minor: int) -> int | float:
    """430.5 for 43050: an integer when whole, else the shortest float of the exact decimal."""
    return minor // 100 if minor % 100 == 0 else minor / 100


def formatted(minor: int, label: str) -> str:
    """Polish-style amount: ``1 430,50 zł``."""
    sign = "-" if minor < 0 else ""
    major, cents = divmod(abs(minor), 100)
    return f"{sign}{major:,}".replace(",", " ") + f",{cents:02d} {label}"


def balance(b: Balance) -> dict[str, Any]:
    return {
        "sum": money(b.sum),
        "wallet": money(b.wallet),
        "bonus": money(b.bonus),
        "refund": money(b.refund),
        "currency": b.currency,
    }


def billing_entry(p: Payment, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "date": timestamp(p.created_at, tz),
        "price": money(p.amount),
        "advert_id": p.advert_id,
    }


def prepaid_invoice(p: Payment, label: str) -> dict[str, Any]:
    return {
        "payment_id": p.id,
        "name": p.name,
        "amount": money(-p.amount),
        "amount_formatted": formatted(-p.amount, label),
        "advert_id": p.advert_id,
    }


def postpaid_invoice(
    i: PostpaidInvoice, *, user_id: int, label: str, issued: datetime, due: datetime
) -> dict[str, Any]:
    return {
        "invoice_id": f"{i.year}/{i.month:02d}/{user_id}",
        "issue_date": issued.strftime("%Y-%m-%d"),
        "due_date": due.strftime("%Y-%m-%d"),
        "amount_gross": money(i.gross),
        "amount_net": money(i.net),
        "amount_formatted": formatted(i.gross, label),
        "advert_id": i.advert_id,
    }


def packet_offer(o: PacketOffer, *, category_id: int, price: int, with_features: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "size": o.size,
        "category_id": category_id,
        "name": o.name,
        "price": money(price),
        "is_premium": o.type == "mega",
        "type": o.type,
    }
    if with_features:
        body["features"] = [dict(f) for f in o.features]
    return body


def bought_packet(
    p: BoughtPacket, *, left: int, active: bool, labels: list[str], location: str | None, tz: ZoneInfo
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "is_active": active,
        "size": p.size,
        "left": left,
        "active_to": timestamp(p.active_to, tz),
        "price": money(p.price),
        "categories_labels": labels,
        "categories_ids": [p.root_category_id],
    }
    if p.zone_id is not None:
        body["location_name"] = location
        body["zone_id"] = p.zone_id
    return body


def zone(z: dict[str, Any]) -> dict[str, Any]:
    """A LocationZone (the site data's extra ``region_ids`` stay inside)."""
    return {k: z[k] for k in ("id", "whole_country", "whole_region", "labels", "sub_zones") if k in z}


def feature_offer(f: FeatureOffer) -> dict[str, Any]:
    return {"code": f.code, "type": f.type, "duration": f.duration, "name": f.name}


def advert_feature(f: AdvertFeature, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "code": f.code,
        "type": f.type,
        "duration": f.duration,
        "name": f.name,
        "valid_to": timestamp(f.valid_to, tz),
    }
