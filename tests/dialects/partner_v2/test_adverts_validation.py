"""Every publishing rule of seeds 002/003 through POST /adverts, each with its exact error body."""

from __future__ import annotations

from typing import Any

import pytest

from support import (
    ALEKSANDROW,
    ANIOLKI,
    CARS,
    GDANSK,
    V2,
    World,
    bad_request,
    job_advert,
    phone_advert,
    seller,
    validation,
)

SYNTAX = {
    "data": {
        "error": {
            "status": 400,
            "title": "Bad Request",
            "detail": "Error while decoding JSON data: Syntax error",
        }
    }
}


async def _post(world: World, body: Any, **kwargs: Any) -> tuple[int, Any]:
    me = await seller(world, **kwargs)
    response = await me.post(body)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("overrides", "entries"),
    [
        ({"title": "Krótki tytuł"}, [("title", "Title is too short. Minimum length is 16 characters")]),
        ({"title": "x" * 71}, [("title", "Title is too long. Maximum length is 70 characters")]),
        (
            {"description": "Za krótki opis telefonu."},
            [("description", "Description is too short. Minimum length is 80 characters")],
        ),
        ({"title": "iPhone 13 Pro!!! okazja tanio"}, [("title", "Field contains to much punctuation")]),
        ({"title": "IPHONE 13 PRO 128GB SUPER STAN"}, [("title", "Too many capital letters")]),
        (
            {"title": "iPhone 13 Pro pisz na jan@example.com"},
            [("title", "Field is not valid. Emails and www addresses are not allowed")],
        ),
        (
            {"title": "iPhone 13 Pro zobacz www.sklep-gsm.pl"},
            [("title", "Field is not valid. Emails and www addresses are not allowed")],
        ),
        (
            {"title": "iPhone 13 Pro dzwoń 601 234 567"},
            [("title", "Field is not valid. Phone numbers are not allowed")],
        ),
        (
            {"description": phone_advert()["description"] + " <b>Okazja!</b>"},
            [("description", "HTML tags are not allowed")],
        ),
        ({"category_id": 100}, [("category_id", "Fix the category", "Fix the category")]),
        ({"advertiser_type": "company"}, [("advertiser_type", "Invalid value")]),
        ({"contact": {"phone": "601234567"}}, [("name", "This field is required")]),
        ({"contact": {"name": "Jan", "phone": "12-34"}}, [("phone", "Invalid phone format")]),
    ],
)
async def test_field_rules(world: World, overrides: dict[str, Any], entries: list[tuple[str, ...]]) -> None:
    status, body = await _post(world, phone_advert(**overrides))
    assert status == 400
    assert body == validation(*entries)


async def test_all_field_errors_are_reported_together(world: World) -> None:
    status, body = await _post(
        world,
        phone_advert(
            title="Krótki",
            description="krótko",
            contact={"name": ""},
            attributes=[{"code": "state", "value": "broken"}],
        ),
    )
    assert status == 400
    fields = [entry["field"] for entry in body["error"]["validation"]]
    assert fields == ["title", "description", "name", "params.state", "params.brand"]


async def test_missing_required_fields_are_listed(world: World) -> None:
    status, body = await _post(world, {"title": "iPhone 13 Pro 128GB grafitowy"})
    assert status == 400
    assert body == validation(
        ("description", "This field is required"),
        ("category_id", "This field is required"),
        ("advertiser_type", "This field is required"),
        ("contact", "This field is required"),
        ("location", "This field is required"),
        ("attributes", "This field is required"),
    )


async def test_unknown_category_is_a_bad_request(world: World) -> None:
    assert await _post(world, phone_advert(category_id=999999)) == (
        400,
        bad_request("Category with given ID doesn't exists"),
    )


async def test_unknown_city_is_a_bad_request(world: World) -> None:
    assert await _post(world, phone_advert(location={"city_id": 1})) == (
        400,
        bad_request("City with given ID doesn't exists"),
    )


async def test_district_is_required_in_a_city_with_districts_and_must_belong_to_it(world: World) -> None:
    near = {"latitude": 54.3631, "longitude": 18.632}
    status, body = await _post(world, phone_advert(location={"city_id": GDANSK, **near}))
    assert (status, body) == (400, validation(("district_id", "This field is required")))
    status, body = await _post(world, phone_advert(location={"city_id": GDANSK, "district_id": 351, **near}))
    assert (status, body) == (400, validation(("district_id", "Invalid value")))
    status, body = await _post(
        world, phone_advert(location={"city_id": GDANSK, "district_id": ANIOLKI, **near})
    )
    assert status == 200 and body["data"]["location"]["district_id"] == ANIOLKI


