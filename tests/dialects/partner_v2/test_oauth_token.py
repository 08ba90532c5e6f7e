"""POST /api/open/oauth/token: every grant and every documented error, with exact bodies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from support import OTHER_SITE, World

INVALID_CREDENTIALS = {"error": "invalid_client", "error_description": "The client credentials are invalid"}
INVALID_CODE = {
    "error": "invalid_grant",
    "error_description": "Authorization code doesn't exist or is invalid for the client",
}
INVALID_REFRESH = {
    "error": "invalid_grant",
    "error_description": "Invalid refresh token",
    "error_human_title": "Provided authorization credentials are invalid or expired.",
}


async def test_client_credentials_grant_issues_a_token_pair(world: World) -> None:
    app = await world.partner_app()
    response = await world.token(
        {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "scope": "v2 read write",
        }
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert body["expires_in"] == 86400
    assert body["token_type"] == "bearer"
    assert body["scope"] == "v2 read write"
    assert len(body["access_token"]) == 40 and body["access_token"] != body["refresh_token"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"


@pytest.mark.parametrize("scope", ["write v2 read", "read write v2", "read,v2,write"])
async def test_scopes_in_any_order_are_answered_canonically(world: World, scope: str) -> None:
    app = await world.partner_app()
    body = await world.client_token(app, scope=scope)
    assert body["scope"] == "v2 read write"


async def test_no_scope_means_every_scope_the_app_may_have(world: World) -> None:
    app = await world.partner_app(scopes=["v2", "read"])
    body = await world.client_token(app)
    assert body["scope"] == "v2 read"


@pytest.mark.parametrize("scope", ["v2 read write", "admin", "v2 read delete"])
async def test_scope_beyond_the_apps_list_is_invalid_scope(world: World, scope: str) -> None:
    app = await world.partner_app(scopes=["v2", "read"])
    response = await world.token(
        {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "scope": scope,
        }
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_scope",
        "error_description": "The scope requested is invalid for this client",
    }


async def test_form_encoded_body_trailing_slash_and_basic_auth_are_accepted(world: World) -> None:
    app = await world.partner_app()
    form = await world.http.post(
        "/api/open/oauth/token/",
        data={
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
    )
    assert form.status_code == 200, form.text
    assert form.json()["token_type"] == "bearer"
    basic = await world.http.post(
        "/api/open/oauth/token",
        json={"grant_type": "client_credentials"},
        auth=(app.client_id, app.client_secret),
    )
    assert basic.status_code == 200, basic.text


async def test_numeric_client_id_in_json_is_accepted(world: World) -> None:
    app = await world.partner_app()
    response = await world.token(
        {
            "grant_type": "client_credentials",
            "client_id": int(app.client_id),
            "client_secret": app.client_secret,
        }
    )
    assert response.status_code == 200, response.text


async def test_missing_grant_type(world: World) -> None:
    app = await world.partner_app()
    response = await world.token({"client_id": app.client_id, "client_secret": app.client_secret})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The grant type was not specified in the request",
    }


async def test_unknown_grant_type(world: World) -> None:
    app = await world.partner_app()
    response = await world.token({"grant_type": "password", "client_id": app.client_id, "client_secret": "x"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "unsupported_grant_type",
        "error_description": 'Grant type "password" not supported',
    }


@pytest.mark.parametrize("secret", ["wrong", "", None])
async def test_wrong_client_secret(world: World, secret: str | None) -> None:
    app = await world.partner_app()
    body = {"grant_type": "client_credentials", "client_id": app.client_id}
    if secret is not None:
        body["client_secret"] = secret
    response = await world.token(body)
    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS


async def test_unknown_client_id(world: World) -> None:
    response = await world.token(
        {"grant_type": "client_credentials", "client_id": "999999999", "client_secret": "x"}
    )
    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS


async def test_inactive_client_is_401(world: World) -> None:
    app = await world.partner_app()
    async with world.app.runtime.db.transaction() as session:
        from pazar.services import accounts

        row = await accounts.find_app(session, app.client_id)
        assert row is not None
        row.is_active = False
    response = await world.token(
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret}
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": "Client is not active"}


async def test_grant_not_allowed_for_the_client(world: World) -> None:
    app = await world.partner_app(grants=["authorization_code", "refresh_token"])
    response = await world.token(
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "unauthorized_client",
        "error_description": "The grant type is unauthorized for this client_id",
        "error_human_title": "Unauthorized client.",
    }


async def test_authorization_code_grant_acts_as_the_user(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    code = await world.code(app, user, scope="read v2")
    response = await world.token(
        {
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "code": code,
        }
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "v2 read"
    me = await world.get("/users/me", body["access_token"])
    assert me.status_code == 200
    assert me.json()["data"]["email"] == user.email


async def test_code_is_required(world: World) -> None:
    app = await world.partner_app()
    response = await world.token(
        {"grant_type": "authorization_code", "client_id": app.client_id, "client_secret": app.client_secret}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": 'Missing parameter: "code" is required',
    }


async def test_unknown_code(world: World) -> None:
    app = await world.partner_app()
    response = await world.token(
        {
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "code": "d34feg43g456g",
        }
    )
    assert response.status_code == 400
    assert response.json() == INVALID_CODE


async def test_code_is_single_use(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    code = await world.code(app, user)
    body = {
        "grant_type": "authorization_code",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "code": code,
    }
    assert (await world.token(body)).status_code == 200
    again = await world.token(body)
    assert again.status_code == 400
    assert again.json() == INVALID_CODE


async def test_code_of_another_client_is_invalid(world: World) -> None:
    app, other, user = await world.partner_app(), await world.partner_app(), await world.user()
    code = await world.code(app, user)
    response = await world.token(
        {
            "grant_type": "authorization_code",
            "client_id": other.client_id,
            "client_secret": other.client_secret,
            "code": code,
        }
    )
    assert response.status_code == 400
    assert response.json() == INVALID_CODE


async def test_code_expires_after_ten_minutes(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    fresh, stale = await world.code(app, user), await world.code(app, user)
    world.clock.advance(timedelta(minutes=9, seconds=59))
    ok = await world.token(
        {
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "code": fresh,
        }
    )
    assert ok.status_code == 200
    world.clock.advance(timedelta(seconds=2))
    late = await world.token(
        {
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "code": stale,
        }
    )
    assert late.status_code == 400
    assert late.json() == {
        "error": "invalid_grant",
        "error_description": "The authorization code has expired",
    }


async def test_redirect_uri_used_at_authorize_must_be_repeated(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    base = {
        "grant_type": "authorization_code",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
    }
    code = await world.code(app, user, redirect_uri=app.redirect_uri)
    missing = await world.token({**base, "code": code})
    assert missing.status_code == 400
    assert missing.json() == {
        "error": "redirect_uri_mismatch",
        "error_description": "The redirect URI is missing or do not match",
    }
    ok = await world.token({**base, "code": code, "redirect_uri": app.redirect_uri})
    assert ok.status_code == 200, ok.text


async def test_refresh_the_same_day_returns_the_same_refresh_token(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    first = await world.user_token(app, user)
    world.clock.advance(timedelta(minutes=5))
    response = await world.token(
        {
            "grant_type": "refresh_token",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "refresh_token": first["refresh_token"],
        }
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"] == first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert body["expires_in"] == 86400
    assert (await world.get("/users/me", body["access_token"])).status_code == 200


async def test_refresh_on_a_later_day_rotates_and_retires_the_old_token(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    first = await world.user_token(app, user)
    world.clock.advance(timedelta(days=1))
    body = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": first["refresh_token"],
    }
    rotated = await world.token(body)
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != first["refresh_token"]
    reused = await world.token(body)
    assert reused.status_code == 400
    assert reused.json() == INVALID_REFRESH
    newest = await world.token({**body, "refresh_token": rotated.json()["refresh_token"]})
    assert newest.status_code == 200


async def test_refresh_token_lasts_thirty_days(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    first = await world.user_token(app, user)
    world.clock.advance(timedelta(seconds=2592000 + 1))
    response = await world.token(
        {
            "grant_type": "refresh_token",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "refresh_token": first["refresh_token"],
        }
    )
    assert response.status_code == 400
    assert response.json() == {**INVALID_REFRESH, "error_description": "Refresh token has expired"}


async def test_invalid_and_missing_refresh_token(world: World) -> None:
    app = await world.partner_app()
    base = {"grant_type": "refresh_token", "client_id": app.client_id, "client_secret": app.client_secret}
    unknown = await world.token({**base, "refresh_token": "12a13560163da7901d7f74c89fc5df3ea7625942"})
    assert unknown.status_code == 400
    assert unknown.json() == INVALID_REFRESH
    missing = await world.token(base)
    assert missing.status_code == 400
    assert missing.json() == {
        "error": "invalid_request",
        "error_description": 'Missing parameter: "refresh_token" is required',
    }


async def test_refresh_token_of_another_client_is_invalid(world: World) -> None:
    app, other, user = await world.partner_app(), await world.partner_app(), await world.user()
    first = await world.user_token(app, user)
    response = await world.token(
        {
            "grant_type": "refresh_token",
            "client_id": other.client_id,
            "client_secret": other.client_secret,
            "refresh_token": first["refresh_token"],
        }
    )
    assert response.json() == INVALID_REFRESH


async def test_client_credentials_token_can_be_refreshed(world: World) -> None:
    app = await world.partner_app()
    first = await world.client_token(app)
    world.clock.advance(timedelta(days=2))
    response = await world.token(
        {
            "grant_type": "refresh_token",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "refresh_token": first["refresh_token"],
        }
    )
    assert response.status_code == 200
    assert (await world.get("/categories", response.json()["access_token"])).status_code == 200


async def test_get_is_not_the_method(world: World) -> None:
    response = await world.http.get("/api/open/oauth/token")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The request method must be POST when requesting an access token",
    }


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"grant_type": "client_credentials",', "application/json"),
        (b'{"grant_type": "\xff\xfe"}', "application/json"),
        (b"grant_type=client_credentials", "text/plain"),
        (b"[1, 2, 3]", "application/json"),
    ],
)
async def test_unreadable_bodies_are_invalid_request(world: World, content: bytes, content_type: str) -> None:
    response = await world.http.post(
        "/api/open/oauth/token", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.json()["error_description"]


async def test_wrongly_typed_fields_are_invalid_request(world: World) -> None:
    response = await world.token({"grant_type": ["client_credentials"], "client_id": {"a": 1}})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": 'Parameter "grant_type" must be a string',
    }


async def test_body_over_the_limit_is_refused(world: World) -> None:
    huge = b'{"grant_type": "client_credentials", "pad": "' + b"x" * (300 * 1024) + b'"}'
    response = await world.http.post(
        "/api/open/oauth/token", content=huge, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "larger than" in response.json()["error_description"]


async def test_apps_and_tokens_do_not_cross_sites(world: World) -> None:
    foreign = await world.partner_app(site=OTHER_SITE)
    here = await world.token(
        {
            "grant_type": "client_credentials",
            "client_id": foreign.client_id,
            "client_secret": foreign.client_secret,
        }
    )
    assert here.status_code == 400
    assert here.json() == INVALID_CREDENTIALS
    there = await world.token(
        {
            "grant_type": "client_credentials",
            "client_id": foreign.client_id,
            "client_secret": foreign.client_secret,
        },
        host=OTHER_SITE,
    )
    assert there.status_code == 200
    token = there.json()["access_token"]
    used_here = await world.get("/languages", token)
    assert used_here.status_code == 401
    used_there = await world.get("/languages", token, headers={"Host": OTHER_SITE})
    assert used_there.status_code == 200
    assert used_there.json() == {"data": [{"code": "ro", "is_default": True}]}
