"""Messages as a buyer, from the command line (tests, demos, the sandbox's scripts)."""

from __future__ import annotations

from typing import Annotated

import typer

from pazar.cli.common import JsonOpt, app, emit, run
from pazar.services.runtime import Runtime

messages_app = typer.Typer(help="Buyers' messages to advert owners.", no_args_is_help=True)
app.add_typer(messages_app, name="messages")


@messages_app.command("send")
def messages_send(
    advert: Annotated[int, typer.Option("--advert", help="The advert (must be active).")],
    sender: Annotated[str, typer.Option("--from", help="The buyer's e-mail: a user's, or a guest's.")],
    text: Annotated[str, typer.Option("--text", help="The message.")],
    name: Annotated[
        str | None, typer.Option("--name", help="A guest's name (default: from the e-mail).")
    ] = None,
    attach: Annotated[
        list[str] | None, typer.Option("--attach", help="An image URL to attach (repeatable).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Write to an advert's owner as a buyer: the thread appears in the owner's GET /threads."""
    from pazar.domain.errors import BadRequest, ValidationFailed
    from pazar.services import media, messaging

    async def work(rt: Runtime) -> dict[str, int]:
        try:
            return await send(rt)
        except ValidationFailed as exc:  # one readable line: which field, what is wrong
            raise BadRequest("; ".join(f"{e.field}: {e.title}" for e in exc.errors)) from exc

    async def send(rt: Runtime) -> dict[str, int]:
        urls = messaging.check_attachment_urls(attach or [])
        fetched = await media.fetch_all(rt, urls)  # before the transaction: no lock while downloading
        async with rt.db.transaction() as session:
            message = await messaging.send_from_email(
                session,
                runtime=rt,
                advert_id=advert,
                email=sender,
                name=name,
                text=text,
                urls=urls,
                fetched=fetched,
            )
            return {"thread_id": message.thread_id, "message_id": message.id}

    out = run(work)
    emit(out, json_out, f"message {out['message_id']} in thread {out['thread_id']}")