async def test_coordinates_far_from_the_city(world: World) -> None:
    status, body = await _post(
        world, phone_advert(location={"city_id": ALEKSANDROW, "latitude": 50.06, "longitude": 19.94})
    )
    assert status == 400
    assert body == validation(("district/city_id", "Your coordinates are too far from picked location."))


async def test_images_beyond_the_photos_limit(world: World) -> None:
    images = [{"url": f"https://cdn.example.com/{i}.jpg"} for i in range(9)]
    assert await _post(world, phone_advert(images=images)) == (
        400,
        bad_request("Image error: Image limit exceeded"),
    )
    assert (await _post(world, phone_advert(images=images[:8])))[0] == 200


@pytest.mark.parametrize(
    "url",
    [
        "ftp://cdn.example.com/1.jpg",
        "http://127.0.0.1/1.jpg",
        "http://10.0.0.5/a.jpg",
        "http://localhost/a.jpg",
        "not a url",
        "http://[::1]/a.jpg",
    ],
)
async def test_image_urls_must_be_public_http(world: World, url: str) -> None:
    assert await _post(world, phone_advert(images=[{"url": url}])) == (
        400,
        bad_request("Image error: Remote file not exists"),
    )


async def test_external_url_only_for_allowed_partners_in_jobs(world: World) -> None:
    assert await _post(world, job_advert(external_url="https://jobs.example.com/1")) == (
        400,
        bad_request("Partner is not allowed to use external URL"),
    )
    status, body = await _post(
        world, job_advert(external_url="https://jobs.example.com/1"), allow_external_url=True
    )
    assert status == 200 and body["data"]["external_url"] == "https://jobs.example.com/1"
    assert await _post(
        world, phone_advert(external_url="https://x.example.com"), allow_external_url=True
    ) == (400, bad_request("Partner is not allowed to use external URL"))


async def test_unknown_fields_are_a_json_syntax_error(world: World) -> None:
    assert await _post(world, phone_advert(titel="typo")) == (400, SYNTAX)
    assert await _post(world, phone_advert(contact={"name": "Jan", "fax": "1"})) == (400, SYNTAX)


async def test_malformed_attributes_are_case_7(world: World) -> None:
    status, body = await _post(
        world, phone_advert(attributes=[{"code": "state", "value": "used", "label": "x"}])
    )
    assert status == 400
    assert body["error"]["validation"] == [{"field": "attributes", "title": "This value is not valid."}]


@pytest.mark.parametrize(
    ("attributes", "entries"),
    [
        (
            [{"code": "state", "value": "mint"}, {"code": "brand", "value": "apple"}],
            [("params.state", "Invalid value")],
        ),
        ([{"code": "brand", "value": "apple"}], [("params.state", "This field is required")]),
        (
            [{"code": "state", "value": "used"}, {"code": "brand", "values": ["apple", "samsung"]}],
            [("params.brand", "Invalid value")],
        ),
        (
            [
                {"code": "state", "value": "used"},
                {"code": "brand", "value": "apple"},
                {"code": "horsepower", "value": "1"},
            ],
            [("attributes", "This value is not valid.")],
        ),
    ],
)
async def test_attribute_rules(
    world: World, attributes: list[dict[str, Any]], entries: list[tuple[str, str]]
) -> None:
    assert await _post(world, phone_advert(attributes=attributes)) == (400, validation(*entries))


async def test_numeric_attributes_respect_min_and_max(world: World) -> None:
    attrs = [
        {"code": "brand", "value": "audi"},
        {"code": "year", "value": "1850"},
        {"code": "petrol", "value": "diesel"},
    ]
    body = phone_advert(title="Audi A4 B8 2.0 TDI kombi zadbany", category_id=CARS, attributes=attrs)
    assert await _post(world, body) == (400, validation(("params.year", "Invalid value")))


async def test_price_is_required_where_the_category_has_a_required_price(world: World) -> None:
    body = phone_advert()
    del body["price"]
    assert await _post(world, body) == (400, validation(("price", "This field is required")))


