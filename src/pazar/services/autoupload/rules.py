"""The Brasil rules of a site, built from its reference data (and cached with the snapshot)."""

from __future__ import annotations

import hashlib
import weakref
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from pazar.domain.adverts import ExtraCheck
from pazar.domain.brasil import BrasilRules, CategoryRules, ParamRule, checks
from pazar.services.autoupload.site_data import zip_ranges
from pazar.services.reference import CategoryInfo, SiteSnapshot

EXTRA_CHECK_NAME = "brasil"

# One BrasilRules per snapshot: snapshots are replaced (not mutated) when the cache reloads.
_BY_SNAPSHOT: dict[int, tuple[BrasilRules, tuple[ExtraCheck, ...]]] = {}
_DIGESTS: dict[int, str] = {}


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


def build_rules(site: SiteSnapshot) -> BrasilRules:
    zone = ZoneInfo(str(site.config.get("timezone", "UTC")))
    rules = site.rules
    return BrasilRules(
        categories={c.id: _category_rules(c) for c in site.categories.values() if "autoupload" in c.data},
        zip_ranges=zip_ranges(),
        current_year=lambda: datetime.now(zone).year,
        phone_min_digits=int(rules.get("phone_min_digits", 10)),
        phone_max_digits=int(rules.get("phone_max_digits", 11)),
    )


def _cached(site: SiteSnapshot) -> tuple[BrasilRules, tuple[ExtraCheck, ...]]:
    key = id(site)
    found = _BY_SNAPSHOT.get(key)
    if found is None:
        rules = build_rules(site)
        found = (rules, checks(rules))
        _BY_SNAPSHOT[key] = found
        weakref.finalize(site, _BY_SNAPSHOT.pop, key, None)
    return found


def rules_for(site: SiteSnapshot) -> BrasilRules:
    return _cached(site)[0]


def extra_checks_for(site: SiteSnapshot) -> tuple[ExtraCheck, ...]:
    """The ``brasil`` entry of ``services.adverts.EXTRA_CHECKS``."""
    return _cached(site)[1]


def param_error_codes(site: SiteSnapshot, category_id: int | None) -> dict[str, tuple[str, str]]:
    """The category's params -> (ERROR code when missing, ERROR code when invalid), from its data."""
    category = site.categories.get(category_id) if category_id is not None else None
    if category is None:
        return {}
    return {
        str(a["code"]): (str(a["autoupload"]["error_missing"]), str(a["autoupload"]["error_invalid"]))
        for a in autoupload_params(category)
    }


def fingerprint(site: SiteSnapshot) -> str:
    """What an advert's validation depends on: the site's rules and categories, and the current year.

    An import stores it when it validates its ads; the worker checks them again only if it changed.
    """
    key = id(site)
    digest = _DIGESTS.get(key)
    if digest is None:
        data = {
            "config": site.config,
            "categories": [[c.id, c.is_leaf, c.photos_limit, c.data] for c in site.categories.values()],
        }
        digest = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()
        _DIGESTS[key] = digest
        weakref.finalize(site, _DIGESTS.pop, key, None)
    return f"{digest}:{rules_for(site).current_year()}"
