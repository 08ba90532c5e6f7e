"""Webhook deliveries: list, replay, trigger."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from pazar.cli.common import JsonOpt, app, emit, run
from pazar.services.runtime import Runtime

webhooks_app = typer.Typer(help="Webhook deliveries (notifications to partner apps).", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")


def _delivery_row(view: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(view).items()}


@webhooks_app.command("list")
def webhooks_list(
    client_id: Annotated[str | None, typer.Option("--app", help="Only this app (client id).")] = None,
    status: Annotated[str | None, typer.Option("--status", help="pending, delivered or failed.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    json_out: JsonOpt = False,
) -> None:
    """List webhook deliveries, newest first."""
    from pazar.services import webhooks

    async def work(rt: Runtime) -> list[dict[str, Any]]:
        async with rt.db.transaction() as session:
            views = await webhooks.list_deliveries(session, client_id=client_id, status=status, limit=limit)
            return [_delivery_row(v) for v in views]

    rows = run(work)
    if json_out:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        typer.echo(
            f"{row['id']:>8} {row['delivery_id']} app={row['client_id']} {row['event_type']} "
            f"object={row['object_id']} {row['status']} attempts={row['attempts']} "
            f"last={row['last_status'] or row['last_error'] or '-'}"
        )


@webhooks_app.command("replay")
def webhooks_replay(
    delivery: Annotated[str, typer.Argument(help="The delivery's number or webhook-id.")],
    json_out: JsonOpt = False,
) -> None:
    """Send one delivery again (same webhook-id, a fresh retry schedule)."""
    from pazar.services import webhooks

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            row = await webhooks.replay(session, delivery=delivery, now=rt.clock.now())
            return {"id": row.id, "delivery_id": row.delivery_id, "status": row.status}

    made = run(work)
    emit(made, json_out, f"delivery {made['id']} ({made['delivery_id']}) queued again")


@webhooks_app.command("replay-failed")
def webhooks_replay_failed(
    since: Annotated[str, typer.Option("--since", help="ISO 8601; deliveries created at or after it.")],
    client_id: Annotated[str | None, typer.Option("--app", help="Only this app (client id).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Send again every delivery that failed for good since a moment."""
    from datetime import UTC, datetime

    from pazar.services import webhooks

    try:
        moment = datetime.fromisoformat(since)
    except ValueError as exc:
        typer.echo(f"error: --since must be an ISO 8601 date or time, not {since!r}", err=True)
        raise typer.Exit(2) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            count = await webhooks.replay_failed(
                session, since=moment, now=rt.clock.now(), client_id=client_id
            )
            return {"replayed": count}

    made = run(work)
    emit(made, json_out, f"{made['replayed']} deliveries queued again")


@webhooks_app.command("trigger")
def webhooks_trigger(
    advert: Annotated[str, typer.Option("--advert", help="A v2 advert id or an RE advert uuid.")],
    event_type: Annotated[
        str, typer.Option("--event", help="e.g. advert_posted_error, advert_state_changed.")
    ],
    json_out: JsonOpt = False,
) -> None:
    """Send a real, signed notification of that type about the advert to its app (sandbox mode only)."""
    from pazar.config import Settings
    from pazar.services.sandbox import triggers

    if not Settings().sandbox:
        typer.echo("error: webhooks trigger is a sandbox command (PAZAR_SANDBOX=false here)", err=True)
        raise typer.Exit(2)

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            row = await triggers.trigger(session, runtime=rt, ref=advert, event_type=event_type)
            return {
                "id": row.id,
                "delivery_id": row.delivery_id,
                "event_type": row.event_type,
                "url": row.url,
            }

    made = run(work)
    emit(
        made, json_out, f"delivery {made['id']} ({made['delivery_id']}) {made['event_type']} -> {made['url']}"
    )
