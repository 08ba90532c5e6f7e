"""Snapshots and reset over HTTP, on the shared test database: each test restores what it found."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from commerce_support import credit, post
from support import CARS, V2, World, seller

SNAPSHOTS = "/_pazar/v1/snapshots"


@pytest.fixture
async def preserved(world: World, admin_headers: dict[str, str]) -> AsyncIterator[None]:
    """The database as the other tests left it, brought back after the test."""
    saved = await world.http.post(SNAPSHOTS, json={"name": "before-state-test"}, headers=admin_headers)
    assert saved.status_code == 201, saved.text
    yield
    restored = await world.http.post(f"{SNAPSHOTS}/before-state-test/restore", headers=admin_headers)
    assert restored.status_code == 200, restored.text
    await world.http.delete(f"{SNAPSHOTS}/before-state-test", headers=admin_headers)


async def test_a_restore_brings_back_the_exact_adverts_and_tokens(
    world: World, admin_headers: dict[str, str], preserved: None
) -> None:
    http = world.http
    me = await seller(world)
    kept = await me.create()
    saved = await http.post(SNAPSHOTS, json={"name": "s1"}, headers=admin_headers)
    assert saved.status_code == 201 and saved.json()["name"] == "s1" and saved.json()["size_bytes"] > 0
    before = (await me.get(f"/adverts/{kept['id']}")).json()

    await http.post("/_pazar/v1/clock/advance", json={"seconds": 5}, headers=admin_headers)
    assert await me.status(kept["id"]) == "active"
    gone = await me.create()
    newcomer = await seller(world)
    assert (await newcomer.get("/adverts")).status_code == 200

    restored = await http.post(f"{SNAPSHOTS}/s1/restore", headers=admin_headers)
    assert restored.status_code == 200, restored.text
    assert restored.json()["rows"]["adverts"] >= 1
    await http.post("/_pazar/v1/clock/reset", headers=admin_headers)
    assert (await me.get(f"/adverts/{kept['id']}")).json() == before  # the same token still works
    assert (await me.get(f"/adverts/{gone['id']}")).status_code == 404
    assert (await newcomer.get("/adverts")).status_code == 401  # its token did not exist yet
    fresh = await me.create()  # ids go on after the restored rows (PostgreSQL sequences included)
    assert fresh["id"] > kept["id"]
    listed = (await http.get(SNAPSHOTS, headers=admin_headers)).json()["snapshots"]
    assert {"before-state-test", "s1"} <= {s["name"] for s in listed}
    assert (await http.delete(f"{SNAPSHOTS}/s1", headers=admin_headers)).json() == {"deleted": "s1"}


async def test_reset_brings_back_the_seeded_marketplace(
    world: World, admin_headers: dict[str, str], preserved: None
) -> None:
    http = world.http
    me = await seller(world)
    await me.create()
    await http.post(
        "/_pazar/v1/faults",
        json={"effect": {"status": 500}, "match": {"path": "/nowhere"}},
        headers=admin_headers,
    )
    await http.post("/_pazar/v1/clock/advance", json={"seconds": 60}, headers=admin_headers)
    one_site = await http.post("/_pazar/v1/reset", json={"site": "olx.pl"}, headers=admin_headers)
    assert one_site.status_code == 422 and "every site" in one_site.json()["error"]["message"]
    assert await me.status((await me.create())["id"]) == "new"  # nothing was reset by the refused call
    response = await http.post("/_pazar/v1/reset", headers=admin_headers)
    assert response.status_code == 200, response.text
    demo = {d["site"]: d for d in response.json()["demo"]}
    assert "olx.pl" in demo and demo["olx.pl"]["app"]["client_id"]
    assert (await me.get("/adverts")).status_code == 401  # users and tokens made since are gone
    app = demo["olx.pl"]["app"]
    token = await world.token(
        {
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        }
    )
    assert token.status_code == 200, token.text
    categories = await http.get(
        "/api/partner/categories", headers={**V2, "Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert categories.status_code == 200 and categories.json()["data"]
    assert (await http.get("/_pazar/v1/faults", headers=admin_headers)).json() == {"faults": []}
    assert (await http.get("/_pazar/v1/clock", headers=admin_headers)).json()["offset_seconds"] == 0
    journal = (await http.get("/_pazar/v1/requests", headers=admin_headers)).json()["requests"]
    # Only what came after the reset: the 401 above, the token, the categories.
    assert [c["path"] for c in journal] == [
        "/api/partner/categories",
        "/api/open/oauth/token",
        "/api/partner/adverts",
    ]


@pytest.mark.parametrize("name", ["", "../etc", "a b", "x" * 101, "<script>", "名前"])
async def test_bad_snapshot_names(world: World, admin_headers: dict[str, str], name: str) -> None:
    response = await world.http.post(SNAPSHOTS, json={"name": name}, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


async def test_restoring_an_unknown_snapshot(world: World, admin_headers: dict[str, str]) -> None:
    for path in (f"{SNAPSHOTS}/nope/restore", f"{SNAPSHOTS}/{'z' * 300}/restore"):
        response = await world.http.post(path, headers=admin_headers)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


async def test_a_restore_brings_back_the_exact_balances(
    world: World, admin_headers: dict[str, str], preserved: None
) -> None:
    me = await seller(world)
    await credit(world, me.user.id, 20000)
    balance = "/users/me/account-balance"
    before = (await me.get(balance)).json()["data"]
    assert before["wallet"] == 200
    saved = await world.http.post(SNAPSHOTS, json={"name": "money"}, headers=admin_headers)
    assert saved.status_code == 201

    bought = await post(
        me, "/users/me/packets", {"payment_method": "account", "category_id": CARS, "size": 5}
    )
    assert bought.status_code == 204, bought.text
    assert (await me.get(balance)).json()["data"]["wallet"] == 115
    assert len((await me.get("/users/me/billing")).json()["data"]) == 2

    restored = await world.http.post(f"{SNAPSHOTS}/money/restore", headers=admin_headers)
    assert restored.status_code == 200, restored.text
    assert (await me.get(balance)).json()["data"] == before  # to the cent, from the restored ledger
    assert [b["name"] for b in (await me.get("/users/me/billing")).json()["data"]] == ["Doładowanie"]
    assert (await me.get("/users/me/packets")).json()["data"] == []
    await world.http.delete(f"{SNAPSHOTS}/money", headers=admin_headers)
