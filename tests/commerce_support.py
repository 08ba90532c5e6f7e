"""Helpers for the commerce tests: money on an account, a car advert, a second app process."""

from __future__ import annotations

from typing import Any

import httpx

from pazar.services.commerce import ledger
from support import CARS, Seller, World, phone_advert


async def credit(world: World, user_id: int, amount: int, *, pocket: str = "wallet") -> None:
    """Put ``amount`` minor units on the user's account through the ledger service."""
    async with world.app.runtime.db.transaction() as session:
        site = await world.app.runtime.reference.get(session, "olx.pl")
        await ledger.credit(
            session,
            site,
            user_id=user_id,
            amount=amount,
            pocket=pocket,
            name="Doładowanie",
            now=world.clock.now(),
        )


def car_advert(**overrides: Any) -> dict[str, Any]:
    """Cars (root Motoryzacja, id 5) allow one free advert per user."""
    return phone_advert(
        title="Audi A4 B8 2.0 TDI kombi, bezwypadkowy",
        category_id=CARS,
        attributes=[
            {"code": "brand", "value": "audi"},
            {"code": "year", "value": 2012},
            {"code": "petrol", "value": "diesel"},
        ],
        **overrides,
    )


async def post(me: Seller, path: str, body: Any, client: httpx.AsyncClient | None = None) -> httpx.Response:
    headers = {"Version": "2.0", "Authorization": f"Bearer {me.token}"}
    return await (client or me.world.http).post(f"/api/partner{path}", json=body, headers=headers)
