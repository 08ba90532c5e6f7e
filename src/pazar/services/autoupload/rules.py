"""The Brasil rules of a site, built from its reference data (once per snapshot, kept on it).

The vehicle years they accept run up to the current year of the injected clock, in the site's
time zone, so the sandbox's time travel moves it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from pazar.domain.adverts import ExtraCheck
from pazar.domain.brasil import BrasilRules, CategoryRules, ParamRule, checks
from pazar.ports import Clock
from pazar.services.autoupload.site_data import zip_ranges
from pazar.services.reference import CategoryInfo, SiteSnapshot

EXTRA_CHECK_NAME = "brasil"


def autoupload_params(category: CategoryInfo) -> list[dict[str, Any]]:
    """The category's param attributes (those carrying Brasil extras), in order."""
    return [a for a in category.attributes if "autoupload" in a]


def _category_rules(category: CategoryInfo) -> CategoryRules:
    extras = category.data.get("autoupload", {})
    params: dict[str, ParamRule] = {}
    parents: dict[str, dict[str, str]] = {}
    for attribute in autoupload_params(category):
        code, extra = str(attribute["code"]), attribute["autoupload"]
        params[code] = ParamRule(name=code, kind=str(extra["kind"]), parent=extra.get("parent"))
        if extra.get("parent"):
            parents[code] = {str(v["code"]): str(v["parent"]) for v in attribute.get("values", [])}
    return CategoryRules(
        id=category.id, types=frozenset(extras.get("types", ["s", "u"])), params=params, parents=parents
    )


def current_year(site: SiteSnapshot, clock: Clock) -> int:
    return clock.now().astimezone(site.rules.timezone).year


def build_rules(site: SiteSnapshot, clock: Clock) -> BrasilRules:
    return BrasilRules(
        categories={c.id: _category_rules(c) for c in site.categories.values() if "autoupload" in c.data},
        zip_ranges=zip_ranges(),
        current_year=lambda: current_year(site, clock),
        phone_min_digits=site.rules.phone_min_digits,
        phone_max_digits=site.rules.phone_max_digits,
    )


def rules_for(site: SiteSnapshot, clock: Clock) -> BrasilRules:
    """The site's Brasil rules, built on first use and kept with the snapshot (a snapshot belongs to
    one runtime, so to one clock)."""
    return site.derived("autoupload.rules", lambda: build_rules(site, clock))


def extra_checks_for(site: SiteSnapshot, clock: Clock) -> tuple[ExtraCheck, ...]:
    """The ``brasil`` check set (registered by ``pazar.wiring`` with the runtime's clock)."""
    return checks(rules_for(site, clock))


def param_error_codes(site: SiteSnapshot, category_id: int | None) -> dict[str, tuple[str, str]]:
    """The category's params -> (ERROR code when missing, ERROR code when invalid), from its data."""
    category = site.categories.get(category_id) if category_id is not None else None
    if category is None:
        return {}
    return {
        str(a["code"]): (str(a["autoupload"]["error_missing"]), str(a["autoupload"]["error_invalid"]))
        for a in autoupload_params(category)
    }


def fingerprint(site: SiteSnapshot, clock: Clock) -> str:
    """What an advert's validation depends on: the site's rules and categories, and the current year.

    An import stores it when it validates its ads; the worker checks them again only if it changed.
    """
    digest = site.derived("autoupload.digest", lambda: _digest(site))
    return f"{digest}:{current_year(site, clock)}"


def _digest(site: SiteSnapshot) -> str:
    data = {
        "config": site.config,
        "categories": [[c.id, c.is_leaf, c.photos_limit, c.data] for c in site.categories.values()],
    }
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()
