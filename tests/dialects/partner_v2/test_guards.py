"""What every /api/partner call goes through first: Version, bearer token, scopes, user context, media types."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support import World

INVALID_TOKEN = {"error": "invalid_token", "error_description": "The access token provided is invalid"}
INSUFFICIENT_SCOPE = {
    "error": "insufficient_scope",
    "error_description": "The request requires higher privileges than provided by the access token",
    "error_human_title": "Insufficient scope.",
}


async def test_missing_version_header_is_wrapped_in_data(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    response = await world.http.get("/api/partner/categories", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json() == {
        "data": {
            "error": {"status": 400, "title": "Bad Request", "detail": "Missing required 'Version' header!"}
        }
    }


@pytest.mark.parametrize("path", ["/categories", "/no-such-endpoint"])
async def test_unsupported_version_and_unknown_paths(world: World, path: str) -> None:
    headers = {"Version": "3.0"} if path == "/categories" else {"Version": "2.0"}
    response = await world.http.get(f"/api/partner{path}", headers=headers)
    assert response.status_code == 404
    assert response.json() == {"error": {"type": "NotFoundException", "message": "Unsupported API version"}}


@pytest.mark.parametrize(
    "authorization", [None, "Bearer 454c3cd39a980500e9b787e03d53ec5c320f644b", "Basic abc"]
)
async def test_missing_or_unknown_token(world: World, authorization: str | None) -> None:
    headers = {"Version": "2.0"}
    if authorization:
        headers["Authorization"] = authorization
    response = await world.http.get("/api/partner/categories", headers=headers)
    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_access_token_expires_after_a_day(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    world.clock.advance(timedelta(seconds=86399))
    assert (await world.get("/languages", token)).status_code == 200
    world.clock.advance(timedelta(seconds=2))
    response = await world.get("/languages", token)
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_token",
        "error_description": "The access token provided has expired",
    }


async def test_insufficient_scope_without_v2(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    token = (await world.user_token(app, user, scope="read write"))["access_token"]
    response = await world.get("/users/me", token)
    assert response.status_code == 401
    assert response.json() == INSUFFICIENT_SCOPE


async def test_insufficient_scope_without_read(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app, scope="v2 write"))["access_token"]
    response = await world.get("/categories", token)
    assert response.status_code == 401
    assert response.json() == INSUFFICIENT_SCOPE


async def test_v2_alone_reaches_districts_which_only_needs_v2(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app, scope="v2"))["access_token"]
    assert (await world.get("/districts", token)).status_code == 200
    assert (await world.get("/cities", token)).status_code == 401


async def test_client_token_cannot_act_as_a_user(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    response = await world.get("/users/me", token)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"status": 400, "title": "Bad Request", "detail": "Invalid owner in token"}
    }


async def test_accept_header_that_excludes_json_is_406(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    response = await world.get("/languages", token, headers={"Accept": "application/xml"})
    assert response.status_code == 406
    assert response.json()["error"]["status"] == 406
    ok = await world.get("/languages", token, headers={"Accept": "text/html, */*;q=0.1"})
    assert ok.status_code == 200


async def test_get_labelled_as_json_is_400_like_the_real_api(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    response = await world.get("/languages", token, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "title": "Bad Request",
            "detail": "Content-Type header is not allowed for this request",
        }
    }


async def test_wrong_method_is_405_in_the_envelope(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    response = await world.http.delete(
        "/api/partner/languages", headers={"Version": "2.0", "Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 405
    assert response.json() == {
        "error": {
            "status": 405,
            "title": "Method Not Allowed",
            "detail": "Method not allowed for this resource",
        }
    }


async def test_non_numeric_path_id_is_404_not_422(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    response = await world.get("/categories/abc", token)
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


async def test_wrongly_typed_query_is_400_validation(world: World) -> None:
    app = await world.partner_app()
    token = (await world.client_token(app))["access_token"]
    response = await world.get("/cities", token, params={"limit": "many"})
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "title": "Invalid request",
            "detail": "Data validation error occurred",
            "validation": [{"field": "limit", "title": "This value is not valid."}],
        }
    }
