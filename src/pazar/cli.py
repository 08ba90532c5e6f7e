"""The `pazar` command line: serve, worker, migrate, seed, users, apps, auth."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from pazar.config import Settings
from pazar.db.migrate import upgrade
from pazar.domain.errors import DomainError
from pazar.services import accounts, oauth, seed
from pazar.services.runtime import Runtime, Session
from pazar.services.secrets_store import server_secret_key

app = typer.Typer(help="pazar: a marketplace server speaking the OLX partner APIs.", no_args_is_help=True)
users_app = typer.Typer(help="Marketplace users.", no_args_is_help=True)
apps_app = typer.Typer(help="Partner applications (OAuth clients).", no_args_is_help=True)
auth_app = typer.Typer(help="Codes and tokens for scripts and CI, without the browser.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(apps_app, name="apps")
app.add_typer(auth_app, name="auth")

T = TypeVar("T")

SiteOpt = Annotated[str | None, typer.Option("--site", help="Site id (default: PAZAR_DEFAULT_SITE).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    async def go() -> T:
        runtime = Runtime.from_settings(Settings())
        try:
            return await work(runtime)
        finally:
            await runtime.db.dispose()

    try:
        return asyncio.run(go())
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc


def _emit(payload: dict[str, Any], as_json: bool, text: str) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False) if as_json else text)


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
    creds = _run(prepare_database)
    typer.echo(f"pazar serving {settings.database_url} on http://{settings.host}:{settings.port}")
    _print_demo(creds, settings.base_url())
    uvicorn.run(
        "pazar.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        access_log=settings.access_log,
        proxy_headers=True,
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Workers in this process.")] = 1,
    once: Annotated[bool, typer.Option("--once", help="Run the due jobs, then exit.")] = False,
) -> None:
    """Run job workers alone (moderation, expiry, webhook deliveries ...), e.g. on other machines than the API."""
    import logging

    from pazar.services import webhooks
    from pazar.worker import Worker

    logging.basicConfig(level=Settings().log_level.upper(), format="%(asctime)s %(name)s %(message)s")

    async def work(rt: Runtime) -> int:
        await upgrade(rt.db.engine)
        workers = [Worker(rt, poll_interval=rt.settings.worker_poll_interval) for _ in range(concurrency)]
        dispatcher = webhooks.Dispatcher(rt)
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

    ran = _run(work)
    if once:
        typer.echo(f"ran {ran} jobs")


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

    rows = _run(work)
    if json_out:
        typer.echo(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            typer.echo("  ".join(f"{k}={v}" for k, v in row.items() if v is not None))


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest version."""
    _run(lambda rt: upgrade(rt.db.engine))
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

    creds = _run(work)
    if json_out:
        typer.echo(json.dumps([{"site": c.site_id, "users": c.users, "app": c.app} for c in creds]))
    else:
        typer.echo("seeded: " + ", ".join(c.site_id for c in creds))
        _print_demo(creds, Settings().base_url())


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    password: Annotated[str, typer.Option(help="Password (at least 6 characters).")],
    business: Annotated[bool, typer.Option("--business", help="A business account.")] = False,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    phone: Annotated[str, typer.Option(help="Phone number.")] = "",
    site: SiteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a marketplace user."""

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            user = await accounts.create_user(
                session,
                site_id=site or rt.settings.default_site,
                email=email,
                password=password,
                clock=rt.clock,
                name=name,
                phone=phone,
                is_business=business,
            )
            return {"id": user.id, "email": user.email, "site": user.site_id, "is_business": user.is_business}

    made = _run(work)
    _emit(made, json_out, f"user {made['id']} {made['email']} created on {made['site']}")


@apps_app.command("create")
def apps_create(
    name: Annotated[str, typer.Option(help="Application name.")],
    redirect_uri: Annotated[list[str], typer.Option("--redirect-uri", help="Callback URL (repeatable).")],
    scope: Annotated[str, typer.Option(help="Allowed scopes.")] = "v2 read write",
    grant: Annotated[
        list[str] | None, typer.Option("--grant", help="Allowed grant type (repeatable).")
    ] = None,
    allow_external_url: Annotated[bool, typer.Option("--allow-external-url")] = False,
    webhook_url: Annotated[
        str | None, typer.Option("--webhook-url", help="Callback URL for advert notifications (webhooks).")
    ] = None,
    site: SiteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a partner app; prints its client id and secret, API key and notification secret (shown only now)."""

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            new = await accounts.create_app(
                session,
                site_id=site or rt.settings.default_site,
                name=name,
                redirect_uris=redirect_uri,
                clock=rt.clock,
                scopes=scope.split(),
                grant_types=grant or ["authorization_code", "client_credentials", "refresh_token"],
                allow_external_url=allow_external_url,
                webhook_url=webhook_url,
            )
            return {
                "client_id": new.app.client_id,
                "client_secret": new.client_secret,
                "api_key": new.api_key,
                "notification_secret": new.notification_secret,
                "webhook_url": new.app.webhook_url,
                "site": new.app.site_id,
                "redirect_uris": new.app.redirect_uris,
                "scopes": new.app.scopes,
            }

    made = _run(work)
    _emit(
        made,
        json_out,
        f"client_id={made['client_id']}\nclient_secret={made['client_secret']}\n"
        f"api_key={made['api_key']}\nnotification_secret={made['notification_secret']}",
    )


