"""A site's rules, typed: parsed once from its configuration when its snapshot loads.

Every default lives here (a site that leaves a key out gets the value below), and a value of the
wrong type is refused when the configuration is read, naming the site and the key, rather than
deep inside the first request that reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pazar.domain.realestate import OlxExportRules
from pazar.domain.text_rules import TextRules

LocationMode = Literal["city", "zipcode"]
LOCATION_MODES: tuple[LocationMode, ...] = ("city", "zipcode")

# Keys of ``rules`` that the configuration may carry but the running server does not read:
# ``autoupload_legacy_values`` is read by the seed's conversion of the Brasil files, and
# ``advert_path_prefix`` documents the public advert path (always ``/d/oferta/``).
NOT_READ_AT_RUN_TIME = frozenset({"autoupload_legacy_values", "advert_path_prefix"})
# The keys of ``rules`` that ``SiteRules`` reads (a typo among them is refused, not ignored).
RULE_KEYS = frozenset(
    {
        "text",
        "phone_min_digits",
        "phone_max_digits",
        "coordinates_max_distance_km",
        "courier_available",
        "location_mode",
        "advertiser_type_required",
        "advert_valid_days",
        "extend_available",
        "refresh_interval_days",
        "jobs_root_category_id",
        "free_limit_default",
        "extra_checks",
        "realestate",
    }
)


class InvalidSiteConfig(ValueError):
    """A site's configuration holds a value of the wrong type or outside its range."""


@dataclass(frozen=True, slots=True)
class RealEstateSettings:
    """``rules.realestate``: the RE sites' own rules."""

    contact_email_required: bool = True
    olx_export_default: bool = False
    olx_export: OlxExportRules | None = None  # no section: adverts are not checked for OLX export


@dataclass(frozen=True, slots=True)
class SiteRules:
    """What the advert core reads of a site's configuration (``rules`` and a few site-wide keys)."""

    text: TextRules = field(default_factory=TextRules)
    phone_min_digits: int = 9
    phone_max_digits: int = 15
    coordinates_max_km: float = 30.0
    courier_available: bool = False
    location_mode: LocationMode = "city"
    advertiser_type_required: bool = True
    advert_valid_days: int = 30
    extend_available: bool = True
    refresh_interval_days: int = 14
    jobs_root_category_id: int | None = None
    free_limit_default: int | None = None  # None: no free-advert limit where a category sets none
    extra_checks: tuple[str, ...] = ()  # names of site-specific check sets (the registry's keys)
    realestate: RealEstateSettings = field(default_factory=RealEstateSettings)
    # Site-wide keys beside ``rules``:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    moderation_delay_seconds: float = 3.0  # ``moderation.delay_seconds``
    paid_only_categories: frozenset[int] = frozenset()  # ``commerce.paid_only_categories``

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, site: str = "?") -> SiteRules:
        """The rules of a site's configuration document; ``InvalidSiteConfig`` on a bad value."""
        read = _Reader(site)
        rules = read.section(config, "rules")
        unknown = sorted(set(rules) - RULE_KEYS - NOT_READ_AT_RUN_TIME)
        if unknown:
            raise InvalidSiteConfig(f"site {site!r}: unknown key(s) in rules: {', '.join(unknown)}")
        defaults = cls()
        mode = rules.get("location_mode", defaults.location_mode)
        if mode not in LOCATION_MODES:
            raise InvalidSiteConfig(
                f"site {site!r}: rules.location_mode must be one of {LOCATION_MODES}, got {mode!r}"
            )
        minimum = read.integer(rules, "rules.phone_min_digits", defaults.phone_min_digits, low=1)
        maximum = read.integer(rules, "rules.phone_max_digits", defaults.phone_max_digits, low=minimum)
        checks = rules.get("extra_checks", [])
        if not isinstance(checks, list) or not all(isinstance(name, str) for name in checks):
            raise InvalidSiteConfig(
                f"site {site!r}: rules.extra_checks must be a list of names, got {checks!r}"
            )
        return cls(
            text=read.text(read.section(rules, "text", "rules.")),
            phone_min_digits=minimum,
            phone_max_digits=maximum,
            coordinates_max_km=read.number(
                rules, "rules.coordinates_max_distance_km", defaults.coordinates_max_km, low=0.0
            ),
            courier_available=read.flag(rules, "rules.courier_available", defaults.courier_available),
            location_mode=cast(LocationMode, mode),
            advertiser_type_required=read.flag(
                rules, "rules.advertiser_type_required", defaults.advertiser_type_required
            ),
            advert_valid_days=read.integer(
                rules, "rules.advert_valid_days", defaults.advert_valid_days, low=1
            ),
            extend_available=read.flag(rules, "rules.extend_available", defaults.extend_available),
            refresh_interval_days=read.integer(
                rules, "rules.refresh_interval_days", defaults.refresh_interval_days, low=0
            ),
            jobs_root_category_id=read.optional_integer(rules, "rules.jobs_root_category_id"),
            free_limit_default=read.optional_integer(rules, "rules.free_limit_default"),
            extra_checks=tuple(checks),
            realestate=read.realestate(read.section(rules, "realestate", "rules.")),
            timezone=read.zone(config),
            moderation_delay_seconds=read.number(
                read.section(config, "moderation"),
                "moderation.delay_seconds",
                defaults.moderation_delay_seconds,
                low=0.0,
            ),
            paid_only_categories=read.ids(read.section(config, "commerce"), "commerce.paid_only_categories"),
        )

    @property
    def moderation_delay(self) -> timedelta:
        return timedelta(seconds=self.moderation_delay_seconds)


