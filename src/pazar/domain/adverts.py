"""Whether an advert may be published: every rule of seed 003 and of the v2 troubleshooting list.

``check_advert`` is the one entry point all dialects use. Request-level failures
(an unknown category or city, too many images, a forbidden external URL) raise
``BadRequest`` at once, as the real API answers them; every field-level problem
is collected and raised together as one ``ValidationFailed``.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pazar.domain.commands import AdvertDraft, AttributeValue, Price
from pazar.domain.errors import BadRequest, FieldError, ValidationFailed
from pazar.domain.geo import distance_km, valid_coordinates
from pazar.domain.text_rules import (
    JOBS_HTML_TAGS,
    TextRules,
    check_description,
    check_phone_number,
    check_salary,
)
from pazar.domain.text_rules import check_title as _check_title

REQUIRED = "This field is required"
INVALID = "Invalid value"
ADVERTISER_TYPES = frozenset({"private", "business"})
PRICE_MAX = 99_999_999_999_999
MAX_URL_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """One attribute definition of a category (the wire ``Attribute`` schema)."""

    code: str
    kind: str = "attribute"  # attribute | price | salary
    required: bool = False
    numeric: bool = False
    minimum: float | None = None
    maximum: float | None = None
    multiple: bool = False
    choices: frozenset[str] = frozenset()

    @classmethod
    def from_definition(cls, definition: Mapping[str, Any]) -> AttributeSpec:
        validation = definition.get("validation", {})
        return cls(
            code=str(definition["code"]),
            kind=str(validation.get("type", "attribute")),
            required=bool(validation.get("required", False)),
            numeric=bool(validation.get("numeric", False)),
            minimum=_number_or_none(validation.get("min")),
            maximum=_number_or_none(validation.get("max")),
            multiple=bool(validation.get("allow_multiple_values", False)),
            choices=frozenset(str(v["code"]) for v in definition.get("values", [])),
        )


@dataclass(frozen=True, slots=True)
class CategorySpec:
    id: int
    is_leaf: bool
    is_jobs: bool
    photos_limit: int
    attributes: tuple[AttributeSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class CitySpec:
    id: int
    latitude: float
    longitude: float
    # district id -> (latitude, longitude)
    districts: Mapping[int, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AdvertRules:
    """A site's publishing rules (built from its configuration)."""

    text: TextRules = field(default_factory=TextRules)
    currencies: frozenset[str] = frozenset({"PLN"})
    phone_min_digits: int = 9
    phone_max_digits: int = 15
    coordinates_max_km: float = 30.0
    courier_available: bool = False
    external_url_only_in_jobs: bool = True
    # "city": a city id (and district) locates the advert; "zipcode": a postal code does (Brasil),
    # checked by an extra check of that site.
    location_mode: str = "city"
    # Whether the advertiser type must be given (v2 requires it; other dialects derive it).
    advertiser_type_required: bool = True


# A site-specific rule (e.g. Brasil's zip codes and vehicle catalogues): it lives in its own
# domain module and is handed in by the caller, so check_advert stays the one entry point.
ExtraCheck = Callable[[AdvertDraft], list[FieldError]]


@dataclass(frozen=True, slots=True)
class AdvertContext:
    """What the rules need to know beyond the draft, looked up by the caller."""

    category: CategorySpec | None
    city: CitySpec | None
    rules: AdvertRules
    external_url_allowed: bool = False
    extra_checks: tuple[ExtraCheck, ...] = ()


