"""Running pazar: serve, worker, migrate, seed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from typing import Annotated

import typer

from pazar import __version__, logs
from pazar.cli.common import JsonOpt, app, run
from pazar.config import Settings
from pazar.db.migrate import upgrade
from pazar.services import seed
from pazar.services.runtime import Runtime
from pazar.services.sandbox import admin as sandbox_admin
from pazar.services.secrets_store import server_secret_key


async def prepare_database(runtime: Runtime) -> list[seed.DemoCredentials]:
    """Migrate, resolve the server key, and load any shipped site the database lacks."""
    await upgrade(runtime.db.engine)
    async with runtime.db.transaction() as session:
        runtime.secret_key = await server_secret_key(session, runtime.settings.secret_key)
        if not runtime.settings.seed_on_start:
            return []
        return await seed.seed(
            session,
            secret_key=runtime.secret_key,
            password=runtime.settings.demo_password,
            clock=runtime.clock,
            only_missing=True,
        )


def _print_demo(creds: list[seed.DemoCredentials], base_url: str) -> None:
    for site in creds:
        typer.echo(f"\n  site {site.site_id}")
        if site.app:
            typer.echo(
                f"    partner app  client_id={site.app['client_id']}  client_secret={site.app['client_secret']}"
            )
            typer.echo(f"                 redirect_uri={site.app['redirect_uris'][0]}")
            if site.app.get("api_key"):
                typer.echo(
                    f"                 api_key={site.app['api_key']}"
                    f"  notification_secret={site.app['notification_secret']}"
                )
        for user in site.users:
            kind = "business" if user["is_business"] else "private"
            typer.echo(f"    {kind:8} user {user['email']}  password={user['password']}")
    typer.echo(f"\n  API base: {base_url}/api/partner   token: POST {base_url}/api/open/oauth/token\n")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (PAZAR_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (PAZAR_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="API processes (PAZAR_WORKERS).")] = None,
) -> None:
    """Migrate, seed an empty database with demo data, print the credentials, and serve."""
    import uvicorn

    if host is not None:
        os.environ["PAZAR_HOST"] = host
    if port is not None:
        os.environ["PAZAR_PORT"] = str(port)
    settings = Settings()
    logs.configure(settings.log_level, settings.log_format)
    creds = run(prepare_database, migrates=True)
    path = settings.sqlite_path()
    where = f"{settings.database_url} ({path.resolve()})" if path is not None else settings.database_url
    typer.echo(f"pazar {__version__} serving {where} on http://{settings.host}:{settings.port}")
    typer.echo(f"  documentation http://{settings.host}:{settings.port}/_pazar/docs")
    _print_demo(creds, settings.base_url())
    if settings.sandbox:
        typer.echo(
            f"  sandbox control: {settings.base_url()}/_pazar/v1   admin key: {run(sandbox_admin.resolve)}\n"
        )
    uvicorn.run(
        "pazar.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        log_config=None,  # pazar.logs set up the handlers (text or JSON, with request ids)
        access_log=False,  # pazar writes its own access lines, with the request id
        proxy_headers=True,
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Workers in this process.")] = 1,
    once: Annotated[bool, typer.Option("--once", help="Run the due jobs, then exit.")] = False,
) -> None:
    """Run job workers alone (moderation, expiry, webhook deliveries ...), e.g. on other machines than the API."""

    from pazar.services import webhook_delivery
    from pazar.worker import Worker

    logs.configure(Settings().log_level, Settings().log_format)

    async def work(rt: Runtime) -> int:
        await upgrade(rt.db.engine)
        workers = [Worker(rt, poll_interval=rt.settings.worker_poll_interval) for _ in range(concurrency)]
        dispatcher = webhook_delivery.Dispatcher(rt)
        if once:
            ran = sum([await w.run_until_idle() for w in workers])
            await dispatcher.run_until_idle()
            await dispatcher.aclose()
            return ran

        def stop_all() -> None:
            for w in workers:
                w.stop()
            dispatcher.stop()

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop_all)
        await asyncio.gather(*(w.run_forever() for w in workers), dispatcher.run_forever())
        return 0

    ran = run(work, migrates=True)
    if once:
        typer.echo(f"ran {ran} jobs")


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest version."""
    run(lambda rt: upgrade(rt.db.engine), migrates=True)
    typer.echo("database is up to date")


@app.command("seed")
def seed_command(json_out: JsonOpt = False) -> None:
    """Load (or refresh) every shipped site and the demo accounts."""

    async def work(rt: Runtime) -> list[seed.DemoCredentials]:
        await upgrade(rt.db.engine)
        async with rt.db.transaction() as session:
            rt.secret_key = await server_secret_key(session, rt.settings.secret_key)
            return await seed.seed(
                session, secret_key=rt.secret_key, password=rt.settings.demo_password, clock=rt.clock
            )

    creds = run(work, migrates=True)
    if json_out:
        typer.echo(json.dumps([{"site": c.site_id, "users": c.users, "app": c.app} for c in creds]))
    else:
        typer.echo("seeded: " + ", ".join(c.site_id for c in creds))
        _print_demo(creds, Settings().base_url())
