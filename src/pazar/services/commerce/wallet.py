"""Putting money on a user's account by e-mail: what the CLI and the sandbox control plane call."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pazar.db.models import Payment, User
from pazar.domain.errors import BadRequest, NotFound
from pazar.ports import Clock
from pazar.services import accounts
from pazar.services.commerce import catalogue, ledger
from pazar.services.reference import SiteSnapshot, load_snapshot
from pazar.services.runtime import Session

_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")  # anchored by fullmatch; no backtracking


def parse_amount(text: str) -> int:
    """``"100.00"`` -> 10000 minor units; anything else (negative, zero, 3 decimals, NaN) is refused."""
    cleaned = text.strip()
    if not _AMOUNT.fullmatch(cleaned):
        raise BadRequest(
            f"Invalid amount {text!r}: give a positive number with at most 2 decimals", code="invalid_amount"
        )
    try:
        minor = int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise BadRequest(f"Invalid amount {text!r}", code="invalid_amount") from exc
    if not 0 < minor <= ledger.MAX_CREDIT:
        raise BadRequest(f"Invalid amount {text!r}: between 0.01 and 10000000.00", code="invalid_amount")
    return minor


async def credit_by_email(
    session: Session, site: SiteSnapshot, *, email: str, amount: int, bonus: bool, clock: Clock
) -> Payment:
    user = await accounts.find_user_by_email(session, site_id=site.site_id, email=email)
    if user is None:
        raise NotFound(f"No user {email} on {site.site_id}")
    return await ledger.credit(
        session,
        site,
        user_id=user.id,
        amount=amount,
        pocket=ledger.BONUS if bonus else ledger.WALLET,
        name="Bonus" if bonus else "Doładowanie konta",
        now=clock.now(),
    )


async def starting_credit(session: Session, *, site_id: str, user: User, clock: Clock) -> None:
    """A new demo user's money: the site's ``commerce.demo_wallet`` for its account type."""
    site = await load_snapshot(session, site_id)
    amount = catalogue.demo_wallet(site, business=user.is_business)
    if amount > 0:
        await ledger.credit(
            session,
            site,
            user_id=user.id,
            amount=amount,
            pocket=ledger.WALLET,
            name="Środki startowe",
            now=clock.now(),
        )
