"""``POST /_pazar/v1/wallet/credits``: the control plane tops up a user's account."""

from __future__ import annotations

from support import World, seller


async def test_a_credit_reaches_the_partner_api_balance(world: World, admin_headers: dict[str, str]) -> None:
    me = await seller(world)
    path = "/_pazar/v1/wallet/credits"
    done = await world.http.post(
        path, json={"user": me.user.email, "amount": "250.75"}, headers=admin_headers
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body == {
        "user_id": me.user.id,
        "payment_id": body["payment_id"],
        "credited": "250.75",
        "balance": {
            "sum": "250.75",
            "wallet": "250.75",
            "bonus": "0.00",
            "refund": "0.00",
            "currency": "PLN",
        },
    }
    bonus = await world.http.post(
        path, json={"user": me.user.email, "amount": "10", "bonus": True}, headers=admin_headers
    )
    assert bonus.json()["balance"]["sum"] == "260.75"
    seen = (await me.get("/users/me/account-balance")).json()
    assert seen == {"data": {"sum": 260.75, "wallet": 250.75, "bonus": 10, "refund": 0, "currency": "PLN"}}


async def test_bad_credits_are_refused(world: World, admin_headers: dict[str, str]) -> None:
    me = await seller(world)
    path = "/_pazar/v1/wallet/credits"
    assert (await world.http.post(path, json={"user": me.user.email, "amount": "1"})).status_code == 401
    for amount in ("-5", "0", "1.001", "1e9", "NaN", "99999999999"):
        refused = await world.http.post(
            path, json={"user": me.user.email, "amount": amount}, headers=admin_headers
        )
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_amount", amount
    numeric = await world.http.post(path, json={"user": me.user.email, "amount": 5.5}, headers=admin_headers)
    assert numeric.status_code == 422
    nul = await world.http.post(path, json={"user": "a\u0000@x.pl", "amount": "1"}, headers=admin_headers)
    assert nul.status_code == 422
    nobody = await world.http.post(
        path, json={"user": "nobody@example.com", "amount": "1"}, headers=admin_headers
    )
    assert nobody.status_code == 404
    nested = await world.http.post(path, content=b"[" * 50000, headers=admin_headers)
    assert nested.status_code == 400
    assert (await me.get("/users/me/account-balance")).json()["data"]["sum"] == 0
