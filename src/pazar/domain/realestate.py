"""Rules only real-estate (RE Partner API) sites have, e.g. imovirtual.com (digest B.2).

The text, contact-name, phone, price and attribute rules every site shares live in
``domain.adverts``; a site names this module in its ``rules.extra_checks`` and
``check`` adds what the RE platform asks on top:

* the contact e-mail is required and must look like an address;
* attributes the taxonomy types as integers take whole numbers only;
* an advert also exported to OLX (``olx_export``) must pass OLX's stricter rules
  (the OLX.PT column of B.2): title 5-111 and description 20-9000 characters, the
  description not all in capitals, contact name 2-100 characters, phone 9-10
  digits, a non-zero price of at most 13 characters, at least one image, and the
  area attributes (net, gross, terrain, usable m²) integers from 1 to 15,000,000.

RE clients locate an advert by coordinates, not by a city id: ``nearest`` picks the
reference point (municipality, then parish) an advert is filed under.

Field names are the core's (``name``, ``phone``, ``params.<urn>``...); ``wire_field``
gives the RE payload path a client sees in a failure notification.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from pazar.domain.commands import AdvertDraft
from pazar.domain.errors import FieldError
from pazar.domain.geo import distance_km
from pazar.domain.oauth import TokenPolicy

# The RE token server (DOGREF refresh-token): access 1 hour, refresh 1 year. Every refresh returns a
# new access token and a new refresh token (valid a year again); the one used stops working.
RE_TOKEN_POLICY: Final = TokenPolicy(
    access_ttl=timedelta(hours=1), refresh_ttl=timedelta(days=365), rotate_refresh_daily=False
)
# The RE platform documents no scopes; pazar's RE tokens carry these two.
RE_SCOPES: Final = ("read", "write")

REQUIRED: Final = "This field is required"
INVALID: Final = "Invalid value"
OLX_EXPORT_FIELD: Final = "olx_export"

_EMAIL: Final = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+")
_WHOLE: Final = re.compile(r"[+-]?\d{1,18}")
_PHONE_SEPARATORS: Final = str.maketrans("", "", " -.()")


@dataclass(frozen=True, slots=True)
class OlxExportRules:
    """OLX's extra rules for an advert also exported there (B.2, OLX.PT column by default)."""

    title_min: int = 5
    title_max: int = 111
    description_min: int = 20
    description_max: int = 9000
    contact_name_min: int = 2
    contact_name_max: int = 100
    phone_min_digits: int = 9
    phone_max_digits: int = 10
    price_max_chars: int = 13
    images_min: int = 1
    area_min: int = 1
    area_max: int = 15_000_000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OlxExportRules:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{k: int(v) for k, v in config.items() if k in known})


@dataclass(frozen=True, slots=True)
class CategoryFacts:
    """What the RE rules need to know about one category's attributes."""

    integer_codes: frozenset[str] = frozenset()
    area_codes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RealEstateRules:
    contact_email_required: bool = True
    olx_export: OlxExportRules | None = field(default_factory=OlxExportRules)
    # Whether an advert that does not say (no `olx_export` in the payload) is exported.
    olx_export_default: bool = False
    categories: Mapping[int, CategoryFacts] = field(default_factory=dict)


def is_exported(draft: AdvertDraft, rules: RealEstateRules) -> bool:
    flag = draft.extra.get(OLX_EXPORT_FIELD)
    return rules.olx_export_default if flag is None else flag is True


def check(draft: AdvertDraft, rules: RealEstateRules) -> list[FieldError]:
    """Every RE rule the draft breaks (the shared rules are checked by ``domain.adverts``)."""
    errors: list[FieldError] = []
    email = (draft.contact.email or "").strip()
    if not email:
        if rules.contact_email_required:
            errors.append(FieldError("email", REQUIRED, "required"))
    elif len(email) > 254 or not _EMAIL.fullmatch(email):
        errors.append(FieldError("email", INVALID, "invalid_email"))
    facts = rules.categories.get(draft.category_id, CategoryFacts())
    for attribute in draft.attributes:
        if attribute.code in facts.integer_codes and not all(
            _WHOLE.fullmatch(v.strip()) for v in _values(attribute.value, attribute.values)
        ):
            errors.append(FieldError(f"params.{attribute.code}", INVALID, "not_integer"))
    if rules.olx_export is not None and is_exported(draft, rules):
        errors += check_olx_export(draft, rules.olx_export, facts)
    return _unique(errors)


