"""Each API answers only on its own sites' hosts, and a token works only on the API it was issued for.

A Host (or ``X-Pazar-Site``) naming a site pins the request to it: another API's routes answer 404 in
their own shape there. Hosts that name no site (127.0.0.1, localhost) reach every API, each on its own
site, so local development needs no Host header.
"""

from __future__ import annotations

import httpx

from support import BR_SCOPES, BR_SITE, V2, AppCreds, World, br_code, br_token, re_app, re_code

INVALID_TOKEN = {"error": "invalid_token", "error_description": "The access token provided is invalid"}
V2_NOT_FOUND = {"error": {"type": "NotFoundException", "message": "Unsupported API version"}}
LOCAL = {"Host": "127.0.0.1:8080"}
BR_NOT_FOUND = {
    "status": "ERROR",
    "error": {"reason": "NOT_FOUND", "message": "Not found", "statusCode": 404},
}
BR_NO_TOKEN = {
    "status": "ERROR",
    "error": {"reason": "ACCESS_TOKEN_NOT_FOUND", "message": "Access token not found", "statusCode": 404},
}
RE_NOT_FOUND = {"status": 404, "title": "Not Found", "detail": "Resource not found"}


def _form(app: AppCreds, code: str) -> dict[str, str]:
    return {
        "code": code,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uri,
        "grant_type": "authorization_code",
    }


async def test_brasil_routes_do_not_answer_on_olx_pl(world: World) -> None:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE)
    code = await br_code(world, app, user)
    # The default Host of the test client is olx.pl.
    token = await world.http.post("/oauth/token", data=_form(app, code))
    assert token.status_code == 404 and token.json() == BR_NOT_FOUND
    page = await world.http.get("/oauth", params={"response_type": "code", "client_id": app.client_id})
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    imported = await world.http.put("/autoupload/import", json={"access_token": "x", "ad_list": []})
    assert imported.status_code == 404 and imported.json() == BR_NOT_FOUND
    # The code was not spent: the same request on a Brasil host still gets its token.
    issued = await world.http.post("/oauth/token", data=_form(app, code), headers={"Host": "auth.olx.com.br"})
    assert issued.status_code == 200 and issued.json()["token_type"] == "Bearer"


async def test_re_routes_do_not_answer_on_olx_pl_and_v2_not_on_other_apis_hosts(world: World) -> None:
    app, api_key, _ = await re_app(world)
    user = await world.user(site="imovirtual.com")
    code = await re_code(world, app, user)
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri}
    headers = {"X-API-KEY": api_key}
    refused = await world.http.post(
        "/oauth/v1/token", json=body, headers=headers, auth=(app.client_id, app.client_secret)
    )
    assert refused.status_code == 404 and refused.json()["error"] == RE_NOT_FOUND
    taxonomy = await world.http.get("/taxonomy/v1/categories", headers=headers)
    assert taxonomy.status_code == 404 and taxonomy.json()["error"] == RE_NOT_FOUND
    for host in ("api.olxgroup.com", "auth.olx.com.br"):
        v2 = await world.http.get("/api/partner/categories", headers={**V2, "Host": host})
        assert v2.status_code == 404 and v2.json() == V2_NOT_FOUND
        v2_token = await world.http.post(
            "/api/open/oauth/token", json={"grant_type": "client_credentials"}, headers={"Host": host}
        )
        assert v2_token.status_code == 404 and v2_token.json() == V2_NOT_FOUND
        page = await world.http.get("/oauth/authorize/", params={"client_id": "x"}, headers={"Host": host})
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    # X-Pazar-Site pins the site as a Host does.
    pinned = await world.http.get("/api/partner/categories", headers={**V2, **LOCAL, "X-Pazar-Site": BR_SITE})
    assert pinned.status_code == 404 and pinned.json() == V2_NOT_FOUND
    # On its own host the code is still good.
    transport = httpx.ASGITransport(app=world.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.olxgroup.com") as client:
        issued = await client.post(
            "/oauth/v1/token", json=body, headers=headers, auth=(app.client_id, app.client_secret)
        )
    assert issued.status_code == 200 and issued.json()["access_token"]


async def test_a_brasil_token_is_unknown_to_partner_api_v2(world: World) -> None:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE)
    token = await br_token(world, app, user)
    bearer = {**V2, "Authorization": f"Bearer {token}"}
    for host in ("olx.pl", "127.0.0.1:8080", "localhost"):
        me = await world.http.get("/api/partner/users/me", headers={**bearer, "Host": host})
        assert me.status_code == 401 and me.json() == INVALID_TOKEN
    on_brasil = await world.http.get("/api/partner/users/me", headers={**bearer, "Host": "apps.olx.com.br"})
    assert on_brasil.status_code == 404 and on_brasil.json() == V2_NOT_FOUND
    # ...and a v2 token is unknown to Autoupload, on any host.
    v2_app = await world.partner_app()
    v2_token = (await world.client_token(v2_app))["access_token"]
    for host in ("127.0.0.1", "apps.olx.com.br"):
        info = await world.http.post(
            "/oauth_api/basic_user_info", json={"access_token": v2_token}, headers={"Host": host}
        )
        assert info.status_code == 404 and info.json() == BR_NO_TOKEN
    # The Brasil token itself works on its own API.
    info = await world.http.post("/oauth_api/basic_user_info", json={"access_token": token}, headers=LOCAL)
    assert info.status_code == 200 and info.json()["user_email"] == user.email


async def test_unmapped_hosts_reach_every_api_on_its_own_site(world: World) -> None:
    # Brasil on 127.0.0.1: the token endpoint and the import work on olx.com.br without a Host.
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE, business=True)
    code = await br_code(world, app, user)
    issued = await world.http.post("/oauth/token", data=_form(app, code), headers=LOCAL)
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    info = await world.http.post("/oauth_api/basic_user_info", json={"access_token": token}, headers=LOCAL)
    assert info.status_code == 200 and info.json()["user_email"] == user.email
    # RE on localhost: imovirtual.com's token endpoint.
    re_creds, api_key, _ = await re_app(world)
    re_user = await world.user(site="imovirtual.com")
    body = {"grant_type": "authorization_code", "code": await re_code(world, re_creds, re_user)}
    body["redirect_uri"] = re_creds.redirect_uri
    re_issued = await world.http.post(
        "/oauth/v1/token",
        json=body,
        headers={"X-API-KEY": api_key, "Host": "localhost"},
        auth=(re_creds.client_id, re_creds.client_secret),
    )
    assert re_issued.status_code == 200 and re_issued.json()["access_token"], re_issued.text
    # v2 on 127.0.0.1 is the default site (olx.pl), as before.
    v2_app = await world.partner_app()
    v2_token = (await world.client_token(v2_app))["access_token"]
    categories = await world.http.get(
        "/api/partner/categories", headers={**V2, **LOCAL, "Authorization": f"Bearer {v2_token}"}
    )
    assert categories.status_code == 200 and categories.json()["data"]
