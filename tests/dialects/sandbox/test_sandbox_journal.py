"""The request journal over HTTP: every API call, secrets redacted, filters, retention of bodies."""

from __future__ import annotations

import pytest

from support import V2, World, seller

JOURNAL = "/_pazar/v1/requests"


@pytest.fixture(autouse=True)
async def _empty_journal(world: World, admin_headers: dict[str, str]) -> None:
    assert (await world.http.delete(JOURNAL, headers=admin_headers)).status_code == 200


async def test_calls_are_journaled_with_secrets_redacted(world: World, admin_headers: dict[str, str]) -> None:
    app = await world.partner_app()
    user = await world.user()
    code = await world.code(app, user)
    token_call = await world.token(
        {
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "code": code,
        }
    )
    tokens = token_call.json()
    me_call = await world.http.get(
        "/api/partner/users/me", headers={**V2, "Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me_call.status_code == 200
    calls = (await world.http.get(JOURNAL, headers=admin_headers)).json()["requests"]
    assert [c["path"] for c in calls] == ["/api/partner/users/me", "/api/open/oauth/token"]
    me, token = calls
    assert me["method"] == "GET" and me["status"] == 200 and me["dialect"] == "partner_v2"
    assert me["site"] == "olx.pl" and me["client_id"] == app.client_id and me["user_id"] == user.id
    assert me["latency_ms"] >= 0 and me["at"] == world.clock.now().isoformat()
    assert str(user.id) in me["response_body"]
    assert token["client_id"] == app.client_id and token["user_id"] is None
    everything = str(calls)
    for secret in (app.client_secret, code, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in everything
    assert '"client_secret":"[redacted]"' in token["request_body"]
    assert '"access_token":"[redacted]"' in token["response_body"]
    assert '"refresh_token":"[redacted]"' in token["response_body"]


async def test_filters_and_limit(world: World, admin_headers: dict[str, str]) -> None:
    me = await seller(world)
    await me.create()
    await world.http.get(
        "/api/partner/adverts/999999999", headers={**V2, "Authorization": f"Bearer {me.token}"}
    )
    await world.http.get("/api/partner/categories?token=abc&q=x", headers=V2)
    http = world.http
    posted = (
        await http.get(
            JOURNAL, params={"method": "post", "path": "/api/partner/adverts"}, headers=admin_headers
        )
    ).json()
    assert [(c["method"], c["path"]) for c in posted["requests"]] == [("POST", "/api/partner/adverts")]
    missing = (await http.get(JOURNAL, params={"status": 404}, headers=admin_headers)).json()["requests"]
    assert [c["path"] for c in missing] == ["/api/partner/adverts/999999999"]
    unauthorized = (await http.get(JOURNAL, params={"status": 401}, headers=admin_headers)).json()["requests"]
    assert unauthorized[0]["query"] == "token=%5Bredacted%5D&q=x"
    mine = (await http.get(JOURNAL, params={"client_id": me.app.client_id}, headers=admin_headers)).json()
    assert {c["client_id"] for c in mine["requests"]} == {me.app.client_id}
    one = (await http.get(JOURNAL, params={"limit": 1}, headers=admin_headers)).json()["requests"]
    assert len(one) == 1 and one[0]["path"] == "/api/partner/categories"
    later = (await http.get(JOURNAL, params={"since": "2099-01-01T00:00:00Z"}, headers=admin_headers)).json()
    assert later == {"requests": []}
    assert (await http.get(JOURNAL, params={"path": "%' OR 1=1 --"}, headers=admin_headers)).json() == {
        "requests": []
    }


@pytest.mark.parametrize(
    "params", [{"since": "yesterday"}, {"limit": 0}, {"limit": 10**20}, {"status": 99}, {"method": "G" * 50}]
)
async def test_bad_filters(world: World, admin_headers: dict[str, str], params: dict[str, object]) -> None:
    response = await world.http.get(JOURNAL, params=params, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


async def test_large_and_hostile_bodies_are_truncated_and_kept_readable(
    world: World, admin_headers: dict[str, str]
) -> None:
    me = await seller(world)
    big = {
        "password": "hunter2",
        "nested": {"api_key": "k", "deep": [{"secret": "s"}]},
        "title": "x" * 50_000,
    }
    await me.post(big)
    await world.http.post(
        "/api/partner/adverts",
        content=b"\xff\xfe\x00 bad",
        headers={**V2, "Authorization": f"Bearer {me.token}", "Content-Type": "application/json"},
    )
    calls = (await world.http.get(JOURNAL, headers=admin_headers)).json()["requests"]
    bad, large = calls[0], calls[1]
    assert len(large["request_body"]) < 9000 and large["request_body"].endswith("more]")
    assert "hunter2" not in large["request_body"]
    assert (
        '"password":"[redacted]"' in large["request_body"]
        and '"api_key":"[redacted]"' in large["request_body"]
    )
    assert bad["status"] == 400 and "\x00" not in bad["request_body"]
