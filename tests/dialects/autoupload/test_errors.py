"""Every ERROR_* code of seed §2.7.4.2 (and the ones pazar adds in the seed's pattern), each triggered."""

from __future__ import annotations

from typing import Any

import pytest

from support import SAO_PAULO_CEP, World, apartment_ad, car_ad, integrator

SEED_CODES = {
    "ERROR_CATEGORY_INVALID",
    "ERROR_REGION_MISSING",
    "ERROR_ZIPCODE_INVALID",
    "ERROR_TYPE_INVALID",
    "ERROR_PHONE_INVALID",
    "ERROR_PHONE_TOO_SHORT",
    "ERROR_PHONE_TOO_LONG",
    "ERROR_BODY_TOO_SHORT",
    "ERROR_BODY_TOO_LONG",
    "ERROR_SUBJECT_TOO_SHORT",
    "ERROR_SUBJECT_TOO_LONG",
    "ERROR_FUEL_INVALID",
    "ERROR_FUEL_MISSING",
    "ERROR_CARTYPE_INVALID",
    "ERROR_DOORS_MISSING",
    "ERROR_ROOMS_INVALID",
    "ERROR_ROOMS_MISSING",
    "ERROR_CATEGORY_SUBTYPE_MISSING",
    "ERROR_SIZE_INVALID",
    "ERROR_UNKNOWN_APARTMENT_TYPE",
    "ERROR_MILEAGE_INVALID",
    "ERROR_REGDATE_INVALID",
    "ERROR_UNKNOWN_CAR_FEATURES",
    "ERROR_NO_SUCH_PARAMETER",
    "ERROR_OPERATION_INVALID",
}


def car(**params: Any) -> dict[str, Any]:
    ad = car_ad()
    ad["params"] = {**ad["params"], **params}
    return {k: v for k, v in ad.items()} | {
        "params": {k: v for k, v in ad["params"].items() if v is not None}
    }


def flat(**params: Any) -> dict[str, Any]:
    ad = apartment_ad()
    merged = {**ad["params"], **params}
    return ad | {"params": {k: v for k, v in merged.items() if v is not None}}


