"""``/_pazar/v1/wallet/credits``: put money on a sandbox user's account (what `pazar wallet credit` does)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.sandbox.common import body
from pazar.services.commerce import ledger, wallet
from pazar.services.runtime import Session

router = APIRouter(prefix="/_pazar/v1")


class Credit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str = Field(min_length=1, max_length=254)  # the user's login e-mail
    amount: str = Field(min_length=1, max_length=32)  # major units as a string ("100.00"): never a float
    bonus: bool = False


def _major(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


@router.post("/wallet/credits")
async def credit(request: Request, session: Session = SessionDep) -> Response:
    command = await body(request, Credit)
    runtime = runtime_of(request)
    site = await runtime.reference.get(session, site_id_of(request))
    minor = wallet.parse_amount(command.amount)
    payment = await wallet.credit_by_email(
        session, site, email=command.user, amount=minor, bonus=command.bonus, clock=runtime.clock
    )
    have = await ledger.balance(session, site, user_id=payment.user_id)
    return json_response(
        {
            "user_id": payment.user_id,
            "payment_id": payment.id,
            "credited": _major(minor),
            "balance": {
                "sum": _major(have.sum),
                "wallet": _major(have.wallet),
                "bonus": _major(have.bonus),
                "refund": _major(have.refund),
                "currency": have.currency,
            },
        }
    )