async def test_salary_belongs_to_jobs_and_price_does_not(world: World) -> None:
    salary = {"value_from": 1, "value_to": 2, "currency": "PLN", "type": "monthly"}
    assert await _post(world, phone_advert(salary=salary)) == (
        400,
        validation(("salary", "This category does not take a salary")),
    )
    assert await _post(world, job_advert(price={"value": 10, "currency": "PLN"})) == (
        400,
        validation(("price", "This category does not take a price")),
    )


async def test_salary_currency_uppercase_and_bounds(world: World) -> None:
    lower = job_advert(salary={"value_from": 1, "value_to": 2, "currency": "pln", "type": "monthly"})
    assert await _post(world, lower) == (
        400,
        validation(("salary.currency", "Salary currency has to be written in uppercase")),
    )
    huge = job_advert(
        salary={"value_from": 1, "value_to": 100000000000000, "currency": "PLN", "type": "monthly"}
    )
    assert await _post(world, huge) == (
        400,
        validation(("salary.value_to", "Value cannot be greater than 99999999999999")),
    )


async def test_html_is_allowed_in_jobs_descriptions_only_with_the_listed_tags(world: World) -> None:
    status, body = await _post(world, job_advert())
    assert status == 200 and body["data"]["description"].startswith("<p>")
    script = job_advert(description=job_advert()["description"] + "<script>alert(1)</script>")
    assert await _post(world, script) == (
        400,
        validation(("description", "Only the following HTML tags are allowed: ul, li, strong, em, p")),
    )


async def test_courier_is_not_available_in_poland(world: World) -> None:
    assert await _post(world, phone_advert(courier=True)) == (
        400,
        validation(("courier", "Delivery is not available on this site")),
    )
    assert (await _post(world, phone_advert(courier=False)))[0] == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": 123}, "title"),
        ({"title": None}, "title"),
        ({"category_id": "abc"}, "category_id"),
        ({"category_id": 10**20}, "category_id"),
        ({"location": {"city_id": ALEKSANDROW, "latitude": "north"}}, "latitude"),
        ({"images": "https://cdn.example.com/1.jpg"}, "images"),
        ({"price": {"value": "cheap"}}, "price.value"),
        ({"attributes": {"state": "used"}}, "attributes"),
        ({"title": "iPhone 13 Pro 128GB\x00 grafitowy"}, "title"),
    ],
)
async def test_wrong_types_and_nulls_are_validation_errors(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    status, body = await _post(world, phone_advert(**overrides))
    assert status == 400
    assert field in [entry["field"] for entry in body["error"]["validation"]]


async def test_a_body_that_is_not_an_object_or_not_json(world: World) -> None:
    me = await seller(world)
    headers = {**V2, "Authorization": f"Bearer {me.token}", "Content-Type": "application/json"}
    for raw in (b'{"title": ', b"[1,2]", b'"text"', b'{"title": "\xff\xfe"}'):
        response = await world.http.post("/api/partner/adverts", content=raw, headers=headers)
        assert response.status_code == 400, raw
        assert "error" in response.json().get("data", response.json()), raw


async def test_huge_description_is_refused_before_it_is_read(world: World) -> None:
    me = await seller(world)
    response = await me.post(phone_advert(description="a" * (10 * 1024 * 1024)))
    assert response.status_code == 413
    assert response.json() == {
        "error": {
            "status": 413,
            "title": "Payload Too Large",
            "detail": "Request body is larger than 262144 bytes",
        }
    }


async def test_wrong_content_type_is_415(world: World) -> None:
    me = await seller(world)
    response = await world.http.post(
        "/api/partner/adverts",
        content=b"title=x",
        headers={
            **V2,
            "Authorization": f"Bearer {me.token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 415
    assert response.json()["error"]["status"] == 415


async def test_sql_and_html_in_text_are_stored_verbatim_and_escaped_on_the_page(world: World) -> None:
    from support import run_jobs

    me = await seller(world)
    title = "iPhone 13'); DROP TABLE adverts;-- tanio"
    description = phone_advert()["description"] + " Cena: 5 > 3 & 2 < 4 \"cytat\" 'apostrof'."
    advert = await me.create(phone_advert(title=title, description=description))
    assert advert["title"] == title and advert["description"] == description
    await run_jobs(world)
    page = await world.http.get(advert["url"].split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert page.status_code == 200
    assert "DROP TABLE adverts;-- tanio" in page.text and "&#x27;" in page.text
    assert "5 &gt; 3 &amp; 2 &lt; 4" in page.text