CASES: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    # seed §2.7.4.2
    ("category unknown", car_ad(category=3030), {"category": "ERROR_CATEGORY_INVALID"}),
    ("category not a number", car_ad(category="carros"), {"category": "ERROR_CATEGORY_INVALID"}),
    (
        "category missing",
        {k: v for k, v in car_ad().items() if k != "category"},
        {"category": "ERROR_CATEGORY_INVALID"},
    ),
    ("CEP of no state", car_ad(zipcode="00500000"), {"zipcode": "ERROR_REGION_MISSING"}),
    ("CEP with 7 digits", car_ad(zipcode="1310100"), {"zipcode": "ERROR_ZIPCODE_INVALID"}),
    ("CEP with letters", car_ad(zipcode="0131A100"), {"zipcode": "ERROR_ZIPCODE_INVALID"}),
    ("CEP missing", car_ad(zipcode=None), {"zipcode": "ERROR_ZIPCODE_INVALID"}),
    ("type of neither kind", car_ad(type="x"), {"type": "ERROR_TYPE_INVALID"}),
    ("rent for a car", car_ad(type="u"), {"type": "ERROR_TYPE_INVALID"}),
    ("sale of a room", apartment_ad(category=1060, params={}, type="s"), {"type": "ERROR_TYPE_INVALID"}),
    ("type missing", car_ad(type=None), {"type": "ERROR_TYPE_INVALID"}),
    ("phone with letters", car_ad(phone="11 9876-ABCD"), {"phone": "ERROR_PHONE_INVALID"}),
    ("phone missing", car_ad(phone=None), {"phone": "ERROR_PHONE_INVALID"}),
    ("phone of 9 digits", car_ad(phone="119876543"), {"phone": "ERROR_PHONE_TOO_SHORT"}),
    ("phone of 12 digits", car_ad(phone=119876543210), {"phone": "ERROR_PHONE_TOO_LONG"}),
    ("body of 1 character", car_ad(body="x"), {"body": "ERROR_BODY_TOO_SHORT"}),
    ("body missing", car_ad(body=None), {"body": "ERROR_BODY_TOO_SHORT"}),
    ("body over 6000", car_ad(body="a" * 6001), {"body": "ERROR_BODY_TOO_LONG"}),
    ("subject of 1 character", car_ad(subject="A"), {"subject": "ERROR_SUBJECT_TOO_SHORT"}),
    ("subject over 90", car_ad(subject="A" * 91), {"subject": "ERROR_SUBJECT_TOO_LONG"}),
    ("fuel 9", car(fuel="9"), {"fuel": "ERROR_FUEL_INVALID"}),
    ("fuel missing", car(fuel=None), {"fuel": "ERROR_FUEL_MISSING"}),
    ("cartype 1 (split by the seed)", car(cartype="1"), {"cartype": "ERROR_CARTYPE_INVALID"}),
    ("doors 3", car(doors="3"), {"doors": "ERROR_DOORS_MISSING"}),
    ("rooms 6", flat(rooms="6"), {"rooms": "ERROR_ROOMS_INVALID"}),
    ("rooms 0", flat(rooms="0"), {"rooms": "ERROR_ROOMS_INVALID"}),
    ("rooms missing", flat(rooms=None), {"rooms": "ERROR_ROOMS_MISSING"}),
    (
        "apartment type missing",
        flat(apartment_type=None),
        {"apartment_type": "ERROR_CATEGORY_SUBTYPE_MISSING"},
    ),
    (
        "house type 7",
        apartment_ad(category=1040, params={"home_type": "7", "rooms": "2"}),
        {"home_type": "ERROR_CATEGORY_SUBTYPE_MISSING"},
    ),
    ("size zero", flat(size="0"), {"size": "ERROR_SIZE_INVALID"}),
    ("size blank", flat(size=" "), {"size": "ERROR_SIZE_INVALID"}),
    ("size with decimals", flat(size="80.5"), {"size": "ERROR_SIZE_INVALID"}),
    ("apartment type 9", flat(apartment_type="9"), {"apartment_type": "ERROR_UNKNOWN_APARTMENT_TYPE"}),
    ("mileage negative", car(mileage="-10"), {"mileage": "ERROR_MILEAGE_INVALID"}),
    ("mileage in words", car(mileage="dez mil"), {"mileage": "ERROR_MILEAGE_INVALID"}),
    ("regdate 1977", car(regdate="1977"), {"regdate": "ERROR_REGDATE_INVALID"}),
    ("regdate next century", car(regdate="2099"), {"regdate": "ERROR_REGDATE_INVALID"}),
    ("car feature 2 (removed)", car(car_features=["1", "2"]), {"car_features": "ERROR_UNKNOWN_CAR_FEATURES"}),
    ("a param cars do not have", car(bathrooms="2"), {"bathrooms": "ERROR_NO_SUCH_PARAMETER"}),
    (
        "any param on 1060",
        apartment_ad(category=1060, params={"rooms": "1"}),
        {"rooms": "ERROR_NO_SUCH_PARAMETER"},
    ),
    ("operation edit", car_ad(operation="edit"), {"operation": "ERROR_OPERATION_INVALID"}),
    ("operation missing", {"id": "x1"}, {"operation": "ERROR_OPERATION_INVALID"}),
    # pazar's, in the seed's pattern (docs/autoupload.md)
    ("HTML in the body", car_ad(body="<b>Carro</b> novo"), {"body": "ERROR_BODY_HTML"}),
    ("HTML in the subject", car_ad(subject="<i>Audi</i> A1"), {"subject": "ERROR_SUBJECT_HTML"}),
    ("gearbox missing", car(gearbox=None), {"gearbox": "ERROR_GEARBOX_MISSING"}),
    (
        "brand missing",
        car(vehicle_brand=None, vehicle_model=None, vehicle_version=None),
        {"vehicle_brand": "ERROR_VEHICLE_BRAND_MISSING"},
    ),
    (
        "brand unknown",
        car(vehicle_brand="99999", vehicle_model=None, vehicle_version=None),
        {"vehicle_brand": "ERROR_VEHICLE_BRAND_INVALID"},
    ),
    (
        "model of another brand",
        car(vehicle_brand="1", vehicle_version=None),
        {"vehicle_model": "ERROR_VEHICLE_MODEL_INVALID"},
    ),
    (
        "version of another model",
        car(vehicle_version="8"),
        {"vehicle_version": "ERROR_VEHICLE_VERSION_INVALID"},
    ),
    ("mileage missing", car(mileage=None), {"mileage": "ERROR_MILEAGE_MISSING"}),
    ("price with cents", car_ad(price=105.5), {"price": "ERROR_PRICE_INVALID"}),
    ("price negative", car_ad(price=-1), {"price": "ERROR_PRICE_INVALID"}),
    (
        "params not an object",
        apartment_ad(category=1060, type="u", params=["rooms"]),
        {"params": "ERROR_PARAMS_INVALID"},
    ),
    (
        "seven car images",
        car_ad(images=[f"https://img.example.com/{n}.jpg" for n in range(7)]),
        {"images": "ERROR_TOO_MANY_IMAGES"},
    ),
    (
        "a repeated image URL",
        car_ad(images=["https://img.example.com/1.jpg"] * 2),
        {"images": "ERROR_IMAGE_URL_INVALID"},
    ),
    (
        "an image on a private address",
        car_ad(images=["http://10.0.0.1/a.jpg"]),
        {"images": "ERROR_IMAGE_URL_INVALID"},
    ),
    ("images not URLs", car_ad(images=[1, 2]), {"images": "ERROR_IMAGE_URL_INVALID"}),
    ("id too long", car_ad("x" * 20), {"id": "ERROR_ID_INVALID"}),
]


