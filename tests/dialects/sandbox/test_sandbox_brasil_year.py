"""Brasil's vehicle years run up to the current year of the sandbox clock, in São Paulo's time zone:
moving the clock across New Year makes next year's cars valid."""

from __future__ import annotations

from datetime import datetime

from support import World, car_ad, integrator


def _car(regdate: str) -> dict[str, object]:
    ad = car_ad()
    ad["params"] = {**ad["params"], "regdate": regdate}
    return ad


async def test_a_future_registration_year_becomes_valid_when_the_clock_crosses_new_year(
    world: World, admin_headers: dict[str, str]
) -> None:
    http = world.http
    now = datetime.fromisoformat((await http.get("/_pazar/v1/clock", headers=admin_headers)).json()["now"])
    next_year = now.year + 1
    # 01:00 UTC on 1 January is still New Year's Eve in São Paulo (UTC-3).
    eve = datetime(next_year, 1, 1, 1, 0, tzinfo=now.tzinfo)
    moved = await http.post(
        "/_pazar/v1/clock/advance", json={"seconds": (eve - now).total_seconds()}, headers=admin_headers
    )
    assert moved.status_code == 200, moved.text
    me = await integrator(world)  # a token issued at the new time
    refused = (await me.put_import([_car(str(next_year))])).json()
    assert refused["statusCode"] == -4, refused
    assert refused["errors"][0]["messages"] == [{"regdate": "ERROR_REGDATE_INVALID"}]

    moved = await http.post("/_pazar/v1/clock/advance", json={"seconds": 3 * 3600}, headers=admin_headers)
    assert moved.status_code == 200, moved.text
    taken = (await me.put_import([_car(str(next_year))])).json()
    assert taken["statusCode"] == 0, taken
    assert taken["errors"] == []
    # A year further on is still refused: the clock, not the wall clock, sets the bound.
    later = (await me.put_import([_car(str(next_year + 1))])).json()
    assert later["errors"][0]["messages"] == [{"regdate": "ERROR_REGDATE_INVALID"}]
