"""The sandbox clock over HTTP: advance runs what falls due, freeze, reset, and its guard."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from pazar.app import create_app
from pazar.config import Settings
from support import V2, World, seller

DAY = 86_400


async def test_the_clock_starts_at_the_process_time(world: World, admin_headers: dict[str, str]) -> None:
    response = await world.http.get("/_pazar/v1/clock", headers=admin_headers)
    assert response.status_code == 200
    body = response.json()
    assert body == {"now": world.clock.now().isoformat(), "offset_seconds": 0.0, "frozen": False}


async def test_advancing_31_days_outdates_an_active_advert_and_expires_tokens(
    world: World, admin_headers: dict[str, str]
) -> None:
    me = await seller(world)
    advert = await me.create()
    assert advert["status"] == "new"
    old_token = me.token
    response = await world.http.post(
        "/_pazar/v1/clock/advance", json={"seconds": 31 * DAY}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["offset_seconds"] == 31 * DAY
    assert body["jobs_run"] >= 2  # the moderation at +0 s, then the expiry at +30 days
    assert datetime.fromisoformat(body["now"]) == world.clock.now() + timedelta(days=31)
    # The access token (valid a day) expired with the same clock.
    expired = await world.http.get(
        "/api/partner/adverts", headers={**V2, "Authorization": f"Bearer {old_token}"}
    )
    assert expired.status_code == 401
    await me.renew()
    data = (await me.get(f"/adverts/{advert['id']}")).json()["data"]
    assert data["status"] == "outdated"
    # valid_to was set by the moderation at the advert's own time, 30 days before the end.
    assert data["valid_to"][:10] == (world.clock.now() + timedelta(days=30)).date().isoformat()


async def test_an_authorization_code_expires_by_the_sandbox_clock(
    world: World, admin_headers: dict[str, str]
) -> None:
    app = await world.partner_app()
    user = await world.user()
    code = await world.code(app, user)
    await world.http.post("/_pazar/v1/clock/advance", json={"seconds": 3600}, headers=admin_headers)
    response = await world.token(
        {
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "code": code,
        }
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_freeze_holds_time_and_advance_moves_the_frozen_clock(
    world: World, admin_headers: dict[str, str]
) -> None:
    http = world.http
    frozen = await http.post(
        "/_pazar/v1/clock/freeze", json={"at": "2030-01-01T00:00:00Z"}, headers=admin_headers
    )
    assert frozen.status_code == 200
    assert frozen.json()["now"] == "2030-01-01T00:00:00+00:00"
    assert frozen.json()["frozen"] is True
    world.clock.advance(timedelta(hours=5))  # real time passing does not move a frozen clock
    moved = await http.post("/_pazar/v1/clock/advance", json={"seconds": 90}, headers=admin_headers)
    assert moved.json()["now"] == "2030-01-01T00:01:30+00:00"
    shown = await http.get("/_pazar/v1/clock", headers=admin_headers)
    assert shown.json()["now"] == "2030-01-01T00:01:30+00:00"
    reset = await http.post("/_pazar/v1/clock/reset", headers=admin_headers)
    assert reset.json() == {"now": world.clock.now().isoformat(), "offset_seconds": 0.0, "frozen": False}


async def test_freeze_without_a_moment_stops_the_clock_where_it_is(
    world: World, admin_headers: dict[str, str]
) -> None:
    before = world.clock.now()
    frozen = await world.http.post("/_pazar/v1/clock/freeze", headers=admin_headers)
    assert frozen.json() == {"now": before.isoformat(), "offset_seconds": 0.0, "frozen": True}
    world.clock.advance(timedelta(minutes=1))
    assert (await world.http.get("/_pazar/v1/clock", headers=admin_headers)).json()[
        "now"
    ] == before.isoformat()


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b'{"seconds": -5}', 422, "invalid"),
        (b'{"seconds": 0}', 422, "invalid"),
        (b'{"seconds": 18446744073709551616}', 422, "invalid"),
        (b'{"seconds": "soon"}', 422, "invalid"),
        (b'{"seconds": 5, "extra": 1}', 422, "invalid"),
        (b"[1, 2]", 400, "not_object"),
        (b'{"seconds": 5', 400, "malformed"),
        (b'{"seconds": "\xff"}', 400, "not_utf8"),
        (b"[" * 100_000 + b"]" * 100_000, 413, "too_large"),
        (b"[" * 5000 + b"]" * 5000, 400, "malformed"),
    ],
)
async def test_hostile_bodies_get_the_error_envelope(
    world: World, admin_headers: dict[str, str], content: bytes, status: int, code: str
) -> None:
    response = await world.http.post("/_pazar/v1/clock/advance", content=content, headers=admin_headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert (await world.http.get("/_pazar/v1/clock", headers=admin_headers)).json()["offset_seconds"] == 0


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", "Basic abc", "Bearer ", "Bearer zażółć".encode(), "Bearer ' OR 1=1 --"],
)
async def test_every_control_call_needs_the_admin_key(
    world: World, authorization: str | bytes | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in (
        ("GET", "/_pazar/v1/clock"),
        ("POST", "/_pazar/v1/clock/advance"),
        ("PUT", "/_pazar/v1/moderation"),
        ("POST", "/_pazar/v1/adverts/1/moderation"),
    ):
        response = await world.http.request(method, path, headers=headers, json={"seconds": 1})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_operator_mode_has_no_control_plane(settings: Settings, admin_headers: dict[str, str]) -> None:
    operator = create_app(settings.model_copy(update={"sandbox": False}))
    await operator.startup()
    try:
        transport = httpx.ASGITransport(app=operator)
        async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl") as http:
            for method, path in (
                ("GET", "/_pazar/v1/clock"),
                ("POST", "/_pazar/v1/clock/advance"),
                ("PUT", "/_pazar/v1/moderation"),
                ("GET", "/_pazar/v1/requests"),
            ):
                response = await http.request(method, path, headers=admin_headers, json={"seconds": 1})
                assert response.status_code == 404, path
        assert not hasattr(operator.runtime.clock, "state")  # the real clock, not the sandbox's
    finally:
        await operator.shutdown()
