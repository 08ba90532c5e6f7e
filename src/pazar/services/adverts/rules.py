"""Site rules for adverts: the text, price and location rules of a site, its category and city specs,
and the ``Validator`` that applies them to drafts."""

from __future__ import annotations

from datetime import timedelta

from pazar.domain.adverts import (
    AdvertContext,
    AdvertRules,
    AttributeSpec,
    CategorySpec,
    CitySpec,
    check_advert,
)
from pazar.domain.commands import AdvertDraft
from pazar.services.reference import SiteSnapshot

# --- site rules ---------------------------------------------------------------------------


def advert_rules(site: SiteSnapshot) -> AdvertRules:
    return site.derived("adverts.rules", lambda: _advert_rules(site))


def _advert_rules(site: SiteSnapshot) -> AdvertRules:
    rules = site.rules
    return AdvertRules(
        text=rules.text,
        currencies=frozenset(str(c["code"]) for c in site.currencies) or frozenset({site.default_currency}),
        phone_min_digits=rules.phone_min_digits,
        phone_max_digits=rules.phone_max_digits,
        coordinates_max_km=rules.coordinates_max_km,
        courier_available=rules.courier_available,
        location_mode=rules.location_mode,
        advertiser_type_required=rules.advertiser_type_required,
    )


def moderation_delay(site: SiteSnapshot, override_seconds: float | None) -> timedelta:
    if override_seconds is None:
        return site.rules.moderation_delay
    return timedelta(seconds=max(0.0, override_seconds))


def valid_days(site: SiteSnapshot) -> int:
    return site.rules.advert_valid_days


def is_jobs_category(site: SiteSnapshot, category_id: int) -> bool:
    jobs_root = site.rules.jobs_root_category_id
    return jobs_root is not None and site.root_of(category_id).id == jobs_root


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


class Validator:
    """Checks drafts of one site: rules, extra checks and category specs built once for many drafts."""

    def __init__(self, site: SiteSnapshot, *, external_url_allowed: bool) -> None:
        self._site = site
        self._rules = advert_rules(site)
        self._extra = site.checks
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
    return root_category_id in site.rules.paid_only_categories
