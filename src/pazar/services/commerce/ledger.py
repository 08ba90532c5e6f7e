"""The ledger: every credit and charge is a row; balances and the billing history are sums of rows.

A charge takes the user's lock (``lock_user``, the same lock advert writes take), reads the
pockets and writes its rows in one transaction, so concurrent purchases queue and an ``account``
payment can never take the balance below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from pazar.db.models import LedgerEntry, Payment, User
from pazar.db.queries import lock_user
from pazar.domain.errors import BadRequest
from pazar.services.commerce import catalogue
from pazar.services.commerce.catalogue import ACCOUNT, PAYMENT_METHODS, POSTPAID
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

WALLET, BONUS, REFUND = "wallet", "bonus", "refund"
# An account charge spends bonus credit first, then refunds, then the wallet (money the user paid in).
SPEND_ORDER = (BONUS, REFUND, WALLET)
CREDIT_POCKETS = (WALLET, BONUS, REFUND)
MAX_CREDIT = 10_000_000_00  # one credit of at most 10 million in major units: anything above is a typo


@dataclass(frozen=True, slots=True)
class Balance:
    wallet: int
    bonus: int
    refund: int
    currency: str

    @property
    def sum(self) -> int:
        return self.wallet + self.bonus + self.refund


async def balance(session: Session, site: SiteSnapshot, *, user_id: int) -> Balance:
    rows = await session.execute(
        select(LedgerEntry.pocket, func.coalesce(func.sum(LedgerEntry.amount), 0))
        .where(LedgerEntry.user_id == user_id, LedgerEntry.pocket.in_(CREDIT_POCKETS))
        .group_by(LedgerEntry.pocket)
    )
    sums = {pocket: int(total) for pocket, total in rows.all()}
    return Balance(sums.get(WALLET, 0), sums.get(BONUS, 0), sums.get(REFUND, 0), catalogue.currency(site))


def payment_methods(site: SiteSnapshot, user: User) -> list[str]:
    methods = [ACCOUNT]
    if user.is_business and catalogue.postpaid_for_business(site):
        methods.append(POSTPAID)
    return methods


def check_method(site: SiteSnapshot, user: User, method: str) -> None:
    if method not in PAYMENT_METHODS:
        raise BadRequest("Invalid payment method", code="invalid_payment_method")
    if method not in payment_methods(site, user):
        raise BadRequest("Payment method 'postpaid' is not activated", code="postpaid_not_activated")


async def _payment(
    session: Session,
    site: SiteSnapshot,
    *,
    user_id: int,
    method: str,
    name: str,
    amount: int,
    advert_id: int | None,
    now: datetime,
    parts: list[tuple[str, int]],
) -> Payment:
    payment = Payment(
        site_id=site.site_id,
        user_id=user_id,
        method=method,
        name=name,
        amount=amount,
        currency=catalogue.currency(site),
        advert_id=advert_id,
        created_at=now,
    )
    session.add(payment)
    await session.flush()
    for pocket, part in parts:
        session.add(
            LedgerEntry(
                payment_id=payment.id,
                user_id=user_id,
                pocket=pocket,
                amount=part,
                currency=payment.currency,
                created_at=now,
            )
        )
    await session.flush()
    return payment


async def charge(
    session: Session,
    site: SiteSnapshot,
    *,
    user: User,
    method: str,
    amount: int,
    name: str,
    advert_id: int | None,
    now: datetime,
) -> Payment:
    """Charge ``amount`` (minor units, > 0) by ``method``; the caller commits."""
    check_method(site, user, method)
    assert amount > 0
    await lock_user(session, user.id)
    if method == POSTPAID:  # billed on the month's invoice: no balance to check
        parts = [(POSTPAID, -amount)]
    else:
        have = await balance(session, site, user_id=user.id)
        if have.sum < amount:
            raise BadRequest("Not enough credits", code="not_enough_credits")
        pockets = {BONUS: have.bonus, REFUND: have.refund, WALLET: have.wallet}
        parts, due = [], amount
        for pocket in SPEND_ORDER:
            take = min(due, max(0, pockets[pocket]))
            if take:
                parts.append((pocket, -take))
                due -= take
    return await _payment(
        session,
        site,
        user_id=user.id,
        method=method,
        name=name,
        amount=-amount,
        advert_id=advert_id,
        now=now,
        parts=parts,
    )


async def credit(
    session: Session, site: SiteSnapshot, *, user_id: int, amount: int, pocket: str, name: str, now: datetime
) -> Payment:
    """Put money on the user's account (a top-up, a bonus, a refund)."""
    if pocket not in CREDIT_POCKETS:
        raise BadRequest("Invalid pocket", code="invalid_pocket")
    if not 0 < amount <= MAX_CREDIT:
        raise BadRequest("Invalid amount", code="invalid_amount")
    await lock_user(session, user_id)
    return await _payment(
        session,
        site,
        user_id=user_id,
        method="credit",
        name=name,
        amount=amount,
        advert_id=None,
        now=now,
        parts=[(pocket, amount)],
    )


async def billing(session: Session, *, user_id: int, page: int, limit: int) -> list[Payment]:
    """The billing history, newest first."""
    rows = await session.scalars(
        select(Payment)
        .where(Payment.user_id == user_id)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .offset((page - 1) * limit)
        .limit(limit)
    )
    return list(rows)


async def prepaid(session: Session, *, user_id: int, page: int, limit: int) -> list[Payment]:
    """Purchases paid from the account: each has its prepaid invoice."""
    rows = await session.scalars(
        select(Payment)
        .where(Payment.user_id == user_id, Payment.method == ACCOUNT)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .offset((page - 1) * limit)
        .limit(limit)
    )
    return list(rows)


@dataclass(frozen=True, slots=True)
class PostpaidInvoice:
    year: int
    month: int
    gross: int
    net: int
    advert_id: int | None


async def postpaid(
    session: Session, site: SiteSnapshot, *, user_id: int, page: int, limit: int
) -> list[PostpaidInvoice]:
    """One invoice per calendar month (UTC) of postpaid charges, newest month first."""
    rows = await session.execute(
        select(Payment.created_at, Payment.amount, Payment.advert_id).where(
            Payment.user_id == user_id, Payment.method == POSTPAID
        )
    )
    months: dict[tuple[int, int], list[tuple[int, int | None]]] = {}
    for at, amount, advert_id in rows.all():
        months.setdefault((at.year, at.month), []).append((-int(amount), advert_id))
    vat = catalogue.vat_percent(site)
    invoices = []
    for (year, month), charges in sorted(months.items(), reverse=True):
        gross = sum(a for a, _ in charges)
        adverts = {advert for _, advert in charges}
        net = (gross * 100 + (100 + vat) // 2) // (100 + vat)  # gross / (1 + VAT), rounded half up
        invoices.append(
            PostpaidInvoice(year, month, gross, net, adverts.pop() if len(adverts) == 1 else None)
        )
    start = (page - 1) * limit
    return invoices[start : start + limit]
