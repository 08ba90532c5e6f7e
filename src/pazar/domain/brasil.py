"""Rules only OLX Brasil has (seed 001): zip codes, regdate years, sale/rent types, vehicle catalogues.

Everything else an imported ad must satisfy (text lengths, phone format, param values, required
params, prices, images) is the shared advert core's (``domain.adverts``), fed with the Brasil site's
data. This module adds what the core cannot express:

* the zip code (CEP) is 8 digits and falls in a state's Correios range (the advert's region);
* the offer ``type`` is ``s`` (sale) or ``u`` (rent), and only the ones the category takes;
* phone, zip code and type are required, and a phone of the wrong length is told apart;
* numeric params are strings of digits; ``regdate`` is 1950, a multiple of 5 up to 1980, or a year
  from 1981 up to the current one;
* a vehicle model belongs to the brand, a version to the model;
* a param the category does not list is named in the error;
* the import's slot limit (codes -7 / -8) and request rate limit (code -2).

The site data arrives as plain values (``BrasilRules``): the services layer builds it from the site's
categories. Field errors use the core's ``FieldError`` with this module's codes; each dialect maps
them to its wire codes.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from pazar.domain.adverts import ExtraCheck
from pazar.domain.commands import AdvertDraft
from pazar.domain.errors import DomainError, FieldError
from pazar.domain.oauth import TokenPolicy
from pazar.domain.text_rules import check_phone_number

__all__ = [
    "AUTOUPLOAD_SCOPES",
    "AUTOUPLOAD_TOKEN_POLICY",
    "AdProblem",
    "BrasilRules",
    "CategoryRules",
    "ImportRefused",
    "ParamKind",
    "ParamRule",
    "ZipRange",
    "checks",
    "free_slots",
    "is_rate_limited",
    "regdate_years",
    "region_for",
    "split_by_slots",
]

# The OAuth scopes of the Brasil API (digest A.1): `autoupload` is what the import needs.
AUTOUPLOAD_SCOPES: Final = ("basic_user_info", "autoupload")
# The Brasil docs document neither an expiry nor a refresh token: integrators keep the access token
# and run the flow again when it stops working. Ten years is "does not expire" for a client.
AUTOUPLOAD_TOKEN_POLICY: Final = TokenPolicy(
    access_ttl=timedelta(days=3650), refresh_ttl=timedelta(days=3650), rotate_refresh_daily=False
)

OFFER_TYPES: Final = frozenset({"s", "u"})  # s: venda (sale), u: aluguel (rent)
ZIPCODE_DIGITS: Final = 8
REGDATE_FIRST: Final = 1950  # stands for "1950 or before"
REGDATE_EVERY_YEAR_FROM: Final = 1981  # up to 1980 only multiples of 5

# Error codes of this module (the dialect maps them to ERROR_* codes).
REQUIRED: Final = "required"
INVALID: Final = "invalid"
NO_REGION: Final = "no_region"
NOT_DIGITS: Final = "not_digits"
NOT_IN_PARENT: Final = "not_in_parent"
NO_SUCH_PARAMETER: Final = "no_such_parameter"


class ParamKind:
    ENUM: Final = "enum"
    ENUM_MULTI: Final = "enum_multi"
    NUMERIC: Final = "numeric"
    REGDATE: Final = "regdate"
    CATALOG: Final = "catalog"


@dataclass(frozen=True, slots=True)
class ParamRule:
    """One key of an ad's ``params``; ``parent`` names the param its value must belong to."""

    name: str
    kind: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class CategoryRules:
    id: int
    types: frozenset[str]
    params: Mapping[str, ParamRule]
    # param name -> {value: the value of its parent param it belongs to}, e.g. a model id -> its brand id
    parents: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ZipRange:
    """An inclusive range of 8-digit CEPs (as integers) and the region it belongs to."""

    start: int
    end: int
    region_id: int


@dataclass(frozen=True, slots=True)
class BrasilRules:
    categories: Mapping[int, CategoryRules]
    zip_ranges: Sequence[ZipRange]
    current_year: Callable[[], int]
    phone_min_digits: int = 10
    phone_max_digits: int = 11
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.zip_ranges, key=lambda r: r.start))
        for before, after in itertools.pairwise(ordered):
            if after.start <= before.end:
                raise ValueError(f"zip code ranges overlap: {before} and {after}")
        object.__setattr__(self, "zip_ranges", ordered)
        object.__setattr__(self, "_starts", tuple(r.start for r in ordered))

    def region_of(self, zipcode: str) -> int | None:
        return region_for(zipcode, self.zip_ranges, self._starts)


