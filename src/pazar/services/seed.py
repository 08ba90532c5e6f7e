"""Load the shipped sites (taxonomy, geography, configuration) and the demo accounts.

Idempotent: reference rows are upserted (adverts may point at them, so nothing is
deleted), demo users and the demo app are created when missing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from sqlalchemy import func, select

from pazar.db.models import Category, City, District, Region, Site
from pazar.db.upsert import upsert
from pazar.domain.site_rules import SiteRules
from pazar.ports import Clock, token_digest
from pazar.services import accounts
from pazar.services.autoupload import site_data as autoupload_site_data
from pazar.services.commerce import wallet
from pazar.services.realestate import site_data as re_site_data
from pazar.services.runtime import Session
from pazar.services.secrets_store import derive_secret

_BATCH = 500


@dataclass
class DemoCredentials:
    site_id: str
    users: list[dict[str, Any]] = field(default_factory=list)
    app: dict[str, Any] = field(default_factory=dict)


def site_directories() -> Iterator[Traversable]:
    root = resources.files("pazar.data").joinpath("sites")
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and entry.joinpath("site.json").is_file():
            yield entry


def _read(directory: Traversable, name: str) -> Any:
    path = directory.joinpath(name)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def shipped_site_ids() -> list[str]:
    return [str(_read(d, "site.json")["id"]) for d in site_directories()]


def shipped_site_hosts() -> dict[str, list[str]]:
    """Each shipped site's own host names (the default Host -> site map)."""
    return {
        str(site["id"]): list(site.get("hosts", []))
        for site in map(lambda d: _read(d, "site.json"), site_directories())
    }


# The API a shipped site speaks, by its data format (keys of ``services.oauth.API_TOKENS``).
_FORMAT_APIS = {"re": "re", "autoupload": "autoupload"}


def shipped_site_apis() -> dict[str, str]:
    """Each shipped site's API: a dialect answers only on the hosts of its own sites."""
    return {
        str(site["id"]): _FORMAT_APIS.get(str(site.get("data_format", "standard")), "v2")
        for site in map(lambda d: _read(d, "site.json"), site_directories())
    }