def _without_nulls(ad: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ad.items() if v is not None}


@pytest.mark.parametrize(("case", "ad", "message"), CASES, ids=[c[0] for c in CASES])
async def test_each_code(world: World, case: str, ad: dict[str, Any], message: dict[str, str]) -> None:
    me = await integrator(world)
    response = await me.put_import([_without_nulls(ad)])
    body = response.json()
    assert body["statusCode"] == -4, body
    assert body["errors"][0]["messages"] == [message], case


def test_every_seed_code_has_a_case() -> None:
    assert {code for _, _, message in CASES for code in message.values()} >= SEED_CODES


async def test_several_problems_of_one_ad_are_all_listed_once_per_field(world: World) -> None:
    me = await integrator(world)
    ad = car_ad(subject="A", phone="123", zipcode="00500000")
    ad["params"] = {**ad["params"], "fuel": "7", "regdate": "1977", "xyz": "1"}
    body = (await me.put_import([ad])).json()
    assert body["errors"] == [
        {
            "id": "car-1",
            "status": "error",
            "messages": [
                {"subject": "ERROR_SUBJECT_TOO_SHORT"},
                {"phone": "ERROR_PHONE_TOO_SHORT"},
                {"fuel": "ERROR_FUEL_INVALID"},
                {"zipcode": "ERROR_REGION_MISSING"},
                {"regdate": "ERROR_REGDATE_INVALID"},
                {"xyz": "ERROR_NO_SUCH_PARAMETER"},
            ],
        }
    ]


async def test_numbers_where_the_seed_writes_strings_are_accepted(world: World) -> None:
    me = await integrator(world)
    ad = car_ad(phone=11987654321, price="79900", category="2020")
    ad["params"] = {**ad["params"], "mileage": 45000}
    assert (await me.put_import([ad])).json()["statusCode"] == 0


async def test_a_valid_ad_of_every_category(world: World) -> None:
    me = await integrator(world)
    params = {
        1020: {"apartment_type": "1", "rooms": "2"},
        1040: {"home_type": "1", "rooms": "3", "garage_spaces": "2"},
        1060: {},
        1080: {"season_type": "2", "rent_type": "1", "rooms": "2", "beds": "18"},
        1100: {"size": "5000", "re_land_type": "2"},
        1120: {"size": "40", "iptu": "120"},
        1140: {"re_release_type": "1"},
        2060: {
            "vehicle_brand": "7",
            "vehicle_model": "6",
            "regdate": "2012",
            "cubiccms": "14",
            "mileage": "9000",
        },
    }
    types = {1060: "u", 1080: "u", 1140: "s", 2060: "s"}
    ads = [
        apartment_ad(f"c{cid}", category=cid, params=p, type=types.get(cid, "s"), zipcode=SAO_PAULO_CEP)
        for cid, p in params.items()
    ]
    body = (await me.put_import([*ads, car_ad()])).json()
    assert body["statusCode"] == 0, body