async def _app_and_user(session: Session, client_id: str, user_email: str | None) -> tuple[Any, Any]:
    app_row = await accounts.find_app(session, client_id)
    if app_row is None:
        raise DomainError(f"No app with client id {client_id}")
    if user_email is None:
        return app_row, None
    user = await accounts.find_user_by_email(session, site_id=app_row.site_id, email=user_email)
    if user is None:
        raise DomainError(f"No user {user_email} on {app_row.site_id}")
    return app_row, user


ApiOpt = Annotated[
    str | None,
    typer.Option(
        "--api",
        help="The API the token is for: v2, re or autoupload (scopes and lifetimes). "
        "Default: autoupload for an app holding that scope, else v2.",
    ),
]


def _api_tokens(app_row: Any, api: str | None) -> oauth.ApiTokens:
    name = api or oauth.api_of(app_row)
    if name not in oauth.API_TOKENS:
        raise DomainError(f"Unknown API {name!r}: one of {', '.join(oauth.API_TOKENS)}")
    return oauth.API_TOKENS[name]


@auth_app.command("code")
def auth_code(
    client_id: Annotated[str, typer.Option("--client-id")],
    user: Annotated[str, typer.Option("--user", help="The user's e-mail.")],
    scope: Annotated[str | None, typer.Option(help="Scopes (default: all the app may have).")] = None,
    redirect_uri: Annotated[
        str | None, typer.Option("--redirect-uri", help="Then the token request must repeat it.")
    ] = None,
    api: ApiOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print a fresh authorization code (single use), as the consent page would."""

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            app_row, user_row = await _app_and_user(session, client_id, user)
            if redirect_uri is not None:
                oauth.authorization_redirect(app_row, redirect_uri)
            flavour = _api_tokens(app_row, api)
            code = await oauth.issue_code(
                session,
                app=app_row,
                user=user_row,
                scope=oauth.authorization_scope(app_row, scope, known=flavour.scopes),
                redirect_uri_sent=redirect_uri,
                clock=rt.clock,
                tokens=rt.tokens,
                policy=flavour.policy,
            )
            return {"code": code, "expires_in": int(flavour.policy.code_ttl.total_seconds())}

    made = _run(work)
    _emit(made, json_out, made["code"])


@auth_app.command("token")
def auth_token(
    client_id: Annotated[str, typer.Option("--client-id")],
    user: Annotated[
        str | None, typer.Option("--user", help="The user's e-mail; omit for a client token.")
    ] = None,
    scope: Annotated[str | None, typer.Option(help="Scopes (default: all the app may have).")] = None,
    api: ApiOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print an access/refresh token pair for a user (or, without --user, for the app itself)."""

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            app_row, user_row = await _app_and_user(session, client_id, user)
            flavour = _api_tokens(app_row, api)
            issued = await oauth.grant_directly(
                session,
                app=app_row,
                user=user_row,
                scope=scope,
                clock=rt.clock,
                tokens=rt.tokens,
                policy=flavour.policy,
                known=flavour.scopes,
            )
            return {
                "access_token": issued.access_token,
                "expires_in": issued.expires_in,
                "token_type": "bearer",
                "scope": issued.scope,
                "refresh_token": issued.refresh_token,
            }

    made = _run(work)
    _emit(made, json_out, f"access_token={made['access_token']}\nrefresh_token={made['refresh_token']}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


# --- webhooks -------------------------------------------------------------------------------------

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

    rows = _run(work)
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

    made = _run(work)
    _emit(made, json_out, f"delivery {made['id']} ({made['delivery_id']}) queued again")


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

    made = _run(work)
    _emit(made, json_out, f"{made['replayed']} deliveries queued again")
