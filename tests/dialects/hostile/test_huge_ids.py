"""Ids no row can have (2^63 and beyond, 0, negative) are a 404 in each dialect's shape, never a 500."""

from __future__ import annotations

import pytest

from support import V2, World

HUGE = ["2147483648", "9223372036854775808", "18446744073709551616", "1" + "0" * 40, "0", "-1"]
NOT_FOUND = {"error": {"status": 404, "title": "Not Found", "detail": "Resource not found"}}


@pytest.mark.parametrize("advert_id", HUGE)
async def test_v2_advert_routes(world: World, advert_id: str) -> None:
    app, user = await world.partner_app(), await world.user()
    token = (await world.user_token(app, user))["access_token"]
    headers = {**V2, "Authorization": f"Bearer {token}"}
    base = f"/api/partner/adverts/{advert_id}"
    calls = [
        ("GET", base, None),
        ("PUT", base, {"title": "x"}),
        ("DELETE", base, None),
        ("POST", f"{base}/commands", {"command": "deactivate"}),
        ("GET", f"{base}/statistics", None),
        ("DELETE", f"{base}/statistics/advert_views", None),
        ("GET", f"/api/partner/users/{advert_id}", None),
    ]
    for method, path, body in calls:
        response = await world.http.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == NOT_FOUND, (method, path)


@pytest.mark.parametrize("ref_id", HUGE)
async def test_v2_reference_routes(world: World, ref_id: str) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    headers = {**V2, "Authorization": f"Bearer {token}"}
    for path in (
        f"/regions/{ref_id}",
        f"/cities/{ref_id}",
        f"/cities/{ref_id}/districts",
        f"/districts/{ref_id}",
        f"/categories/{ref_id}",
        f"/categories/{ref_id}/attributes",
    ):
        response = await world.http.get(f"/api/partner{path}", headers=headers)
        assert response.status_code == 404, (path, response.text)
        assert response.json() == NOT_FOUND, path


@pytest.mark.parametrize("ref_id", ["9223372036854775808", "-9223372036854775809"])
async def test_v2_query_ids(world: World, ref_id: str) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    headers = {**V2, "Authorization": f"Bearer {token}"}
    for path in ("/categories", "/cities", "/districts", "/locations"):
        params = {"parent_id": ref_id, "region_id": ref_id, "city_id": ref_id, "latitude": "1e400"}
        response = await world.http.get(f"/api/partner{path}", params=params, headers=headers)
        assert response.status_code < 500, (path, response.text)
        assert "error" in response.json() or "data" in response.json(), path


@pytest.mark.parametrize("advert_id", HUGE)
async def test_the_public_phone_reveal_and_observe(world: World, advert_id: str) -> None:
    for method, path in (
        ("POST", f"/offers/{advert_id}/phone"),
        ("POST", f"/offers/{advert_id}/observe"),
        ("DELETE", f"/offers/{advert_id}/observe"),
    ):
        response = await world.http.request(method, path)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"].startswith("text/html")
        assert "Not found" in response.text


async def test_the_public_page_with_the_largest_slug(world: World) -> None:
    response = await world.http.get("/d/oferta/x-IDzzzzzzzzzzzz.html")
    assert response.status_code == 404 and "Not found" in response.text
