"""Site rules for adverts: the text, price and location rules of a site, its category and city specs,
the site-specific checks, and the ``Validator`` that applies them to drafts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from pazar.domain.adverts import (
    AdvertContext,
    AdvertRules,
    AttributeSpec,
    CategorySpec,
    CitySpec,
    ExtraCheck,
    check_advert,
)
from pazar.domain.commands import AdvertDraft
from pazar.domain.text_rules import TextRules
from pazar.services.reference import SiteSnapshot

# --- site rules ---------------------------------------------------------------------------


def advert_rules(site: SiteSnapshot) -> AdvertRules:
    rules = site.rules
    text = rules.get("text", {})
    return AdvertRules(
        text=TextRules(
            title_min=int(text.get("title_min", 16)),
            title_max=int(text.get("title_max", 70)),
            description_min=int(text.get("description_min", 80)),
            description_max=int(text.get("description_max", 9000)),
            max_capitals_ratio=text.get("max_capitals_ratio", 0.5),
            punctuation_runs=bool(text.get("punctuation_runs", True)),
            forbid_contacts=bool(text.get("forbid_contacts", True)),
        ),
        currencies=frozenset(str(c["code"]) for c in site.currencies) or frozenset({site.default_currency}),
        phone_min_digits=int(rules.get("phone_min_digits", 9)),
        phone_max_digits=int(rules.get("phone_max_digits", 15)),
        coordinates_max_km=float(rules.get("coordinates_max_distance_km", 30)),
        courier_available=bool(rules.get("courier_available", False)),
        location_mode=str(rules.get("location_mode", "city")),
        advertiser_type_required=bool(rules.get("advertiser_type_required", True)),
    )


def moderation_delay(site: SiteSnapshot, override_seconds: float | None) -> timedelta:
    seconds = override_seconds
    if seconds is None:
        seconds = float(site.config.get("moderation", {}).get("delay_seconds", 3))
    return timedelta(seconds=max(0.0, seconds))


def valid_days(site: SiteSnapshot) -> int:
    return int(site.rules.get("advert_valid_days", 30))


def is_jobs_category(site: SiteSnapshot, category_id: int) -> bool:
    jobs_root = site.rules.get("jobs_root_category_id")
    return jobs_root is not None and site.root_of(category_id).id == int(jobs_root)


def category_spec(site: SiteSnapshot, category_id: int) -> CategorySpec | None:
    cat = site.categories.get(category_id)
    if cat is None:
        return None
    return CategorySpec(
        id=cat.id,
        is_leaf=cat.is_leaf,
        is_jobs=is_jobs_category(site, cat.id),
        photos_limit=cat.photos_limit,
        attributes=tuple(AttributeSpec.from_definition(a) for a in cat.attributes),
    )


def city_spec(site: SiteSnapshot, city_id: int | None) -> CitySpec | None:
    city = site.cities.get(city_id) if city_id is not None else None
    if city is None:
        return None
    districts = {
        d: (site.districts[d].latitude, site.districts[d].longitude)
        for d in site.districts_by_city.get(city.id, [])
    }
    return CitySpec(city.id, city.latitude, city.longitude, districts)


# Site-specific rule sets, by the name a site's `rules.extra_checks` lists: each builds the
# domain checks for one site (e.g. Brasil's zip codes and vehicle catalogues).
ExtraCheckFactory = Callable[[SiteSnapshot], tuple[ExtraCheck, ...]]
EXTRA_CHECKS: dict[str, ExtraCheckFactory] = {}


def extra_checks(site: SiteSnapshot) -> tuple[ExtraCheck, ...]:
    checks: tuple[ExtraCheck, ...] = ()
    for name in site.rules.get("extra_checks", []):
        checks += EXTRA_CHECKS[name](site)
    return checks


class Validator:
    """Checks drafts of one site: rules, extra checks and category specs built once for many drafts."""

    def __init__(self, site: SiteSnapshot, *, external_url_allowed: bool) -> None:
        self._site = site
        self._rules = advert_rules(site)
        self._extra = extra_checks(site)
        self._external_url_allowed = external_url_allowed
        self._categories: dict[int, CategorySpec | None] = {}

    def __call__(self, draft: AdvertDraft) -> None:
        category_id = draft.category_id
        if category_id not in self._categories:
            self._categories[category_id] = category_spec(self._site, category_id)
        check_advert(
            draft,
            AdvertContext(
                category=self._categories[category_id],
                city=city_spec(self._site, draft.location.city_id),
                rules=self._rules,
                external_url_allowed=self._external_url_allowed,
                extra_checks=self._extra,
            ),
        )


def is_paid_only(site: SiteSnapshot, root_category_id: int) -> bool:
    """A root category where no advert is free (site config ``commerce.paid_only_categories``): a new
    advert waits ``unpaid`` for a packet, where elsewhere it would be ``limited``."""
    paid_only = (site.config.get("commerce") or {}).get("paid_only_categories") or ()
    return root_category_id in paid_only