# --- zip codes and years ------------------------------------------------------------------


def is_zipcode(value: str) -> bool:
    return len(value) == ZIPCODE_DIGITS and value.isascii() and value.isdigit()


def region_for(zipcode: str, ranges: Sequence[ZipRange], starts: Sequence[int] | None = None) -> int | None:
    """The region of a well-formed CEP, or None when no range holds it. ``ranges`` sorted by start."""
    if not is_zipcode(zipcode):
        return None
    number = int(zipcode)
    keys = starts if starts is not None else [r.start for r in ranges]
    index = bisect.bisect_right(keys, number) - 1
    if index >= 0 and ranges[index].start <= number <= ranges[index].end:
        return ranges[index].region_id
    return None


def regdate_years(current_year: int) -> frozenset[int]:
    """1950 (for 1950 or before), 1955 ... 1980 in steps of 5, then every year up to the current one."""
    return frozenset(range(REGDATE_FIRST, REGDATE_EVERY_YEAR_FROM, 5)) | frozenset(
        range(REGDATE_EVERY_YEAR_FROM, current_year + 1)
    )


def valid_regdate(value: str, current_year: int) -> bool:
    return (
        len(value) == 4 and value.isascii() and value.isdigit() and int(value) in regdate_years(current_year)
    )


# --- the advert check ---------------------------------------------------------------------


def _param(name: str) -> str:
    return f"params.{name}"  # the core's field name for an attribute


def _error(field_name: str, code: str, title: str = "Invalid value") -> FieldError:
    return FieldError(field_name, title, code)


def _check_contact_and_place(draft: AdvertDraft, rules: BrasilRules) -> list[FieldError]:
    errors: list[FieldError] = []
    phone = draft.contact.phone
    if not phone or not phone.strip():
        errors.append(_error("phone", REQUIRED, "This field is required"))
    else:
        # The core reports a malformed phone; the lengths get their own codes here.
        errors += [
            e
            for e in check_phone_number(
                phone,
                field="phone",
                min_digits=rules.phone_min_digits,
                max_digits=rules.phone_max_digits,
                length_codes=True,
            )
            if e.code in ("too_short", "too_long")
        ]
    zipcode = draft.location.zipcode
    if not zipcode:
        errors.append(_error("zipcode", REQUIRED, "This field is required"))
    elif not is_zipcode(zipcode):
        errors.append(_error("zipcode", INVALID))
    elif rules.region_of(zipcode) is None:
        errors.append(_error("zipcode", NO_REGION, "No region has this zip code"))
    return errors


def _check_type(draft: AdvertDraft, category: CategoryRules | None) -> list[FieldError]:
    offer = draft.extra.get("type")
    if offer is None or offer == "":
        return [_error("type", REQUIRED, "This field is required")]
    if offer not in OFFER_TYPES or (category is not None and offer not in category.types):
        return [_error("type", INVALID)]
    return []


def _check_params(draft: AdvertDraft, category: CategoryRules, rules: BrasilRules) -> list[FieldError]:
    errors: list[FieldError] = []
    given = {a.code: a for a in draft.attributes}
    for code, attribute in given.items():
        rule = category.params.get(code)
        if rule is None:
            errors.append(_error(_param(code), NO_SUCH_PARAMETER, "No such parameter"))
            continue
        value = attribute.value
        if value is None or not value.strip():
            continue  # missing or blank: the core's required / invalid rules
        if rule.kind == ParamKind.NUMERIC and not (value.isascii() and value.isdigit()):
            errors.append(_error(_param(code), NOT_DIGITS, "Only digits are allowed"))
        elif rule.kind == ParamKind.REGDATE and not valid_regdate(value, rules.current_year()):
            errors.append(_error(_param(code), INVALID))
    errors += _check_hierarchy(given.keys(), {k: v.value for k, v in given.items()}, category)
    return errors