class _Reader:
    """Typed reads of one site's configuration; every error names the site and the key's path."""

    def __init__(self, site: str) -> None:
        self.site = site

    def _refuse(self, path: str, expected: str, value: Any) -> InvalidSiteConfig:
        return InvalidSiteConfig(f"site {self.site!r}: {path} must be {expected}, got {value!r}")

    def section(self, config: Mapping[str, Any], key: str, prefix: str = "") -> Mapping[str, Any]:
        value = config.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self._refuse(prefix + key, "an object", value)
        return value

    @staticmethod
    def _leaf(path: str) -> str:
        return path.rsplit(".", 1)[-1]

    def integer(self, section: Mapping[str, Any], path: str, default: int, *, low: int) -> int:
        value = section.get(self._leaf(path), default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self._refuse(path, f"a whole number of at least {low}", value)
        return value

    def optional_integer(self, section: Mapping[str, Any], path: str) -> int | None:
        value = section.get(self._leaf(path))
        if value is None:
            return None
        return self.integer(section, path, 0, low=0)

    def number(self, section: Mapping[str, Any], path: str, default: float, *, low: float) -> float:
        value = section.get(self._leaf(path), default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
            raise self._refuse(path, f"a number of at least {low}", value)
        return float(value)

    def flag(self, section: Mapping[str, Any], path: str, default: bool) -> bool:
        value = section.get(self._leaf(path), default)
        if not isinstance(value, bool):
            raise self._refuse(path, "true or false", value)
        return value

    def ids(self, section: Mapping[str, Any], path: str) -> frozenset[int]:
        value = section.get(self._leaf(path)) or []
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise self._refuse(path, "a list of category ids", value)
        return frozenset(value)

    def text(self, section: Mapping[str, Any]) -> TextRules:
        defaults = TextRules()
        title_min = self.integer(section, "rules.text.title_min", defaults.title_min, low=0)
        description_min = self.integer(section, "rules.text.description_min", defaults.description_min, low=0)
        capitals = defaults.max_capitals_ratio
        if section.get("max_capitals_ratio", capitals) is None:
            capitals = None  # null turns the capitals rule off
        elif capitals is not None:
            capitals = self.number(section, "rules.text.max_capitals_ratio", capitals, low=0.0)
        return TextRules(
            title_min=title_min,
            title_max=self.integer(section, "rules.text.title_max", defaults.title_max, low=title_min),
            description_min=description_min,
            description_max=self.integer(
                section, "rules.text.description_max", defaults.description_max, low=description_min
            ),
            max_capitals_ratio=capitals,
            punctuation_runs=self.flag(section, "rules.text.punctuation_runs", defaults.punctuation_runs),
            forbid_contacts=self.flag(section, "rules.text.forbid_contacts", defaults.forbid_contacts),
        )

    def realestate(self, section: Mapping[str, Any]) -> RealEstateSettings:
        defaults = RealEstateSettings()
        export = self.section(section, "olx_export", "rules.realestate.")
        limits = set(OlxExportRules.__dataclass_fields__)  # ``site`` names the export target: not read
        for key, value in export.items():
            if key in limits and (isinstance(value, bool) or not isinstance(value, int)):
                raise self._refuse(f"rules.realestate.olx_export.{key}", "a whole number", value)
        return RealEstateSettings(
            contact_email_required=self.flag(
                section, "rules.realestate.contact_email_required", defaults.contact_email_required
            ),
            olx_export_default=self.flag(
                section, "rules.realestate.olx_export_default", defaults.olx_export_default
            ),
            olx_export=OlxExportRules.from_config(export) if section.get("olx_export") is not None else None,
        )

    def zone(self, config: Mapping[str, Any]) -> ZoneInfo:
        name = config.get("timezone", "UTC")
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise self._refuse("timezone", "an IANA time zone name", name) from exc
