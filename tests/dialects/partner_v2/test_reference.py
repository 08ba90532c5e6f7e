"""The v2 read surface over the shipped olx.pl data: bodies, paging, look-ups, suggestions."""

from __future__ import annotations

import pytest

from support import World


@pytest.fixture
async def token(world: World) -> str:
    app = await world.partner_app()
    return str((await world.client_token(app))["access_token"])


async def test_category_1755_is_the_seeds_example(world: World, token: str) -> None:
    response = await world.get("/categories/1755", token)
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "id": 1755,
            "name": "Praca inżynieryjna, techniczna",
            "parent_id": 1447,
            "photos_limit": 0,
            "is_leaf": True,
        }
    }


async def test_category_1581_has_a_photos_limit_of_8(world: World, token: str) -> None:
    body = (await world.get("/categories/1581", token)).json()["data"]
    assert body == {
        "id": 1581,
        "name": "Bluzki i koszulki",
        "parent_id": 642,
        "photos_limit": 8,
        "is_leaf": True,
    }


async def test_categories_by_parent_and_roots(world: World, token: str) -> None:
    children = (await world.get("/categories", token, params={"parent_id": 1447})).json()["data"]
    assert children and all(c["parent_id"] == 1447 for c in children)
    assert 1755 in {c["id"] for c in children}
    roots = (await world.get("/categories", token, params={"parent_id": 0})).json()["data"]
    assert {c["id"] for c in roots} >= {1447, 99, 5}
    assert all(c["parent_id"] is None and c["is_leaf"] is False for c in roots)
    everything = (await world.get("/categories", token)).json()["data"]
    assert len(everything) >= 60
    assert {c["id"] for c in everything} >= {1755, 1581, 1291, 451}


async def test_unknown_category_is_404(world: World, token: str) -> None:
    response = await world.get("/categories/987654", token)
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "title": "Not Found", "detail": "Category not found"}}


async def test_attributes_of_a_leaf_follow_the_attribute_schema(world: World, token: str) -> None:
    attributes = (await world.get("/categories/101/attributes", token)).json()["data"]
    by_code = {a["code"]: a for a in attributes}
    price = by_code["price"]
    assert price == {
        "code": "price",
        "label": "Cena",
        "unit": None,
        "validation": {
            "type": "price",
            "required": True,
            "numeric": True,
            "min": None,
            "max": None,
            "allow_multiple_values": False,
        },
        "values": [],
    }
    state = by_code["state"]
    assert state["validation"]["required"] is True
    assert {"code": "used", "label": "Używane"} in state["values"]


async def test_job_attributes_carry_salary_and_delivery_is_listed_where_offered(
    world: World, token: str
) -> None:
    job = (await world.get("/categories/1755/attributes", token)).json()["data"]
    assert {a["code"] for a in job} >= {"salary", "type", "contract", "manager", "remote_recruitment"}
    assert next(a for a in job if a["code"] == "salary")["validation"]["type"] == "salary"
    shirts = (await world.get("/categories/1581/attributes", token)).json()["data"]
    delivery = next(a for a in shirts if a["code"] == "delivery")
    assert delivery["validation"]["type"] == "package"
    assert {"code": "d0ee896f-8a8f-420e-b38f-0634acd0445c", "label": "Ruch S"} in delivery["values"]


async def test_numeric_attribute_max_is_a_string_like_the_spec(world: World, token: str) -> None:
    attributes = (await world.get("/categories/84/attributes", token)).json()["data"]
    year = next(a for a in attributes if a["code"] == "year")
    assert year["validation"]["numeric"] is True
    assert isinstance(year["validation"]["max"], str) and isinstance(year["validation"]["min"], int)


@pytest.mark.parametrize(
    ("title", "expected_leaf"),
    [
        ("iPhone 13 Pro 128GB stan idealny", 101),
        ("Samsung Galaxy S21 smartfon", 101),
        ("Audi A4 B8 2.0 TDI kombi", 84),
        ("Bluzka damska koszulka bawełniana", 1581),
    ],
)
async def test_suggestion_ranks_the_right_leaf_first(
    world: World, token: str, title: str, expected_leaf: int
) -> None:
    response = await world.get("/categories/suggestion", token, params={"q": title})
    assert response.status_code == 200
    suggestions = response.json()["data"]
    assert suggestions[0]["id"] == expected_leaf
    first = suggestions[0]
    assert set(first) == {"id", "name", "path"}
    assert first["path"] and first["path"][-1]["id"] != first["id"]


async def test_suggestion_path_runs_from_the_root(world: World, token: str) -> None:
    first = (await world.get("/categories/suggestion", token, params={"q": "smartfon iphone"})).json()[
        "data"
    ][0]
    assert first["path"][0] == {"id": 99, "name": "Elektronika"}


