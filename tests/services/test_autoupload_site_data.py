"""The shipped Brasil data, as the converter turns it into the standard rows (and the seed loads them)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pazar.services.autoupload import catalog, site_data
from pazar.services.autoupload.rules import param_error_codes, rules_for
from support import World

DIRECTORY = site_data.site_directory()
SEED_CATEGORIES = [1020, 1040, 1060, 1080, 1100, 1120, 1140, 2020, 2060]


def _read(name: str) -> Any:
    return json.loads(DIRECTORY.joinpath(name).read_text(encoding="utf-8"))


def test_the_nine_seed_categories_become_leaves_with_their_image_limits() -> None:
    converted = site_data.convert(DIRECTORY, {"rules": {}})
    categories = {c["id"]: c for c in converted["categories"]}
    assert list(categories) == SEED_CATEGORIES
    assert categories[2020]["photos_limit"] == 6
    assert {categories[c]["photos_limit"] for c in SEED_CATEGORIES if c != 2020} == {20}
    assert all(c["parent_id"] is None for c in categories.values())
    assert categories[2020]["autoupload"]["types"] == ["s"]
    assert categories[1060]["autoupload"]["types"] == ["u"]
    assert converted["cities"] == [] and converted["districts"] == []
    assert len(converted["regions"]) == 27


def test_every_param_is_an_attribute_definition() -> None:
    converted = site_data.convert(DIRECTORY, {"rules": {}})
    cars = next(c for c in converted["categories"] if c["id"] == 2020)
    by_code = {a["code"]: a for a in cars["attributes"]}
    assert by_code["price"]["validation"]["type"] == "price"
    assert not by_code["price"]["validation"]["required"]
    fuel = by_code["fuel"]
    assert fuel["validation"] == {
        "type": "attribute",
        "required": True,
        "numeric": True,
        "min": None,
        "max": None,
        "allow_multiple_values": False,
    }
    assert [v["code"] for v in fuel["values"]] == ["1", "2", "3", "4", "5"]
    assert fuel["autoupload"]["error_missing"] == "ERROR_FUEL_MISSING"
    assert fuel["autoupload"]["error_invalid"] == "ERROR_FUEL_INVALID"
    features = by_code["car_features"]
    assert features["validation"]["allow_multiple_values"]
    assert "2" not in {v["code"] for v in features["values"]}  # removed by the seed
    assert by_code["vehicle_model"]["autoupload"]["parent"] == "vehicle_brand"
    assert by_code["vehicle_version"]["autoupload"]["parent"] == "vehicle_model"
    assert {v["code"] for v in by_code["cartype"]["values"]} == {str(n) for n in range(2, 10)}


def test_the_operator_may_accept_the_legacy_values() -> None:
    converted = site_data.convert(DIRECTORY, {"rules": {"autoupload_legacy_values": True}})
    cars = next(c for c in converted["categories"] if c["id"] == 2020)
    features = next(a for a in cars["attributes"] if a["code"] == "car_features")
    assert "2" in {v["code"] for v in features["values"]}


def test_nonzero_fields_start_at_one_and_garage_spaces_end_at_999() -> None:
    converted = site_data.convert(DIRECTORY, {"rules": {}})
    flats = {a["code"]: a for a in next(c for c in converted["categories"] if c["id"] == 1020)["attributes"]}
    for code in ("size", "condominio", "iptu", "garage_spaces"):
        assert flats[code]["validation"]["min"] == 1, code
    assert flats["garage_spaces"]["validation"]["max"] == 999


def test_catalogue_ids_are_unique_where_the_endpoints_need_it() -> None:
    for file in ("car_catalog.json", "moto_catalog.json"):
        brands = _read(file)
        assert len({b["id"] for b in brands}) == len(brands)
        models = [m for b in brands for m in b["models"]]
        assert len({m["id"] for m in models}) == len(models)
        versions = [v for m in models for v in m["versions"]]
        assert len({v["id"] for v in versions}) == len(versions)
        for brand in brands:
            names = [m["name"] for m in brand["models"]]
            assert len(set(names)) == len(names)
    assert len(_read("car_catalog.json")) >= 40


def test_the_seed_catalogue_entries_are_there_with_their_ids() -> None:
    cars = {b["name"]: b for b in _read("car_catalog.json")}
    seed_brands = {
        "AM GEN": 1,
        "ACURA": 2,
        "AGRALE": 3,
        "ALFA ROMEO": 4,
        "ASIA MOTORS": 5,
        "AUDI": 6,
        "BMW": 7,
        "BRM": 8,
        "BUGGY": 9,
        "BUGRE": 10,
        "CBT JIPE": 11,
        "CHANGAN": 12,
    }
    assert {name: cars[name]["id"] for name in seed_brands} == seed_brands
    audi = {m["name"]: m["id"] for m in cars["AUDI"]["models"]}
    assert {k: audi[k] for k in ("80", "100", "A1", "A3", "A4", "A5", "A6", "A7", "A8")} == {
        "80": 2,
        "100": 1,
        "A1": 3,
        "A3": 4,
        "A4": 5,
        "A5": 6,
        "A6": 7,
        "A7": 8,
        "A8": 9,
    }
    motos = {b["name"]: b["id"] for b in _read("moto_catalog.json")}
    assert {k: motos[k] for k in ("DUCATI", "BUELL", "KTM", "KAHENA", "FOX", "MRX", "YAMAHA")} == {
        "DUCATI": 1,
        "BUELL": 2,
        "KTM": 3,
        "KAHENA": 4,
        "FOX": 5,
        "MRX": 6,
        "YAMAHA": 7,
    }


@pytest.mark.parametrize("category_id", SEED_CATEGORIES)
async def test_the_seeded_site_carries_the_rules(world: World, category_id: int) -> None:
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        site = await runtime.reference.get(session, "olx.com.br")
    assert site.default_currency == "BRL" and site.default_language == "pt"
    assert category_id in site.categories and site.categories[category_id].is_leaf
    rules = rules_for(site, world.clock)
    assert rules.categories[category_id].types <= {"s", "u"}
    assert rules.region_of("01310100") == 26  # São Paulo
    assert rules_for(site, world.clock) is rules  # built once per snapshot
    codes = param_error_codes(site, category_id)
    assert all(m.startswith("ERROR_") and i.startswith("ERROR_") for m, i in codes.values())


async def test_catalogues_read_the_seeded_rows(world: World) -> None:
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        site = await runtime.reference.get(session, "olx.com.br")
    assert list(catalog.brands(site, "car"))[:3] == ["AM GEN", "ACURA", "AGRALE"]
    assert catalog.versions(site, "moto", "7", "6") == {"FAZER 600/ FZ6 S": 1}
    assert catalog.cubic_capacities(site)["22"] == "100"
