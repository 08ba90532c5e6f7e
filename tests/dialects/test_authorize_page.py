"""GET /oauth/authorize/: a real login and consent page that redirects back with code and state."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from support import World


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r"<input type='hidden' name='([^']+)' value='([^']*)'>", html))


async def _login(world: World, query: dict[str, str], email: str, password: str) -> httpx.Response:
    page = await world.http.get("/oauth/authorize/", params=query)
    assert page.status_code == 200
    assert "Log in" in page.text
    form = {**_hidden(page.text), "email": email, "password": password}
    return await world.http.post("/oauth/authorize/", data=form)


async def test_login_consent_and_redirect_with_code_and_state(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    query = {
        "client_id": app.client_id,
        "response_type": "code",
        "state": "x93ld3v",
        "scope": "read write v2",
    }
    consent = await _login(world, query, user.email, user.password)
    assert consent.status_code == 200
    assert "Authorize" in consent.text and user.email in consent.text
    decision = await world.http.post("/oauth/authorize/", data={**_hidden(consent.text), "decision": "allow"})
    assert decision.status_code == 302
    location = urlsplit(decision.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == app.redirect_uri
    params = parse_qs(location.query)
    assert params["state"] == ["x93ld3v"]
    token = await world.token(
        {
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "code": params["code"][0],
        }
    )
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "v2 read write"


async def test_wrong_password_shows_the_form_again(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    response = await _login(world, {"client_id": app.client_id, "response_type": "code"}, user.email, "nope")
    assert response.status_code == 401
    assert "Incorrect e-mail or password" in response.text
    assert "code=" not in response.headers.get("location", "")


async def test_deny_redirects_with_access_denied(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    consent = await _login(
        world, {"client_id": app.client_id, "response_type": "code", "state": "s1"}, user.email, user.password
    )
    decision = await world.http.post("/oauth/authorize/", data={**_hidden(consent.text), "decision": "deny"})
    params = parse_qs(urlsplit(decision.headers["location"]).query)
    assert params["error"] == ["access_denied"] and params["state"] == ["s1"] and "code" not in params


async def test_forged_consent_without_csrf_is_refused(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    consent = await _login(
        world, {"client_id": app.client_id, "response_type": "code"}, user.email, user.password
    )
    form = {**_hidden(consent.text), "decision": "allow", "csrf": "forged"}
    response = await world.http.post("/oauth/authorize/", data=form)
    assert response.status_code == 403
    assert "location" not in response.headers


async def test_unknown_client_and_bad_redirect_are_shown_not_redirected(world: World) -> None:
    unknown = await world.http.get(
        "/oauth/authorize/", params={"client_id": "424242", "response_type": "code"}
    )
    assert unknown.status_code == 400 and "invalid_client" in unknown.text
    app = await world.partner_app()
    bad = await world.http.get(
        "/oauth/authorize/",
        params={
            "client_id": app.client_id,
            "response_type": "code",
            "redirect_uri": "https://evil.example/cb",
        },
    )
    assert bad.status_code == 400 and "redirect_uri_mismatch" in bad.text
    assert "location" not in bad.headers


async def test_redirect_uri_required_when_several_are_registered(world: World) -> None:
    app = await world.partner_app(redirect_uris=["https://a.example/cb", "https://b.example/cb"])
    response = await world.http.get(
        "/oauth/authorize/", params={"client_id": app.client_id, "response_type": "code"}
    )
    assert response.status_code == 400
    assert "A redirect URI must be supplied when multiple redirect URIs are registered" in response.text
    chosen = await world.http.get(
        "/oauth/authorize/",
        params={"client_id": app.client_id, "response_type": "code", "redirect_uri": "https://b.example/cb"},
    )
    assert chosen.status_code == 200


async def test_invalid_scope_and_response_type_go_back_to_the_client(world: World) -> None:
    app = await world.partner_app(scopes=["v2", "read"])
    scoped = await world.http.get(
        "/oauth/authorize/",
        params={"client_id": app.client_id, "response_type": "code", "scope": "v2 read write", "state": "q"},
    )
    assert scoped.status_code == 302
    assert parse_qs(urlsplit(scoped.headers["location"]).query)["error"] == ["invalid_scope"]
    typed = await world.http.get(
        "/oauth/authorize/", params={"client_id": app.client_id, "response_type": "token"}
    )
    assert parse_qs(urlsplit(typed.headers["location"]).query)["error"] == ["unsupported_response_type"]


async def test_html_in_parameters_is_escaped(world: World) -> None:
    app = await world.partner_app()
    response = await world.http.get(
        "/oauth/authorize/",
        params={"client_id": app.client_id, "response_type": "code", "state": "<script>alert(1)</script>"},
    )
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


async def test_login_form_needs_its_csrf_token(world: World, app: Any) -> None:
    """A cross-site form (no login cookie, or a token of another browser) cannot log anyone in."""
    partner, user = await world.partner_app(), await world.user()
    query = {"client_id": partner.client_id, "response_type": "code"}
    page = await world.http.get("/oauth/authorize/", params=query)
    fields = _hidden(page.text)
    assert len(fields["csrf"]) == 64 and "pazar_login" in page.headers["set-cookie"]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl") as attacker:
        for form in (
            {**fields, "email": user.email, "password": user.password},  # no login cookie
            {**query, "step": "login", "email": user.email, "password": user.password},  # no token
        ):
            refused = await attacker.post("/oauth/authorize/", data=form)
            assert refused.status_code == 403 and "The form expired" in refused.text
            assert "pazar_session" not in refused.headers.get("set-cookie", "")
    forged = {**fields, "csrf": "0" * 64, "email": user.email, "password": user.password}
    assert (await world.http.post("/oauth/authorize/", data=forged)).status_code == 403


async def test_consent_page_explains_each_scope(world: World) -> None:
    partner, user = await world.partner_app(), await world.user()
    query = {"client_id": partner.client_id, "response_type": "code", "scope": "v2 read write"}
    consent = await _login(world, query, user.email, user.password)
    assert consent.status_code == 200
    assert "publish, change and remove your adverts" in consent.text
    assert "see your account and your adverts" in consent.text
    assert "<html lang='en'>" in consent.text
    # The site's own look: its name in the header, its colour.
    assert "<header>OLX.pl</header>" in consent.text and "--accent:#002f34" in consent.text
