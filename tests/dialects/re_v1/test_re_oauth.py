"""RE authorization: the /pt/crm/authorization/ page, POST /oauth/v1/token (1 hour / 1 year), X-API-KEY."""

from __future__ import annotations

from datetime import timedelta

from support import RE_SITE, World, authorize, re_app, re_client, re_code, re_partner, re_token


async def test_the_authorization_page_and_the_code_grant(world: World) -> None:
    app, api_key, _ = await re_app(world)
    user = await world.user(site=RE_SITE)
    params = await authorize(world, app.client_id, user.email, user.password)
    assert params["state"] == ["st-42"]
    async with re_client(world) as client:
        response = await re_token(
            client, app, api_key, {"grant_type": "authorization_code", "code": params["code"][0]}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and body["scope"] == "read write"
    assert response.headers["cache-control"] == "no-store"


async def test_the_page_also_answers_without_the_trailing_slash(world: World) -> None:
    app, _, _ = await re_app(world)
    user = await world.user(site=RE_SITE)
    params = await authorize(world, app.client_id, user.email, user.password, path="/pt/crm/authorization")
    assert params["code"]


async def test_a_form_body_with_credentials_in_it_is_accepted(world: World) -> None:
    app, api_key, _ = await re_app(world)
    code = await re_code(world, app, await world.user(site=RE_SITE))
    async with re_client(world) as client:
        response = await client.post(
            "/oauth/v1/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "redirect_uri": "https://crm.example.pt/re/callback",
            },
            headers={"X-API-KEY": api_key},
        )
    assert response.status_code == 200, response.text


async def test_refresh_returns_a_new_pair_and_the_old_refresh_token_stops_working(world: World) -> None:
    me = await re_partner(world)
    refresh = {"grant_type": "refresh_token", "refresh_token": me.refresh_token}
    first = await re_token(me.client, me.app, me.api_key, refresh)
    assert first.status_code == 200, first.text
    renewed = first.json()
    assert renewed["access_token"] != me.token and renewed["refresh_token"] != me.refresh_token
    assert renewed["expires_in"] == 3600
    again = await re_token(me.client, me.app, me.api_key, refresh)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # A year later the newest refresh token has expired too.
    world.clock.advance(timedelta(days=366))
    late = await re_token(
        me.client,
        me.app,
        me.api_key,
        {"grant_type": "refresh_token", "refresh_token": renewed["refresh_token"]},
    )
    assert late.status_code == 400 and late.json()["error_description"] == "Refresh token has expired"


async def test_refreshing_within_the_hour_still_gives_a_new_access_token(world: World) -> None:
    me = await re_partner(world)
    response = await re_token(
        me.client, me.app, me.api_key, {"grant_type": "refresh_token", "refresh_token": me.refresh_token}
    )
    assert response.json()["access_token"] != me.token


async def test_an_access_token_lasts_one_hour(world: World) -> None:
    me = await re_partner(world)
    assert (await me.list_meta()).status_code == 200
    world.clock.advance(timedelta(minutes=59))
    assert (await me.list_meta()).status_code == 200
    world.clock.advance(timedelta(minutes=2))
    expired = await me.list_meta()
    assert expired.status_code == 401
    assert expired.json()["error"]["detail"] == "The access token provided has expired"


async def test_token_endpoint_errors(world: World) -> None:
    app, api_key, _ = await re_app(world)
    other, other_key, _ = await re_app(world)
    user = await world.user(site=RE_SITE)
    async with re_client(world) as client:
        code = await re_code(world, app, user)
        grant = {"grant_type": "authorization_code", "code": code}

        missing_key = await client.post(
            "/oauth/v1/token", json=grant, auth=(app.client_id, app.client_secret)
        )
        assert missing_key.status_code == 401
        assert missing_key.json() == {
            "error": "invalid_client",
            "error_description": "Missing X-API-KEY header",
            "message": "Missing X-API-KEY header",
        }
        wrong_key = await re_token(client, app, other_key, grant)
        assert (wrong_key.status_code, wrong_key.json()["error"]) == (401, "invalid_client")
        bad_secret = await client.post(
            "/oauth/v1/token", json=grant, headers={"X-API-KEY": api_key}, auth=(app.client_id, "nope")
        )
        assert (bad_secret.status_code, bad_secret.json()["error"]) == (401, "invalid_client")
        client_credentials = await re_token(client, app, api_key, {"grant_type": "client_credentials"})
        assert (client_credentials.status_code, client_credentials.json()["error"]) == (
            400,
            "unsupported_grant_type",
        )
        other_code = await re_token(
            client, app, api_key, {"grant_type": "authorization_code", "code": "x" * 40}
        )
        assert (other_code.status_code, other_code.json()["error"]) == (400, "invalid_grant")
        assert (await re_token(client, app, api_key, grant)).status_code == 200
        reused = await re_token(client, app, api_key, grant)
        assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
        no_grant = await re_token(client, app, api_key, {})
        assert (no_grant.status_code, no_grant.json()["error"]) == (400, "invalid_request")
        method = await client.get("/oauth/v1/token", headers={"X-API-KEY": api_key})
        assert method.status_code == 405 and method.headers["allow"] == "POST"
        assert other.client_id != app.client_id


async def test_tokens_of_the_v2_endpoint_do_not_open_the_re_api_without_the_key(world: World) -> None:
    me = await re_partner(world)
    response = await me.client.get("/advert/v1/meta", headers={"Authorization": f"Bearer {me.token}"})
    assert response.status_code == 401
    assert response.json()["error"] == {
        "status": 401,
        "title": "Unauthorized",
        "detail": "Missing X-API-KEY header",
    }
