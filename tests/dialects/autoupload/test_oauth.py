"""Brazil OAuth: the authorize page at /oauth, POST /oauth/token, POST /oauth_api/basic_user_info."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from support import BR_SCOPES, BR_SITE, World, br_code, br_token, hidden_fields, integrator

AUTH = {"Host": "auth.olx.com.br"}
APPS = {"Host": "apps.olx.com.br"}


async def _browser_flow(world: World, query: dict[str, str], email: str, password: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=world.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://auth.olx.com.br") as browser:
        page = await browser.get("/oauth", params=query)
        assert page.status_code == 200 and "Log in" in page.text, page.text
        consent = await browser.post(
            "/oauth", data={**hidden_fields(page.text), "email": email, "password": password}
        )
        assert consent.status_code == 200 and "Authorize" in consent.text, consent.text
        return await browser.post("/oauth", data={**hidden_fields(consent.text), "decision": "allow"})


async def test_the_whole_flow_through_the_authorize_page(world: World) -> None:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE, name="Revenda Paulista")
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "scope": "autoupload basic_user_info",
        "state": "s1",
    }
    decision = await _browser_flow(world, query, user.email, user.password)
    assert decision.status_code == 302
    params = parse_qs(urlsplit(decision.headers["location"]).query)
    assert params["state"] == ["s1"]
    form = {
        "code": params["code"][0],
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uri,
        "grant_type": "authorization_code",
    }
    response = await world.http.post("/oauth/token", data=form, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type"} and body["token_type"] == "Bearer"
    assert len(body["access_token"]) == 40
    assert response.headers["cache-control"] == "no-store" and response.headers["pragma"] == "no-cache"
    info = await world.http.post(
        "/oauth_api/basic_user_info", json={"access_token": body["access_token"]}, headers=APPS
    )
    assert info.status_code == 200
    assert info.json() == {"user_name": "Revenda Paulista", "user_email": user.email}


async def test_an_unknown_scope_is_sent_back_to_the_client(world: World) -> None:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    page = await world.http.get(
        "/oauth",
        params={"response_type": "code", "client_id": app.client_id, "scope": "v2 write"},
        headers=AUTH,
    )
    assert page.status_code == 302
    assert parse_qs(urlsplit(page.headers["location"]).query)["error"] == ["invalid_scope"]


async def test_a_json_body_labelled_as_a_form_is_read_as_json(world: World) -> None:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE)
    body = {
        "code": await br_code(world, app, user),
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "grant_type": "authorization_code",
    }
    response = await world.http.post(
        "/oauth/token",
        content=json.dumps(body),
        headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    info = await world.http.post(
        "/oauth_api/basic_user_info",
        content=json.dumps({"access_token": token}),
        headers={**APPS, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert info.status_code == 200 and info.json()["user_email"] == user.email


async def test_token_errors_are_400_with_the_code_only(world: World) -> None:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE)
    code = await br_code(world, app, user)
    base = {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "grant_type": "authorization_code",
    }
    cases = [
        ({**base, "code": "nope"}, "invalid_grant"),
        ({**base, "code": code, "client_secret": "wrong"}, "invalid_client"),
        ({**base, "code": code, "grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"client_id": app.client_id, "code": code}, "invalid_request"),
        ({**base}, "invalid_request"),
    ]
    for form, error in cases:
        response = await world.http.post("/oauth/token", data=form, headers=AUTH)
        assert response.status_code == 400, form
        assert response.json() == {"error": error}, form
        assert response.headers["cache-control"] == "no-store"
    used = await world.http.post("/oauth/token", data={**base, "code": code}, headers=AUTH)
    assert used.status_code == 200
    again = await world.http.post("/oauth/token", data={**base, "code": code}, headers=AUTH)
    assert again.json() == {"error": "invalid_grant"}  # single use
    expired_code = await br_code(world, app, user)
    world.clock.advance(timedelta(minutes=11))
    expired = await world.http.post("/oauth/token", data={**base, "code": expired_code}, headers=AUTH)
    assert expired.json() == {"error": "invalid_grant"}
    get = await world.http.get("/oauth/token", headers=AUTH)
    assert get.status_code == 400 and get.json() == {"error": "invalid_request"}


async def test_a_redirect_uri_that_does_not_match_the_authorize_one_is_an_invalid_grant(world: World) -> None:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE)
    runtime = world.app.runtime
    from pazar.domain.brasil import AUTOUPLOAD_SCOPES
    from pazar.services import accounts, oauth

    async with runtime.db.transaction() as session:
        app_row = await accounts.find_app(session, app.client_id)
        user_row = await accounts.get_user(session, site_id=BR_SITE, user_id=user.id)
        assert app_row is not None
        code = await oauth.issue_code(
            session,
            app=app_row,
            user=user_row,
            scope=oauth.authorization_scope(app_row, None, known=AUTOUPLOAD_SCOPES),
            redirect_uri_sent=app.redirect_uri,
            clock=runtime.clock,
            tokens=runtime.tokens,
        )
    form = {
        "code": code,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "grant_type": "authorization_code",
        "redirect_uri": "https://elsewhere.example.com/cb",
    }
    response = await world.http.post("/oauth/token", data=form, headers=AUTH)
    assert response.json() == {"error": "invalid_grant"}


async def test_tokens_last_for_years(world: World) -> None:
    me = await integrator(world)
    world.clock.advance(timedelta(days=3000))
    info = await me.post("/oauth_api/basic_user_info")
    assert info.status_code == 200


async def test_basic_user_info_needs_its_scope_and_a_valid_token(world: World) -> None:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE)
    only_import = await br_token(world, app, user, scope="autoupload")
    response = await world.http.post(
        "/oauth_api/basic_user_info", json={"access_token": only_import}, headers=APPS
    )
    assert response.status_code == 403
    assert response.json()["error"]["reason"] == "WITHOUT_PERMISSION"
    unknown = await world.http.post(
        "/oauth_api/basic_user_info", json={"access_token": "f" * 40}, headers=APPS
    )
    assert unknown.status_code == 404
    assert unknown.json() == {
        "status": "ERROR",
        "error": {"reason": "ACCESS_TOKEN_NOT_FOUND", "message": "Access token not found", "statusCode": 404},
    }


async def test_a_token_of_another_site_is_unknown_here(world: World) -> None:
    from support import seller

    polish = await seller(world)
    response = await world.http.post(
        "/oauth_api/basic_user_info", json={"access_token": polish.token}, headers=APPS
    )
    assert response.status_code == 404
