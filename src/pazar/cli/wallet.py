"""`pazar wallet credit`: put money on a user's account (sandbox and demo set-ups)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pazar.cli.common import JsonOpt, SiteOpt, app, emit, run
from pazar.services.commerce import ledger, wallet
from pazar.services.runtime import Runtime

wallet_app = typer.Typer(help="Users' account money (the ledger).", no_args_is_help=True)
app.add_typer(wallet_app, name="wallet")


def _major(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


@wallet_app.command("credit")
def wallet_credit(
    user: Annotated[str, typer.Option("--user", help="The user's login e-mail.")],
    amount: Annotated[str, typer.Option("--amount", help="Major units with up to 2 decimals, e.g. 100.00.")],
    bonus: Annotated[
        bool, typer.Option("--bonus", help="Credit the bonus pocket instead of the wallet.")
    ] = False,
    site: SiteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Credit a user's wallet (or bonus) and print the new balance."""

    async def work(rt: Runtime) -> dict[str, Any]:
        minor = wallet.parse_amount(amount)  # inside run(): a refusal is one line on stderr
        async with rt.db.transaction() as session:
            snapshot = await rt.reference.get(session, site or rt.settings.default_site)
            payment = await wallet.credit_by_email(
                session, snapshot, email=user, amount=minor, bonus=bonus, clock=rt.clock
            )
            have = await ledger.balance(session, snapshot, user_id=payment.user_id)
            return {
                "user_id": payment.user_id,
                "payment_id": payment.id,
                "credited": _major(minor),
                "sum": _major(have.sum),
                "currency": have.currency,
            }

    done = run(work)
    emit(
        done,
        json_out,
        f"credited {done['credited']} {done['currency']}; balance {done['sum']} {done['currency']}",
    )