async def _upsert_all(
    session: Session, model: Any, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    for start in range(0, len(rows), _BATCH):
        await session.execute(upsert(session, model, rows[start : start + _BATCH], keys=keys))


def _site_row(site: dict[str, Any]) -> dict[str, Any]:
    config = {k: v for k, v in site.items() if k not in {"id", "name", "country_code", "demo", "data_format"}}
    SiteRules.from_config(config, site=str(site["id"]))  # a bad value is refused before it is stored
    return {
        "id": site["id"],
        "name": site["name"],
        "country_code": site["country_code"],
        "default_language": site["default_language"],
        "default_currency": site["default_currency"],
        "config": config,
    }


def _category_rows(site_id: str, categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    parents = {c.get("parent_id") for c in categories}
    rows = []
    for position, cat in enumerate(categories):
        data = {
            k: v
            for k, v in cat.items()
            if k not in {"id", "parent_id", "name", "photos_limit", "free_limit", "urn"}
        }
        rows.append(
            {
                "site_id": site_id,
                "id": cat["id"],
                "parent_id": cat.get("parent_id"),
                "urn": cat.get("urn"),
                "name": cat["name"],
                "photos_limit": cat.get("photos_limit", 8),
                "is_leaf": cat["id"] not in parents,
                "free_limit": cat.get("free_limit"),
                "position": position,
                "data": data,
            }
        )
    return rows


# A site's data files in the shape load_site stores: categories (the v2 Category + attributes
# shape), regions, cities and districts. Sites whose shipped files have another shape name
# their converter in site.json ("data_format"); converters register here.
SiteData = dict[str, list[dict[str, Any]]]
Converter = Callable[[Traversable, dict[str, Any]], SiteData]


def standard_files(directory: Traversable, site: dict[str, Any]) -> SiteData:
    return {
        name: _read(directory, f"{name}.json") or []
        for name in ("categories", "regions", "cities", "districts")
    }


CONVERTERS: dict[str, Converter] = {"standard": standard_files, "re": re_site_data.convert}
# Demo content a data format adds once its demo users and app exist (RE: API key, legacy adverts).
DemoExtra = Callable[[Session, dict[str, Any], "DemoCredentials", str, Clock], Awaitable[None]]
DEMO_EXTRAS: dict[str, DemoExtra] = {"re": re_site_data.demo}
CONVERTERS[autoupload_site_data.DATA_FORMAT] = autoupload_site_data.convert


async def load_site(session: Session, directory: Traversable) -> str:
    site = _read(directory, "site.json")
    site_id = str(site["id"])
    await _upsert_all(session, Site, [_site_row(site)], ["id"])
    data = CONVERTERS[site.get("data_format", "standard")](directory, site)
    categories = data.get("categories", [])
    if categories:
        await _upsert_all(session, Category, _category_rows(site_id, categories), ["site_id", "id"])
    regions = data.get("regions", [])
    if regions:
        await _upsert_all(session, Region, [{"site_id": site_id, **r} for r in regions], ["site_id", "id"])
    cities = data.get("cities", [])
    if cities:
        rows = [
            {
                "site_id": site_id,
                "id": c["id"],
                "region_id": c["region_id"],
                "name": c["name"],
                "county": c.get("county", ""),
                "municipality": c.get("municipality", ""),
                "latitude": c["latitude"],
                "longitude": c["longitude"],
            }
            for c in cities
        ]
        await _upsert_all(session, City, rows, ["site_id", "id"])
    districts = data.get("districts", [])
    if districts:
        rows = [
            {
                "site_id": site_id,
                "id": d["id"],
                "city_id": d["city_id"],
                "name": d["name"],
                "latitude": d["latitude"],
                "longitude": d["longitude"],
            }
            for d in districts
        ]
        await _upsert_all(session, District, rows, ["site_id", "id"])
    return site_id


def demo_app_secret(secret_key: str, site_id: str) -> str:
    return derive_secret(secret_key, f"demo-app:{site_id}")


async def ensure_demo(
    session: Session, directory: Traversable, *, secret_key: str, password: str, clock: Clock
) -> DemoCredentials | None:
    """The site's demo users and app; their credentials are derivable, so they can be printed again."""
    site = _read(directory, "site.json")
    demo = site.get("demo")
    if not demo:
        return None
    site_id = str(site["id"])
    creds = DemoCredentials(site_id=site_id)
    for spec in demo.get("users", []):
        user = await accounts.find_user_by_email(session, site_id=site_id, email=spec["email"])
        if user is None:
            user = await accounts.create_user(
                session,
                site_id=site_id,
                email=spec["email"],
                password=password,
                clock=clock,
                name=spec.get("name", ""),
                phone=spec.get("phone", ""),
                is_business=bool(spec.get("is_business")),
            )
            await wallet.starting_credit(session, site_id=site_id, user=user, clock=clock)
        creds.users.append(
            {"id": user.id, "email": user.email, "password": password, "is_business": user.is_business}
        )
    app_spec = demo.get("app")
    if app_spec:
        secret = demo_app_secret(secret_key, site_id)
        app = await accounts.find_app(session, app_spec["client_id"])
        if app is None:
            new = await accounts.create_app(
                session,
                site_id=site_id,
                name=app_spec["name"],
                redirect_uris=app_spec["redirect_uris"],
                clock=clock,
                client_id=app_spec["client_id"],
                client_secret=secret,
                allow_external_url=True,
                **{k: app_spec[k] for k in ("scopes", "grant_types") if k in app_spec},
            )
            app = new.app
        elif app.site_id == site_id:
            app.secret_hash = token_digest(secret)  # follows the server key if it changed
        creds.app = {
            "client_id": app.client_id,
            "client_secret": secret,
            "redirect_uris": app.redirect_uris,
            "name": app.name,
        }
    extra = DEMO_EXTRAS.get(site.get("data_format", "standard"))
    if extra is not None:
        await extra(session, site, creds, secret_key, clock)
    await session.flush()
    return creds


async def seed(
    session: Session, *, secret_key: str, password: str, clock: Clock, only_missing: bool = False
) -> list[DemoCredentials]:
    """Load every shipped site (or, with ``only_missing``, the ones not in the database yet)."""
    existing = set((await session.execute(select(Site.id))).scalars())
    result = []
    for directory in site_directories():
        site_id = str(_read(directory, "site.json")["id"])
        if not only_missing or site_id not in existing:
            await load_site(session, directory)
        creds = await ensure_demo(session, directory, secret_key=secret_key, password=password, clock=clock)
        if creds:
            result.append(creds)
    return result


async def is_empty(session: Session) -> bool:
    return not await session.scalar(select(func.count()).select_from(Site))
