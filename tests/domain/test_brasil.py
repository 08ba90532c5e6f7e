"""The Brasil-only rules: CEP regions, regdate years, offer types, catalogue consistency, slots."""

from __future__ import annotations

import pytest

from pazar.domain.brasil import (
    AUTOUPLOAD_TOKEN_POLICY,
    BrasilRules,
    CategoryRules,
    ParamKind,
    ParamRule,
    ZipRange,
    ad_status,
    check_ad,
    free_slots,
    is_final,
    is_rate_limited,
    regdate_years,
    region_for,
    split_by_slots,
    valid_regdate,
)
from pazar.domain.commands import AdvertDraft, AttributeValue, Contact, Location
from pazar.domain.errors import FieldError
from pazar.domain.text_rules import check_phone_number

RANGES = (ZipRange(1000000, 19999999, 26), ZipRange(20000000, 28999999, 19), ZipRange(70000000, 72799999, 7))
CARS = CategoryRules(
    id=2020,
    types=frozenset({"s"}),
    params={
        "vehicle_brand": ParamRule("vehicle_brand", ParamKind.CATALOG),
        "vehicle_model": ParamRule("vehicle_model", ParamKind.CATALOG, parent="vehicle_brand"),
        "vehicle_version": ParamRule("vehicle_version", ParamKind.CATALOG, parent="vehicle_model"),
        "regdate": ParamRule("regdate", ParamKind.REGDATE),
        "mileage": ParamRule("mileage", ParamKind.NUMERIC),
        "fuel": ParamRule("fuel", ParamKind.ENUM),
    },
    parents={"vehicle_model": {"3": "6", "10": "1"}, "vehicle_version": {"1": "3", "8": "10"}},
)
ROOMS = CategoryRules(id=1060, types=frozenset({"u"}), params={})
RULES = BrasilRules(categories={2020: CARS, 1060: ROOMS}, zip_ranges=RANGES, current_year=lambda: 2026)


def draft(
    *,
    category: int = 2020,
    phone: str | None = "11987654321",
    zipcode: str | None = "01310100",
    offer: str | None = "s",
    **params: str,
) -> AdvertDraft:
    return AdvertDraft(
        title="Audi A1",
        description="Carro",
        category_id=category,
        contact=Contact(name="Revenda", phone=phone),
        location=Location(city_id=None, zipcode=zipcode),
        attributes=tuple(AttributeValue(code, value) for code, value in params.items()),
        extra={"type": offer},
    )


def codes(errors: list[FieldError]) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in errors}


def test_a_valid_car_passes() -> None:
    assert (
        check_ad(draft(vehicle_brand="6", vehicle_model="3", vehicle_version="1", regdate="2015"), RULES)
        == []
    )


@pytest.mark.parametrize(
    ("zipcode", "region"),
    [
        ("01000000", 26),
        ("19999999", 26),
        ("22041001", 19),
        ("70000000", 7),
        ("00999999", None),
        ("99999999", None),
    ],
)
def test_zip_codes_map_to_their_region(zipcode: str, region: int | None) -> None:
    assert region_for(zipcode, RANGES) == region
    assert RULES.region_of(zipcode) == region


@pytest.mark.parametrize(
    ("zipcode", "code"),
    [
        (None, "required"),
        ("", "required"),
        ("0131010", "invalid"),
        ("01310-100", "invalid"),
        ("013101000", "invalid"),
    ],
)
def test_a_zip_code_is_eight_digits(zipcode: str | None, code: str) -> None:
    assert ("zipcode", code) in codes(check_ad(draft(zipcode=zipcode), RULES))


def test_a_zip_code_outside_every_state_has_no_region() -> None:
    assert codes(check_ad(draft(zipcode="00500000"), RULES)) == {("zipcode", "no_region")}


def test_overlapping_ranges_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        BrasilRules(
            categories={}, zip_ranges=(ZipRange(1, 10, 1), ZipRange(10, 20, 2)), current_year=lambda: 2026
        )


def test_regdate_years_are_fives_up_to_1980_then_every_year() -> None:
    years = regdate_years(2026)
    assert sorted(y for y in years if y <= 1981) == [1950, 1955, 1960, 1965, 1970, 1975, 1980, 1981]
    assert {1999, 2018, 2025, 2026} <= years
    assert not {1949, 1977, 1979, 2027} & years


@pytest.mark.parametrize(
    ("value", "valid"),
    [("1950", True), ("1975", True), ("1977", False), ("2026", True), ("2027", False), ("88", False)],
)
def test_regdate_follows_the_current_year(value: str, valid: bool) -> None:
    assert valid_regdate(value, 2026) is valid
    errors = check_ad(draft(vehicle_brand="6", regdate=value), RULES)
    assert (("params.regdate", "invalid") in codes(errors)) is not valid