async def test_suggestion_needs_three_characters_and_nonsense_gives_nothing(world: World, token: str) -> None:
    short = await world.get("/categories/suggestion", token, params={"q": "ab"})
    assert short.status_code == 400
    assert short.json()["error"]["validation"][0]["field"] == "q"
    nothing = await world.get("/categories/suggestion", token, params={"q": "qqqzzzxxx"})
    assert nothing.json() == {"data": []}


async def test_regions_and_region(world: World, token: str) -> None:
    regions = (await world.get("/regions", token)).json()["data"]
    assert len(regions) == 16
    assert {"id": 1, "name": "Wielkopolskie"} in regions
    assert (await world.get("/regions/1", token)).json() == {"data": {"id": 1, "name": "Wielkopolskie"}}
    missing = await world.get("/regions/999", token)
    assert missing.json() == {"error": {"status": 404, "title": "Not Found", "detail": "Region not found"}}


async def test_cities_page_with_offset_and_limit(world: World, token: str) -> None:
    every = (await world.get("/cities", token)).json()["data"]
    assert len(every) >= 150
    page = (await world.get("/cities", token, params={"offset": 2, "limit": 3})).json()["data"]
    assert page == every[2:5]
    assert every[0]["id"] == 627
    assert every[0] == {
        "id": 627,
        "region_id": 2,
        "name": "Aleksandrów Kujawski",
        "county": "aleksandrowski",
        "municipality": "Aleksandrów Kujawski",
        "latitude": 52.86653,
        "longitude": 18.69801,
    }


async def test_city_not_found_has_the_seeds_body(world: World, token: str) -> None:
    response = await world.get("/cities/1", token)
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "title": "Not Found", "detail": "City not found"}}


async def test_districts_of_gdansk_and_district_97(world: World, token: str) -> None:
    districts = (await world.get("/cities/5659/districts", token)).json()["data"]
    assert {
        "id": 97,
        "city_id": 5659,
        "name": "Aniołki",
        "latitude": 54.36306,
        "longitude": 18.63193,
    } in districts
    assert all(d["city_id"] == 5659 for d in districts)
    assert (await world.get("/districts/97", token)).json()["data"]["name"] == "Aniołki"
    assert (await world.get("/cities/627/districts", token)).json() == {"data": []}
    all_districts = (await world.get("/districts", token)).json()["data"]
    assert len(all_districts) > len(districts)


async def test_locations_finds_the_nearest_city_and_district(world: World, token: str) -> None:
    response = await world.get("/locations", token, params={"latitude": 54.3631, "longitude": 18.6320})
    first = response.json()["data"][0]
    assert first["city"]["id"] == 5659
    assert first["district"]["id"] == 97
    far = await world.get("/locations", token, params={"latitude": 0.0, "longitude": 0.0})
    assert far.json() == {"data": []}
    missing = await world.get("/locations", token, params={"latitude": 54.0})
    assert missing.status_code == 400
    assert missing.json()["error"]["validation"] == [
        {"field": "longitude", "title": "This value should not be blank."}
    ]


async def test_languages_currencies_and_delivery(world: World, token: str) -> None:
    assert (await world.get("/languages", token)).json() == {"data": [{"code": "pl", "is_default": True}]}
    currencies = (await world.get("/currencies", token)).json()["data"]
    assert {"code": "PLN", "label": "zł", "is_default": True} in currencies
    delivery = (await world.get("/delivery/settings", token)).json()["data"]
    assert set(delivery) == {"categories", "price", "shipping"}
    assert delivery["price"]["currency_constraint"][0]["currency"] == "PLN"


async def test_users_me_and_public_profile(world: World) -> None:
    app, user = await world.partner_app(), await world.user(business=True, name="Auto Kowalski")
    token = (await world.user_token(app, user))["access_token"]
    me = (await world.get("/users/me", token)).json()["data"]
    assert me["id"] == user.id and me["email"] == user.email and me["is_business"] is True
    assert me["status"] == "confirmed" and me["name"] == "Auto Kowalski"
    assert set(me) == {
        "id",
        "email",
        "status",
        "name",
        "phone",
        "phone_login",
        "created_at",
        "last_login_at",
        "avatar",
        "is_business",
    }
    assert len(me["created_at"]) == 19 and me["created_at"][4] == "-" and me["created_at"][10] == " "
    public = (await world.get(f"/users/{user.id}", token)).json()
    assert public == {"data": {"id": user.id, "name": "Auto Kowalski", "avatar": None}}
    missing = await world.get("/users/999999999", token)
    assert missing.json() == {"error": {"status": 404, "title": "Not Found", "detail": "User not found"}}
