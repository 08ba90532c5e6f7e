"""A moderator's decisions from the command line."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from pazar.cli.common import JsonOpt, app, run
from pazar.services.runtime import Runtime


@app.command()
def moderate(
    advert_id: Annotated[
        int | None, typer.Argument(help="The advert to decide on; omit to list the queue.")
    ] = None,
    accept: Annotated[bool, typer.Option("--accept", help="Publish it (active).")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Send it back to the owner (moderated).")] = False,
    block: Annotated[bool, typer.Option("--block", help="Block it (blocked).")] = False,
    remove: Annotated[bool, typer.Option("--remove", help="Remove it (removed_by_moderator).")] = False,
    reason: Annotated[str | None, typer.Option(help="Reason code, e.g. scam, illegal, rules.")] = None,
    description: Annotated[str | None, typer.Option(help="Text shown to the owner.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """A moderator's decision on an advert, or (without an id) the adverts waiting for one."""
    from pazar.domain.commands import ModerationDecision
    from pazar.domain.lifecycle import Action
    from pazar.services import moderation

    chosen = [
        a
        for flag, a in (
            (accept, Action.ACCEPT),
            (reject, Action.REJECT),
            (block, Action.BLOCK),
            (remove, Action.REMOVE),
        )
        if flag
    ]
    if advert_id is not None and len(chosen) != 1:
        typer.echo("error: give exactly one of --accept, --reject, --block, --remove", err=True)
        raise typer.Exit(2)

    async def work(rt: Runtime) -> list[dict[str, Any]]:
        async with rt.db.transaction() as session:
            if advert_id is None:
                queue = await moderation.review_queue(session)
                return [
                    {
                        "id": a.id,
                        "site": a.site_id,
                        "title": a.title,
                        "status": a.status,
                        "note": a.moderation_description,
                    }
                    for a in queue
                ]
            advert = await moderation.moderator_decision(
                session,
                decision=ModerationDecision(advert_id, chosen[0], reason, description, "cli"),
                site_for=rt.reference.get,
                clock=rt.clock,
            )
            return [{"id": advert.id, "status": advert.status, "reason": advert.moderation_reason}]

    rows = run(work)
    if json_out:
        typer.echo(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            typer.echo("  ".join(f"{k}={v}" for k, v in row.items() if v is not None))
