"""The shipped RE site files (``data_format: "re"``) as standard rows, and the RE demo extras.

Categories: each of ``categories.json`` becomes a leaf category (its integer ``id``, its
``urn``) whose attributes are in the Partner API v2 shape, ``code`` being the attribute URN
and every value code a value URN; a ``price`` pseudo-attribute makes the top-level
``price`` required, as on every pazar site. ``re_type`` and ``olx_export_area`` are kept for
the RE rules (whole numbers, the OLX-export area range).

Locations: Portugal's three levels map onto pazar's regions, cities and districts:
district (distrito, and the two autonomous regions) -> region, municipality (concelho)
-> city, parish (freguesia, shipped for Lisboa and Porto) -> district of its city. An
RE advert names coordinates; the nearest municipality (and parish) files it.
"""

from __future__ import annotations

import base64
import json
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from pazar.db.models import Advert
from pazar.domain.commands import AdvertDraft, AttributeValue, Contact, CreateAdvert, Location, Price
from pazar.domain.oauth import Principal
from pazar.ports import Clock, token_digest
from pazar.services import accounts, adverts
from pazar.services.realestate import checks
from pazar.services.reference import SiteChecks, load_snapshot
from pazar.services.runtime import Session
from pazar.services.secrets_store import derive_secret

if TYPE_CHECKING:
    from pazar.services.seed import DemoCredentials

LEGACY_FEED = "legacy_feed"
_NUMERIC = {"integer", "decimal"}


def _read(directory: Traversable, name: str) -> Any:
    path = directory.joinpath(name)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def attribute_definition(attribute: dict[str, Any]) -> dict[str, Any]:
    kind = str(attribute["type"])
    return {
        "code": attribute["urn"],
        "label": attribute["label"],
        "unit": "m²" if str(attribute["urn"]).endswith("-m2") else None,
        "validation": {
            "type": "attribute",
            "required": bool(attribute.get("required")),
            "numeric": kind in _NUMERIC,
            "min": attribute.get("min"),
            "max": attribute.get("max"),
            "allow_multiple_values": kind == "enum_multi",
        },
        "values": [{"code": v["urn"], "label": v["label"]} for v in attribute.get("values", [])],
        "re_type": kind,
        "olx_export_area": bool(attribute.get("olx_export_area")),
    }


PRICE_DEFINITION: dict[str, Any] = {
    "code": "price",
    "label": "Preço",
    "unit": None,
    "validation": {
        "type": "price",
        "required": True,
        "numeric": True,
        "min": None,
        "max": None,
        "allow_multiple_values": False,
    },
    "values": [],
}


