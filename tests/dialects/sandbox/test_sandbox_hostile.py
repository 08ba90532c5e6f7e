"""NUL characters, huge numbers and markup in every kind of control input: the error envelope, never a 500."""

from __future__ import annotations

import base64

import pytest

from support import V2, World


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/_pazar/v1/adverts/%00/moderation", {"decision": "accept"}),
        ("POST", "/_pazar/v1/adverts/ab%00cd/activity", {"views": 1}),
        ("POST", "/_pazar/v1/snapshots/a%00b/restore", None),
        ("DELETE", "/_pazar/v1/snapshots/a%00b", None),
        ("POST", "/_pazar/v1/webhooks/deliveries/x%00/replay", None),
        ("DELETE", "/_pazar/v1/faults/1%00", None),
    ],
)
async def test_nul_in_a_path(
    world: World, admin_headers: dict[str, str], method: str, path: str, body: object
) -> None:
    response = await world.http.request(method, path, json=body, headers=admin_headers)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "content"),
    [
        ("PUT", "/_pazar/v1/moderation", b'{"mode": "manual", "site": "olx\\u0000.pl"}'),
        ("POST", "/_pazar/v1/faults", b'{"match": {"path": "/api\\u0000"}, "effect": {"status": 500}}'),
        ("POST", "/_pazar/v1/snapshots", b'{"name": "a\\u0000"}'),
        ("POST", "/_pazar/v1/adverts/1/moderation", b'{"decision": "reject", "reason": "\\u0000"}'),
    ],
)
async def test_nul_in_a_body(
    world: World, admin_headers: dict[str, str], method: str, path: str, content: bytes
) -> None:
    response = await world.http.request(method, path, content=content, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == {"code": "invalid", "message": "NUL characters are not allowed"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/_pazar/v1/requests", {"client_id": "a\x00"}),
        ("/_pazar/v1/requests", {"method": "G\x00"}),
        ("/_pazar/v1/requests", {"since": "2026\x00"}),
        ("/_pazar/v1/webhooks/deliveries", {"client_id": "a\x00"}),
    ],
)
async def test_nul_in_a_query(
    world: World, admin_headers: dict[str, str], path: str, params: dict[str, str]
) -> None:
    response = await world.http.get(path, params=params, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid"


async def test_hostile_credentials_are_journaled_safely(world: World, admin_headers: dict[str, str]) -> None:
    await world.http.delete("/_pazar/v1/requests", headers=admin_headers)
    basic = base64.b64encode(b"<script>\x00client:secret").decode()
    await world.http.post(
        "/api/open/oauth/token",
        json={"grant_type": "client_credentials", "client_id": "x\x00' OR 1=1 --"},
        headers={"Authorization": f"Basic {basic}"},
    )
    await world.http.get("/api/partner/adverts/%00", headers=V2)
    calls = (await world.http.get("/_pazar/v1/requests", headers=admin_headers)).json()["requests"]
    assert [c["path"] for c in calls] == ["/api/partner/adverts/\\u0000", "/api/open/oauth/token"]
    assert calls[1]["client_id"] == "<script>client"
    assert "secret" not in str(calls[1])
