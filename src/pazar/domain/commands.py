"""What a dialect asks the core to do, in the core's own words (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pazar.domain.lifecycle import Action


@dataclass(frozen=True, slots=True)
class Contact:
    name: str | None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    city_id: int | None
    district_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    zipcode: str | None = None


@dataclass(frozen=True, slots=True)
class Price:
    value: float | None
    currency: str | None = None
    negotiable: bool = False
    trade: bool = False
    budget: bool = False


@dataclass(frozen=True, slots=True)
class Salary:
    value_from: float | None
    value_to: float | None
    currency: str | None
    negotiable: bool = False
    type: str | None = None


@dataclass(frozen=True, slots=True)
class AttributeValue:
    code: str
    value: str | None = None
    values: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class AdvertDraft:
    """A complete advert as a client describes it (POST and PUT carry the full payload)."""

    title: str
    description: str
    category_id: int
    contact: Contact
    location: Location
    advertiser_type: str | None = None
    images: tuple[str, ...] = ()
    price: Price | None = None
    salary: Salary | None = None
    attributes: tuple[AttributeValue, ...] = ()
    external_id: str | None = None
    external_url: str | None = None
    courier: bool | None = None
    delivery_package_ids: tuple[str, ...] | None = None
    # Dialect-specific data kept verbatim (Autoupload params, RE custom fields, ...).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CreateAdvert:
    draft: AdvertDraft
    source: str  # which dialect posted it: partner_v2, autoupload, re_v1, manual
    uuid: str | None = None  # the id the client was already given (an RE publish answers it at once)


@dataclass(frozen=True, slots=True)
class UpdateAdvert:
    advert_id: int
    draft: AdvertDraft


@dataclass(frozen=True, slots=True)
class AdvertCommand:
    advert_id: int
    action: Action
    is_success: bool | None = None


@dataclass(frozen=True, slots=True)
class ModerationDecision:
    advert_id: int
    action: Action  # ACCEPT, REJECT, BLOCK or REMOVE
    reason: str | None = None
    description: str | None = None
    moderator: str = "system"