def test_the_upper_regdate_moves_with_the_calendar() -> None:
    later = BrasilRules(categories={2020: CARS}, zip_ranges=RANGES, current_year=lambda: 2031)
    assert check_ad(draft(regdate="2031"), later) == []


@pytest.mark.parametrize(
    ("category", "offer", "ok"),
    [(2020, "s", True), (2020, "u", False), (1060, "u", True), (1060, "s", False), (2020, "x", False)],
)
def test_the_offer_type_must_be_one_the_category_takes(category: int, offer: str, ok: bool) -> None:
    errors = check_ad(draft(category=category, offer=offer), RULES)
    assert (("type", "invalid") in codes(errors)) is not ok


def test_the_offer_type_is_required() -> None:
    assert ("type", "required") in codes(check_ad(draft(offer=None), RULES))


@pytest.mark.parametrize(
    ("phone", "code"),
    [(None, "required"), ("2199998888", None), ("219999888", "too_short"), ("219999888877", "too_long")],
)
def test_phone_lengths_are_told_apart(phone: str | None, code: str | None) -> None:
    errors = [e for e in check_ad(draft(phone=phone), RULES) if e.field == "phone"]
    assert [e.code for e in errors] == ([code] if code else [])


def test_the_phone_check_keeps_its_v2_codes_unless_asked() -> None:
    assert check_phone_number("123", min_digits=10, max_digits=11)[0].code == "invalid_phone"
    assert check_phone_number("123", min_digits=10, max_digits=11, length_codes=True)[0].code == "too_short"
    assert check_phone_number("12a4567890", min_digits=10, max_digits=11, length_codes=True)[0].code == (
        "invalid_phone"
    )


def test_numeric_params_are_digits_only() -> None:
    for bad in ("10.5", "-1", "1e3", "10 000"):
        assert ("params.mileage", "not_digits") in codes(check_ad(draft(mileage=bad), RULES))
    assert check_ad(draft(mileage="10000"), RULES) == []


def test_a_param_the_category_does_not_list_is_named() -> None:
    assert codes(check_ad(draft(bathrooms="2"), RULES)) == {("params.bathrooms", "no_such_parameter")}
    assert codes(check_ad(draft(category=1060, offer="u", size="80"), RULES)) == {
        ("params.size", "no_such_parameter")
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"vehicle_brand": "1", "vehicle_model": "3"}, "params.vehicle_model"),  # model 3 is brand 6's
        ({"vehicle_brand": "6", "vehicle_model": "3", "vehicle_version": "8"}, "params.vehicle_version"),
        ({"vehicle_brand": "1", "vehicle_version": "1"}, "params.vehicle_version"),  # skips the model level
    ],
)
def test_models_belong_to_the_brand_and_versions_to_the_model(params: dict[str, str], field: str) -> None:
    assert codes(check_ad(draft(**params), RULES)) == {(field, "not_in_parent")}


def test_unknown_catalogue_ids_are_left_to_the_core() -> None:
    assert check_ad(draft(vehicle_brand="6", vehicle_model="999"), RULES) == []


def test_slots() -> None:
    assert free_slots(0, 10) is None and free_slots(None, 10) is None
    assert free_slots(10, 4) == 6 and free_slots(10, 12) == 0
    assert split_by_slots(["a", "b", "c"], 2) == (["a", "b"], ["c"])
    assert split_by_slots(["a", "b"], None) == (["a", "b"], [])


def test_rate_limit() -> None:
    assert not is_rate_limited(5, 0)
    assert not is_rate_limited(4, 5)
    assert is_rate_limited(5, 5)


@pytest.mark.parametrize(
    ("operation", "item", "advert", "ever", "status"),
    [
        ("insert", "pending", None, False, "pending"),
        ("insert", "error", None, False, "error"),
        ("insert", "processed", "new", False, "queued"),
        ("edit", "processed", "active", True, "queued"),
        ("insert", "reviewed", "new", False, "queued"),  # held for a human moderator
        ("insert", "reviewed", "active", True, "accepted"),
        ("edit", "reviewed", "moderated", True, "refused"),
        ("insert", "reviewed", "blocked", False, "refused"),
        ("insert", "reviewed", "deleted", True, "accepted"),
        ("insert", "reviewed", "deleted", False, "accepted"),
        ("insert", "reviewed", "outdated", True, "accepted"),
        ("insert", "reviewed", "removed_by_user", False, "refused"),
        ("delete", "reviewed", "deleted", True, "accepted"),
    ],
)
def test_the_public_status_of_an_imported_ad(
    operation: str, item: str, advert: str | None, ever: bool, status: str
) -> None:
    assert ad_status(operation=operation, item_state=item, advert_status=advert, ever_active=ever) == status
    assert is_final(status) is (status in ("accepted", "refused", "error"))


def test_brasil_tokens_do_not_expire_for_a_client() -> None:
    assert AUTOUPLOAD_TOKEN_POLICY.access_ttl.days >= 3650
