"""A refresh token is redeemed once, even by 20 requests at the same moment; a replay revokes the grant."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from support import World

INVALID_REFRESH = {
    "error": "invalid_grant",
    "error_description": "Invalid refresh token",
    "error_human_title": "Provided authorization credentials are invalid or expired.",
}


async def test_twenty_concurrent_refreshes_have_exactly_one_winner(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    first = await world.user_token(app, user)
    world.clock.advance(timedelta(days=1))  # an earlier day's token: it rotates
    body = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": first["refresh_token"],
    }
    responses = await asyncio.gather(*(world.token(body) for _ in range(20)))
    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1, [r.text for r in responses]
    for loser in (r for r in responses if r.status_code != 200):
        assert loser.status_code == 400 and loser.json() == INVALID_REFRESH
    won: dict[str, Any] = winners[0].json()
    assert (await world.get("/users/me", won["access_token"])).status_code == 200
    world.clock.advance(timedelta(days=1))
    successor = await world.token({**body, "refresh_token": won["refresh_token"]})
    assert successor.status_code == 200, successor.text


async def test_a_replayed_refresh_token_revokes_the_grant(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    first = await world.user_token(app, user)
    world.clock.advance(timedelta(days=1))
    body = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": first["refresh_token"],
    }
    rotated = (await world.token(body)).json()
    world.clock.advance(timedelta(minutes=5))  # beyond the grace for concurrent requests
    replay = await world.token(body)
    assert replay.status_code == 400 and replay.json() == INVALID_REFRESH
    # Both the thief's and the client's tokens are gone: the user authorizes again.
    world.app.runtime.tokens_seen.clear()
    me = await world.get("/users/me", rotated["access_token"])
    assert me.status_code == 401, me.text
    successor = await world.token({**body, "refresh_token": rotated["refresh_token"]})
    assert successor.status_code == 400 and successor.json() == INVALID_REFRESH


async def test_a_retry_within_the_grace_only_fails(world: World) -> None:
    app, user = await world.partner_app(), await world.user()
    first = await world.user_token(app, user)
    world.clock.advance(timedelta(days=1))
    body = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": first["refresh_token"],
    }
    rotated = (await world.token(body)).json()
    world.clock.advance(timedelta(seconds=10))
    retry = await world.token(body)
    assert retry.status_code == 400 and retry.json() == INVALID_REFRESH
    assert (await world.get("/users/me", rotated["access_token"])).status_code == 200