def _check_hierarchy(
    names: Iterable[str], values: Mapping[str, str | None], category: CategoryRules
) -> list[FieldError]:
    """A version must belong to the model, a model to the brand (skipping a level that was left out)."""
    errors: list[FieldError] = []
    for name in names:
        rule = category.params.get(name)
        value = values.get(name)
        if rule is None or rule.parent is None or not value:
            continue
        expected: str | None = category.parents.get(name, {}).get(value)
        if expected is None:
            continue  # not a known value at all: the core reports it as an invalid choice
        ancestor: str | None = rule.parent
        while ancestor is not None and not values.get(ancestor):
            above = category.params.get(ancestor)
            expected = category.parents.get(ancestor, {}).get(expected) if expected is not None else None
            ancestor = above.parent if above is not None else None
        if ancestor is not None and expected is not None and values.get(ancestor) != expected:
            errors.append(_error(_param(name), NOT_IN_PARENT, f"Does not belong to the given {ancestor}"))
    return errors


def check_ad(draft: AdvertDraft, rules: BrasilRules) -> list[FieldError]:
    """Every Brasil-only rule the draft breaks (the core's rules run beside these)."""
    category = rules.categories.get(draft.category_id)
    errors = _check_contact_and_place(draft, rules)
    errors += _check_type(draft, category)
    if category is not None:
        errors += _check_params(draft, category, rules)
    return errors


def checks(rules: BrasilRules) -> tuple[ExtraCheck, ...]:
    """The extra checks ``check_advert`` runs for a Brasil advert."""

    def brasil(draft: AdvertDraft) -> list[FieldError]:
        return check_ad(draft, rules)

    return (brasil,)


# --- the import: slots and rate -------------------------------------------------------------


def free_slots(limit: int | None, used: int) -> int | None:
    """Ads a user may still add; None when the operator set no limit (0 or None)."""
    if not limit:
        return None
    return max(0, limit - used)


def split_by_slots(new_refs: Sequence[str], free: int | None) -> tuple[list[str], list[str]]:
    """The new ads that fit the free slots (in the order sent) and the ones that do not."""
    if free is None:
        return list(new_refs), []
    return list(new_refs[:free]), list(new_refs[free:])


def is_rate_limited(recent_imports: int, limit: int) -> bool:
    """Whether one more import in the window is too many (0 disables the limit)."""
    return limit > 0 and recent_imports >= limit


@dataclass(frozen=True, slots=True)
class AdProblem:
    """Why one ad of an import was refused (its partner id, its category when known)."""

    ref: str
    category_id: int | None
    errors: tuple[FieldError, ...]


class ImportRefused(DomainError):
    """An import the server does not take; ``reason`` is one of the class constants."""

    code = "import_refused"

    DOWN: Final = "down"  # -5
    BLOCKED: Final = "blocked"  # -2
    EMPTY: Final = "empty"  # -3
    INVALID_ADS: Final = "invalid_ads"  # -4
    NO_PERMISSION: Final = "no_permission"  # -6
    NO_SLOTS: Final = "no_slots"  # -7

    def __init__(
        self, reason: str, *, problems: Sequence[AdProblem] = (), wanted: int = 0, free: int = 0
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = tuple(problems)
        self.wanted = wanted
        self.free = free


# --- an imported ad's public status ---------------------------------------------------------------

# Where an import item is in its processing (stored with the item).
ITEM_PENDING: Final = "pending"  # waiting for the worker (public: pending)
ITEM_PROCESSED: Final = "processed"  # the advert was written; images and review to come (queued)
ITEM_REVIEWED: Final = "reviewed"  # moderation ran: the advert's status tells the outcome
ITEM_ERROR: Final = "error"

_REFUSED_STATUSES: Final = frozenset({"moderated", "blocked", "removed_by_moderator", "disabled"})


def ad_status(*, operation: str, item_state: str, advert_status: str | None, ever_active: bool) -> str:
    """pending, queued, accepted, refused or error (seed §3.5.2.1), from the item and its advert."""
    if item_state == ITEM_PENDING:
        return "pending"
    if item_state == ITEM_ERROR or (operation != "delete" and advert_status is None):
        return "error"
    if operation == "delete":
        return "accepted"  # for a delete, accepted means deleted
    if item_state == ITEM_PROCESSED or advert_status == "new":
        return "queued"
    if advert_status == "active":
        return "accepted"
    if advert_status in _REFUSED_STATUSES:
        return "refused"
    if advert_status == "deleted":
        return "accepted"  # a later delete of the partner's took it down: that is the delete's outcome
    # Taken down since (deactivated, outdated): the import's outcome was whether it got published.
    return "accepted" if ever_active else "refused"


def is_final(status: str) -> bool:
    """An ad no longer in a queue: the import is ``done`` when every ad is final."""
    return status in ("accepted", "refused", "error")