def convert(directory: Traversable, site: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """``categories.json`` and ``locations.json`` as the rows ``services.seed.load_site`` stores."""
    categories = [
        {
            "id": cat["id"],
            "parent_id": None,
            "urn": cat["urn"],
            "name": cat["name"],
            "photos_limit": cat.get("photos_limit", 40),
            "translations": {"en": cat.get("name_en", cat["name"])},
            "transaction": cat.get("transaction"),
            "keywords": [cat.get("name_en", "")],
            "attributes": [PRICE_DEFINITION, *(attribute_definition(a) for a in cat.get("attributes", []))],
        }
        for cat in _read(directory, "categories.json")
    ]
    locations = _read(directory, "locations.json")
    by_id = {loc["id"]: loc for loc in locations}
    regions = [{"id": loc["id"], "name": loc["name"]} for loc in locations if loc["level"] == "district"]
    cities = [
        {
            "id": loc["id"],
            "region_id": loc["parent_id"],
            "name": loc["name"],
            "county": by_id[loc["parent_id"]]["name"],
            "municipality": loc["name"],
            "latitude": loc["latitude"],
            "longitude": loc["longitude"],
        }
        for loc in locations
        if loc["level"] == "municipality"
    ]
    districts = [
        {
            "id": loc["id"],
            "city_id": loc["parent_id"],
            "name": loc["name"],
            "latitude": loc["latitude"],
            "longitude": loc["longitude"],
        }
        for loc in locations
        if loc["level"] == "parish"
    ]
    return {"categories": categories, "regions": regions, "cities": cities, "districts": districts}


# --- demo extras ----------------------------------------------------------------------------------


def demo_api_key(secret_key: str, site_id: str) -> str:
    return derive_secret(secret_key, f"demo-api-key:{site_id}", 40)


def demo_notification_secret(secret_key: str, site_id: str) -> str:
    raw = bytes.fromhex(derive_secret(secret_key, f"demo-notification-secret:{site_id}", 48))
    return "whsec_" + base64.b64encode(raw).decode()


async def demo(
    session: Session, site: dict[str, Any], creds: DemoCredentials, secret_key: str, clock: Clock
) -> None:
    """The demo RE app's API key and notification secret (derived, so printable again) and legacy adverts."""
    site_id = str(site["id"])
    spec = site.get("demo", {})
    app = await accounts.find_app(session, str(creds.app["client_id"])) if creds.app else None
    if app is not None and app.site_id == site_id:
        api_key = demo_api_key(secret_key, site_id)
        secret = demo_notification_secret(secret_key, site_id)
        app.api_key_hash, app.notification_secret = token_digest(api_key), secret
        if spec.get("app", {}).get("webhook_url"):
            app.webhook_url = spec["app"]["webhook_url"]
        creds.app.update(api_key=api_key, notification_secret=secret, webhook_url=app.webhook_url)
    legacy = spec.get("legacy_adverts")
    if legacy and app is not None:
        await _legacy_adverts(session, site_id=site_id, spec=legacy, app_id=app.id, clock=clock)
    await session.flush()


async def _legacy_adverts(
    session: Session, *, site_id: str, spec: dict[str, Any], app_id: int, clock: Clock
) -> None:
    """Adverts as the legacy bulk feed posted them for a demo user (once): what `import=1` claims."""
    user = await accounts.find_user_by_email(session, site_id=site_id, email=spec["user"])
    if user is None:
        return
    existing = await session.scalar(
        select(func.count()).where(Advert.user_id == user.id, Advert.source == LEGACY_FEED)
    )
    if existing:
        return
    snapshot = await load_snapshot(session, site_id)
    # Seeding runs before any runtime exists: the RE site's own check set, as the registry would give it.
    snapshot.checks = SiteChecks({checks.NAME: checks.realestate_checks}).for_site(snapshot)
    by_urn = {c.urn: c.id for c in snapshot.categories.values()}
    # The feed is not a partner app: the adverts are posted under the demo app, then detached from it.
    principal = Principal(app_id=app_id, client_id="", site_id=site_id, scopes=frozenset(), user_id=user.id)
    for item in spec.get("adverts", []):
        draft = AdvertDraft(
            title=item["title"],
            description=item["description"],
            category_id=by_urn[item["category_urn"]],
            contact=Contact(name=user.name, phone=user.phone or None, email=user.email),
            location=Location(
                city_id=item["city_id"],
                district_id=item.get("district_id"),
                latitude=item["lat"],
                longitude=item["lon"],
            ),
            images=tuple(item.get("images", [])),
            price=Price(value=item["price"], currency=snapshot.default_currency),
            attributes=tuple(AttributeValue(code=k, value=str(v)) for k, v in item["attributes"].items()),
            external_id=item["external_id"],
            extra={"custom_fields": {"id": item["external_id"], "reference_id": item.get("reference_id")}},
        )
        advert = await adverts.create_advert(
            session,
            site=snapshot,
            principal=principal,
            command=CreateAdvert(draft=draft, source=LEGACY_FEED),
            clock=clock,
            moderation_delay=adverts.moderation_delay(snapshot, None),
        )
        advert.app_id = None
