"""`pazar wallet credit`: money on an account from the command line, and what it refuses."""

from __future__ import annotations

import json

from pazar.config import Settings
from support import World, seller
from test_cli import pazar


async def test_credit_shows_in_the_balance_and_absurd_amounts_are_refused(
    world: World, settings: Settings
) -> None:
    me = await seller(world)
    done = await pazar(settings, "wallet", "credit", "--user", me.user.email, "--amount", "100.00", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "user_id": me.user.id,
        "payment_id": json.loads(done.stdout)["payment_id"],
        "credited": "100.00",
        "sum": "100.00",
        "currency": "PLN",
    }
    bonus = await pazar(settings, "wallet", "credit", "--user", me.user.email, "--amount", "0.5", "--bonus")
    assert bonus.returncode == 0 and bonus.stdout.strip() == "credited 0.50 PLN; balance 100.50 PLN"
    for amount in ("-1", "0", "1.234", "1e5", "nan", "100000000.00", "1,5"):
        refused = await pazar(settings, "wallet", "credit", "--user", me.user.email, f"--amount={amount}")
        assert refused.returncode == 1 and refused.stderr.startswith("error: Invalid amount"), amount
    nobody = await pazar(settings, "wallet", "credit", "--user", "nobody@example.com", "--amount", "1")
    assert nobody.returncode == 1 and nobody.stderr.strip() == "error: No user nobody@example.com on olx.pl"
    body = (await me.get("/users/me/account-balance")).json()
    assert body == {"data": {"sum": 100.5, "wallet": 100, "bonus": 0.5, "refund": 0, "currency": "PLN"}}
