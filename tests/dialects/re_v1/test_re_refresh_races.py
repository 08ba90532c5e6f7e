"""RE /oauth/v1/token: a refresh token has one winner under 20 concurrent redemptions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from support import World, re_partner, re_token


async def test_twenty_concurrent_refreshes_have_exactly_one_winner(world: World) -> None:
    me = await re_partner(world)
    refresh = {"grant_type": "refresh_token", "refresh_token": me.refresh_token}
    responses = await asyncio.gather(*(re_token(me.client, me.app, me.api_key, refresh) for _ in range(20)))
    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1, [r.text for r in responses]
    for loser in (r for r in responses if r.status_code != 200):
        assert loser.status_code == 400 and loser.json()["error"] == "invalid_grant"
    successor = await re_token(
        me.client,
        me.app,
        me.api_key,
        {"grant_type": "refresh_token", "refresh_token": winners[0].json()["refresh_token"]},
    )
    assert successor.status_code == 200, successor.text


async def test_a_replay_after_the_grace_revokes_the_successor(world: World) -> None:
    me = await re_partner(world)
    refresh = {"grant_type": "refresh_token", "refresh_token": me.refresh_token}
    renewed = (await re_token(me.client, me.app, me.api_key, refresh)).json()
    world.clock.advance(timedelta(minutes=1))
    replay = await re_token(me.client, me.app, me.api_key, refresh)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    successor = await re_token(
        me.client,
        me.app,
        me.api_key,
        {"grant_type": "refresh_token", "refresh_token": renewed["refresh_token"]},
    )
    assert successor.status_code == 400 and successor.json()["error"] == "invalid_grant"