def _number_or_none(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def check_advert(draft: AdvertDraft, context: AdvertContext) -> None:
    """Raise ``BadRequest`` or ``ValidationFailed`` if the draft may not be published as it is."""
    category = context.category
    if category is None:
        raise BadRequest("Category with given ID doesn't exists", code="category_not_found")
    if draft.external_url is not None and (
        not context.external_url_allowed or (context.rules.external_url_only_in_jobs and not category.is_jobs)
    ):
        raise BadRequest("Partner is not allowed to use external URL", code="external_url_not_allowed")
    check_images(draft.images, category.photos_limit)
    by_city = context.rules.location_mode == "city"
    if by_city and draft.location.city_id is not None and context.city is None:
        raise BadRequest("City with given ID doesn't exists", code="city_not_found")

    errors: list[FieldError] = []
    if not category.is_leaf:
        errors.append(FieldError("category_id", "Fix the category", "not_leaf", "Fix the category"))
    text_rules = context.rules.text
    if category.is_jobs:
        text_rules = _with_html(text_rules, JOBS_HTML_TAGS)
    errors += _check_title(draft.title, text_rules)
    errors += check_description(draft.description, text_rules)
    if draft.advertiser_type is not None or context.rules.advertiser_type_required:
        errors += _check_advertiser(draft.advertiser_type)
    errors += _check_contact(draft, context.rules)
    if by_city:
        errors += _check_location(draft, context.city, context.rules)
    if category.is_leaf:
        errors += check_attributes(draft.attributes, category.attributes)
        errors += _check_price_and_salary(draft, category, context.rules)
    if draft.courier and not context.rules.courier_available:
        errors.append(FieldError("courier", "Delivery is not available on this site", "not_available"))
    for extra_check in context.extra_checks:
        errors += extra_check(draft)
    if errors:
        raise ValidationFailed(errors)


def _with_html(rules: TextRules, tags: frozenset[str]) -> TextRules:
    return TextRules(
        title_min=rules.title_min,
        title_max=rules.title_max,
        description_min=rules.description_min,
        description_max=rules.description_max,
        max_capitals_ratio=rules.max_capitals_ratio,
        punctuation_runs=rules.punctuation_runs,
        forbid_contacts=rules.forbid_contacts,
        allowed_html_tags=tags,
    )


def is_public_http_url(url: str) -> bool:
    """An http(s) URL that does not name a loopback, private or link-local address literally."""
    if len(url) > MAX_URL_LENGTH:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost") or host.endswith(".internal"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: resolved and checked again by the fetcher
    return address.is_global


def check_images(images: Sequence[str], photos_limit: int) -> None:
    if len(images) > photos_limit:
        raise BadRequest("Image error: Image limit exceeded", code="image_limit")
    if len(set(images)) != len(images) or not all(is_public_http_url(url) for url in images):
        raise BadRequest("Image error: Remote file not exists", code="image_invalid")


def _check_advertiser(advertiser_type: str | None) -> list[FieldError]:
    if advertiser_type is None:
        return [FieldError("advertiser_type", REQUIRED, "required")]
    if advertiser_type not in ADVERTISER_TYPES:
        return [FieldError("advertiser_type", INVALID, "invalid_choice")]
    return []


def _check_contact(draft: AdvertDraft, rules: AdvertRules) -> list[FieldError]:
    errors: list[FieldError] = []
    name = (draft.contact.name or "").strip()
    if not name:
        errors.append(FieldError("name", REQUIRED, "required"))
    elif len(name) > 100:
        errors.append(FieldError("name", INVALID, "too_long"))
    if draft.contact.phone:
        errors += check_phone_number(
            draft.contact.phone,
            field="phone",
            min_digits=rules.phone_min_digits,
            max_digits=rules.phone_max_digits,
        )
    return errors


def _check_location(draft: AdvertDraft, city: CitySpec | None, rules: AdvertRules) -> list[FieldError]:
    location = draft.location
    if location.city_id is None or city is None:
        return [FieldError("city_id", REQUIRED, "required")]
    errors: list[FieldError] = []
    district_point: tuple[float, float] | None = None
    if location.district_id is not None:
        district_point = city.districts.get(location.district_id)
        if district_point is None:
            errors.append(FieldError("district_id", INVALID, "invalid"))
    elif city.districts:
        errors.append(FieldError("district_id", REQUIRED, "required"))
    lat, lon = location.latitude, location.longitude
    if (lat is None) != (lon is None):
        errors.append(FieldError("latitude" if lat is None else "longitude", REQUIRED, "required"))
    elif lat is not None and lon is not None:
        if not valid_coordinates(lat, lon):
            errors.append(FieldError("latitude", INVALID, "invalid"))
        else:
            anchors = [(city.latitude, city.longitude)] + ([district_point] if district_point else [])
            if min(distance_km(lat, lon, a, b) for a, b in anchors) > rules.coordinates_max_km:
                errors.append(
                    FieldError(
                        "district/city_id", "Your coordinates are too far from picked location.", "too_far"
                    )
                )
    return errors


def _param(code: str) -> str:
    return f"params.{code}"


def check_attributes(given: Sequence[AttributeValue], specs: Sequence[AttributeSpec]) -> list[FieldError]:
    """Required, enumerated, numeric and single/multiple rules of the category's attributes."""
    by_code = {spec.code: spec for spec in specs if spec.kind == "attribute"}
    errors: list[FieldError] = []
    seen: set[str] = set()
    for attribute in given:
        spec = by_code.get(attribute.code)
        if spec is None or attribute.code in seen:
            errors.append(FieldError("attributes", "This value is not valid.", "unknown_attribute"))
            continue
        seen.add(attribute.code)
        problem = _attribute_problem(attribute, spec)
        if problem:
            errors.append(FieldError(_param(spec.code), problem, "invalid"))
    for spec in by_code.values():
        if spec.required and spec.code not in seen:
            errors.append(FieldError(_param(spec.code), REQUIRED, "required"))
    return errors


def _attribute_problem(attribute: AttributeValue, spec: AttributeSpec) -> str | None:
    if attribute.values is not None and attribute.value is not None:
        return INVALID
    chosen: tuple[str, ...]
    if attribute.values is not None:
        if not spec.multiple:
            return INVALID
        chosen = attribute.values
    elif attribute.value is not None:
        chosen = (attribute.value,)
    else:
        return REQUIRED if spec.required else None
    if not chosen or any(not str(v).strip() for v in chosen):
        return REQUIRED if spec.required else INVALID
    if len(set(chosen)) != len(chosen):
        return INVALID
    for value in chosen:
        if spec.choices and value not in spec.choices:
            return INVALID
        if spec.numeric and not spec.choices and not _number_within(value, spec.minimum, spec.maximum):
            return INVALID
    return None


def _number_within(value: str, minimum: float | None, maximum: float | None) -> bool:
    number = _number_or_none(value.replace(",", "."))
    if number is None or not math.isfinite(number):
        return False
    return (minimum is None or number >= minimum) and (maximum is None or number <= maximum)


def _check_price_and_salary(
    draft: AdvertDraft, category: CategorySpec, rules: AdvertRules
) -> list[FieldError]:
    kinds = {spec.kind: spec for spec in category.attributes if spec.kind in ("price", "salary")}
    errors: list[FieldError] = []
    price_spec, salary_spec = kinds.get("price"), kinds.get("salary")
    if draft.price is not None:
        if price_spec is None:
            errors.append(FieldError("price", "This category does not take a price", "not_allowed"))
        else:
            errors += _check_price(draft.price, rules)
    elif price_spec is not None and price_spec.required:
        errors.append(FieldError("price", REQUIRED, "required"))
    if draft.salary is not None:
        if salary_spec is None:
            errors.append(FieldError("salary", "This category does not take a salary", "not_allowed"))
        else:
            s = draft.salary
            errors += check_salary(
                value_from=s.value_from,
                value_to=s.value_to,
                currency=s.currency,
                salary_type=s.type,
                allowed_currencies=rules.currencies,
            )
    elif salary_spec is not None and salary_spec.required:
        errors.append(FieldError("salary", REQUIRED, "required"))
    return errors


def _check_price(price: Price, rules: AdvertRules) -> list[FieldError]:
    errors: list[FieldError] = []
    if price.value is None and not price.budget:
        errors.append(FieldError("price.value", REQUIRED, "required"))
    elif price.value is not None and (not math.isfinite(price.value) or not 0 <= price.value <= PRICE_MAX):
        errors.append(FieldError("price.value", INVALID, "out_of_range"))
    if price.currency is not None and price.currency not in rules.currencies:
        errors.append(FieldError("price.currency", INVALID, "invalid_currency"))
    return errors
