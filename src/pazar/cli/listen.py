"""``pazar webhooks listen``: a local receiver that registers itself as an app's callback URL.

Like ``stripe listen``: it points the app's notifications at itself, prints each delivery with the
verdict of both signatures, answers 200 to a valid one and 403 to a forged one, and on exit puts
the app's previous callback URL back.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pazar.cli.common import run
from pazar.cli.webhooks import webhooks_app
from pazar.services import accounts, webhook_receiver
from pazar.services.runtime import Runtime

DEMO_RE_APP = "200001"  # the shipped imovirtual.com demo app


def receiver_app(secret: str, path: str, *, verbose: bool) -> Starlette:
    async def receive(request: Request) -> Response:
        body = await request.body()
        verdict = webhook_receiver.verify(secret, request.headers, body)
        typer.echo(f"{request.headers.get('webhook-id', '-')} {verdict.summary()}")
        if verbose and verdict.payload is not None:
            typer.echo(json.dumps(verdict.payload, ensure_ascii=False, indent=2))
        if not verdict.valid:
            return JSONResponse({"status": "invalid signature"}, 403)
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route(path, receive, methods=["POST"])])


@webhooks_app.command("listen")
def webhooks_listen(
    client_id: Annotated[
        str, typer.Option("--app", help="The app (client id) whose notifications to receive.")
    ] = DEMO_RE_APP,
    port: Annotated[int, typer.Option(help="Port to listen on (127.0.0.1).")] = 8765,
    path: Annotated[str, typer.Option(help="Path of the callback URL.")] = "/webhooks",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print each notification's JSON.")] = False,
) -> None:
    """Receive an app's notifications here: sets its callback URL, prints and verifies each delivery."""
    import uvicorn

    url = f"http://127.0.0.1:{port}{path}"

    async def register(rt: Runtime) -> tuple[str, str | None]:
        async with rt.db.transaction() as session:
            app = await accounts.find_app(session, client_id)
            previous = app.webhook_url if app is not None else None
            app = await accounts.set_webhook_url(session, client_id=client_id, webhook_url=url)
            return app.notification_secret or "", previous

    secret, previous = run(register)
    if not secret:
        typer.echo(f"error: app {client_id} has no notification secret", err=True)
        raise typer.Exit(1)
    typer.echo(f"listening on {url} for app {client_id} (was: {previous or 'no callback URL'}); Ctrl-C stops")
    try:
        uvicorn.run(
            receiver_app(secret, path, verbose=verbose), host="127.0.0.1", port=port, log_level="warning"
        )
    finally:

        async def restore(rt: Runtime) -> None:
            async with rt.db.transaction() as session:
                await accounts.set_webhook_url(session, client_id=client_id, webhook_url=previous)

        run(restore)
        typer.echo(f"app {client_id} callback URL restored to {previous or 'none'}")