def check_olx_export(draft: AdvertDraft, rules: OlxExportRules, facts: CategoryFacts) -> list[FieldError]:
    """OLX's rules for an advert exported there, on top of the site's own."""
    errors: list[FieldError] = []
    title = draft.title.strip()
    if not rules.title_min <= len(title) <= rules.title_max:
        errors.append(_export_error("title", f"Must have {rules.title_min} to {rules.title_max} characters"))
    description = draft.description.strip()
    if not rules.description_min <= len(description) <= rules.description_max:
        errors.append(
            _export_error(
                "description", f"Must have {rules.description_min} to {rules.description_max} characters"
            )
        )
    letters = [c for c in description if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        errors.append(_export_error("description", "Must not be written in capitals only"))
    name = (draft.contact.name or "").strip()
    if name and not rules.contact_name_min <= len(name) <= rules.contact_name_max:
        errors.append(
            _export_error(
                "name", f"Must have {rules.contact_name_min} to {rules.contact_name_max} characters"
            )
        )
    phone = draft.contact.phone
    if phone:
        digits = phone.translate(_PHONE_SEPARATORS).removeprefix("+")
        if not (digits.isascii() and digits.isdigit()) or not (
            rules.phone_min_digits <= len(digits) <= rules.phone_max_digits
        ):
            errors.append(
                _export_error(
                    "phone", f"Must have {rules.phone_min_digits} to {rules.phone_max_digits} digits"
                )
            )
    errors += _check_export_price(draft, rules)
    if len(draft.images) < rules.images_min:
        errors.append(_export_error("images", f"At least {rules.images_min} image is required"))
    for attribute in draft.attributes:
        if attribute.code in facts.area_codes and not all(
            _whole_within(v, rules.area_min, rules.area_max)
            for v in _values(attribute.value, attribute.values)
        ):
            errors.append(
                _export_error(
                    f"params.{attribute.code}",
                    f"Must be a whole number from {rules.area_min} to {rules.area_max:,}",
                )
            )
    return errors


def _check_export_price(draft: AdvertDraft, rules: OlxExportRules) -> list[FieldError]:
    value = draft.price.value if draft.price is not None else None
    if value is None:
        return [_export_error("price.value", "A price is required")]
    if value == 0:
        return [_export_error("price.value", "Must not be zero")]
    if len(price_text(value)) > rules.price_max_chars:
        return [_export_error("price.value", f"Must have at most {rules.price_max_chars} characters")]
    return []


def price_text(value: float) -> str:
    """A price as OLX counts its characters: no exponent, no trailing ``.0``."""
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return format(value, "f").rstrip("0").rstrip(".")


def _export_error(field_name: str, detail: str) -> FieldError:
    return FieldError(field_name, "Not accepted for the OLX export", "olx_export", detail)


def _values(value: str | None, values: tuple[str, ...] | None) -> tuple[str, ...]:
    if values is not None:
        return values
    return (value,) if value is not None else ()


def _whole_within(raw: str, minimum: int, maximum: int) -> bool:
    text = raw.strip()
    return bool(_WHOLE.fullmatch(text)) and minimum <= int(text) <= maximum


def _unique(errors: Iterable[FieldError]) -> list[FieldError]:
    return list(dict.fromkeys(errors))


# --- where an advert is ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    latitude: float
    longitude: float


def nearest(places: Iterable[Place], latitude: float, longitude: float) -> tuple[Place, float] | None:
    """The place closest to the point, with its distance in km (None when there are no places)."""
    best: tuple[Place, float] | None = None
    for place in places:
        km = distance_km(latitude, longitude, place.latitude, place.longitude)
        if best is None or km < best[1]:
            best = (place, km)
    return best


# --- wire names -------------------------------------------------------------------------------

_WIRE_FIELDS: Final = {
    "name": "contact.name",
    "phone": "contact.phone",
    "email": "contact.email",
    "city_id": "location",
    "district_id": "location",
    "latitude": "location.lat",
    "longitude": "location.lon",
    "district/city_id": "location",
    "category_id": "category_urn",
}


def wire_field(core_field: str) -> str:
    """Where a core field error points in an RE advert payload (``params.X`` -> ``attributes.X``)."""
    if core_field.startswith("params."):
        return "attributes." + core_field.removeprefix("params.")
    return _WIRE_FIELDS.get(core_field, core_field)
