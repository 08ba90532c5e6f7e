"""Reference data of a site (taxonomy, geography, configuration), read-mostly and cached.

Every request needs categories and cities (validation, listings), and they change
only when `pazar seed` runs, so each process keeps a snapshot per site and
reloads it after ``ttl`` seconds. A snapshot's rules are parsed, and its site-specific checks
looked up in the registry the composition root built, when it loads: a bad configuration fails
there, naming the site and the key.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession as Session

from pazar.db.models import Category, City, District, Region, Site
from pazar.domain.adverts import ExtraCheck
from pazar.domain.errors import NotFound
from pazar.domain.site_rules import SiteRules
from pazar.domain.taxonomy import LeafDocument, SuggestionIndex

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    id: int
    parent_id: int | None
    name: str
    photos_limit: int
    is_leaf: bool
    free_limit: int | None
    urn: str | None
    position: int
    data: dict[str, Any]

    @property
    def attributes(self) -> list[dict[str, Any]]:
        return list(self.data.get("attributes", []))

    @property
    def keywords(self) -> list[str]:
        return list(self.data.get("keywords", []))

    def name_in(self, language: str) -> str:
        return str(self.data.get("translations", {}).get(language, self.name))


@dataclass(frozen=True, slots=True)
class RegionInfo:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class CityInfo:
    id: int
    region_id: int
    name: str
    county: str
    municipality: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class DistrictInfo:
    id: int
    city_id: int
    name: str
    latitude: float
    longitude: float


@dataclass
class SiteSnapshot:
    site_id: str
    name: str
    country_code: str
    default_language: str
    default_currency: str
    config: dict[str, Any]
    categories: dict[int, CategoryInfo]
    regions: dict[int, RegionInfo]
    cities: dict[int, CityInfo]
    districts: dict[int, DistrictInfo]
    children: dict[int | None, list[int]] = field(default_factory=dict)
    districts_by_city: dict[int, list[int]] = field(default_factory=dict)
    rules: SiteRules = field(init=False)
    # The site-specific checks its ``rules.extra_checks`` name, from the registry (set at load).
    checks: tuple[ExtraCheck, ...] = field(init=False, default=())
    # What is built from this snapshot once and lives as long as it (``derived``).
    _derived: dict[str, Any] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.rules = SiteRules.from_config(self.config, site=self.site_id)
        for cat in sorted(self.categories.values(), key=lambda c: (c.position, c.id)):
            self.children.setdefault(cat.parent_id, []).append(cat.id)
        for district in sorted(self.districts.values(), key=lambda d: d.id):
            self.districts_by_city.setdefault(district.city_id, []).append(district.id)

    def derived(self, key: str, build: Callable[[], T]) -> T:
        """``build()`` once per snapshot (a reload builds a new one): rule sets, digests."""
        if key not in self._derived:
            self._derived[key] = build()
        return cast(T, self._derived[key])

    @property
    def languages(self) -> list[dict[str, Any]]:
        return list(self.config.get("languages", []))

    @property
    def currencies(self) -> list[dict[str, Any]]:
        return list(self.config.get("currencies", []))

    def language_for(self, accept_language: str | None) -> str:
        """The site language an ``Accept-Language`` header asks for (site default otherwise)."""
        offered = {str(lang["code"]) for lang in self.languages}
        for part in (accept_language or "").split(","):
            code = part.split(";")[0].strip().lower()
            for candidate in (code, code.split("-")[0]):
                if candidate in offered:
                    return candidate
        return self.default_language

    def category(self, category_id: int) -> CategoryInfo:
        cat = self.categories.get(category_id)
        if cat is None:
            raise NotFound("Category not found")
        return cat

    def ancestors(self, category_id: int) -> list[CategoryInfo]:
        """Parents of a category, root first."""
        chain: list[CategoryInfo] = []
        parent = self.categories[category_id].parent_id
        while parent is not None and parent in self.categories and len(chain) < 32:
            chain.append(self.categories[parent])
            parent = self.categories[parent].parent_id
        return list(reversed(chain))

    def root_of(self, category_id: int) -> CategoryInfo:
        chain = self.ancestors(category_id)
        return chain[0] if chain else self.categories[category_id]

    def city(self, city_id: int) -> CityInfo:
        city = self.cities.get(city_id)
        if city is None:
            raise NotFound("City not found")
        return city

    def district(self, district_id: int) -> DistrictInfo:
        district = self.districts.get(district_id)
        if district is None:
            raise NotFound("District not found")
        return district

    def region(self, region_id: int) -> RegionInfo:
        region = self.regions.get(region_id)
        if region is None:
            raise NotFound("Region not found")
        return region

    @cached_property
    def suggestions(self) -> SuggestionIndex:
        docs = []
        for cat in self.categories.values():
            if not cat.is_leaf:
                continue
            own = [cat.name, *cat.keywords]
            for attribute in cat.attributes:
                if attribute.get("code") in {"brand", "model", "make", "marka"}:
                    own.extend(str(v.get("label", "")) for v in attribute.get("values", []))
            docs.append(
                LeafDocument(cat.id, own_text=own, ancestor_text=[a.name for a in self.ancestors(cat.id)])
            )
        return SuggestionIndex.build(docs)


async def load_snapshot(session: Session, site_id: str) -> SiteSnapshot:
    site = await session.get(Site, site_id)
    if site is None:
        raise NotFound(f"Site {site_id!r} does not exist")
    cats = (await session.execute(select(Category).where(Category.site_id == site_id))).scalars()
    regions = (await session.execute(select(Region).where(Region.site_id == site_id))).scalars()
    cities = (await session.execute(select(City).where(City.site_id == site_id))).scalars()
    districts = (await session.execute(select(District).where(District.site_id == site_id))).scalars()
    return SiteSnapshot(
        site_id=site.id,
        name=site.name,
        country_code=site.country_code,
        default_language=site.default_language,
        default_currency=site.default_currency,
        config=dict(site.config),
        categories={
            c.id: CategoryInfo(
                c.id, c.parent_id, c.name, c.photos_limit, c.is_leaf, c.free_limit, c.urn, c.position, c.data
            )
            for c in cats
        },
        regions={r.id: RegionInfo(r.id, r.name) for r in regions},
        cities={
            c.id: CityInfo(c.id, c.region_id, c.name, c.county, c.municipality, c.latitude, c.longitude)
            for c in cities
        },
        districts={d.id: DistrictInfo(d.id, d.city_id, d.name, d.latitude, d.longitude) for d in districts},
    )


SiteLoader = Callable[[Session, str], Awaitable[SiteSnapshot]]
# Builds a site's checks of one name (e.g. Brasil's zip codes and vehicle catalogues).
CheckFactory = Callable[[SiteSnapshot], tuple[ExtraCheck, ...]]


class UnknownSiteCheck(LookupError):
    """A site's ``rules.extra_checks`` names a check set no registry entry provides."""


@dataclass(frozen=True)
class SiteChecks:
    """The site-specific check sets, by the name a site's ``rules.extra_checks`` lists.

    Built by the composition root (``pazar.wiring``), which knows every set and what each needs.
    """

    factories: Mapping[str, CheckFactory]

    def for_site(self, site: SiteSnapshot) -> tuple[ExtraCheck, ...]:
        checks: tuple[ExtraCheck, ...] = ()
        for name in site.rules.extra_checks:
            factory = self.factories.get(name)
            if factory is None:
                known = ", ".join(sorted(self.factories)) or "none"
                raise UnknownSiteCheck(
                    f"site {site.site_id!r}: rules.extra_checks names {name!r}, "
                    f"which is not a registered check set (registered: {known})"
                )
            checks += factory(site)
        return checks


class ReferenceCache:
    """Per-process snapshots of each site's reference data."""

    def __init__(self, ttl_seconds: float = 60.0, checks: SiteChecks | None = None) -> None:
        self.ttl = ttl_seconds
        self.checks = checks or SiteChecks({})
        self._snapshots: dict[str, tuple[float, SiteSnapshot]] = {}
        self._lock = asyncio.Lock()

    async def get(self, session: Session, site_id: str) -> SiteSnapshot:
        cached = self._snapshots.get(site_id)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        async with self._lock:
            cached = self._snapshots.get(site_id)
            if cached and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            snapshot = await load_snapshot(session, site_id)
            snapshot.checks = self.checks.for_site(snapshot)
            self._snapshots[site_id] = (time.monotonic(), snapshot)
            return snapshot

    def use_checks(self, checks: SiteChecks) -> None:
        """The composition root's registry: snapshots loaded from now on get their checks from it."""
        self.checks = checks
        self.invalidate()

    def invalidate(self) -> None:
        self._snapshots.clear()
