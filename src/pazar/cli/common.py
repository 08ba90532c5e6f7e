"""What every command module shares: the root typer app, option types, and running a use case."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.exc import DBAPIError

from pazar import __version__
from pazar.config import Settings
from pazar.domain.errors import DomainError
from pazar.services.runtime import Runtime
from pazar.wiring import wire_runtime

app = typer.Typer(help="pazar: a marketplace server speaking the OLX partner APIs.", no_args_is_help=True)

T = TypeVar("T")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"pazar {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """pazar: a marketplace server speaking the OLX partner APIs."""


SiteOpt = Annotated[str | None, typer.Option("--site", help="Site id (default: PAZAR_DEFAULT_SITE).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def run(work: Callable[[Runtime], Awaitable[T]], *, migrates: bool = False) -> T:
    """Run ``work`` on a runtime built from the environment; a DomainError is one line on stderr.

    Commands that do not migrate (``migrates=False``) never create a SQLite file: a missing or
    unmigrated database is one line naming the database and the fix, not a traceback.
    """
    settings = Settings()
    path = settings.sqlite_path()
    if migrates and path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if not migrates and path is not None and not path.exists():
        typer.echo(
            f"error: no pazar database at {path.resolve()} (PAZAR_DATABASE_URL={settings.database_url}); "
            "run `pazar migrate` or `pazar serve` there first, or set PAZAR_DATABASE_URL",
            err=True,
        )
        raise typer.Exit(1)

    async def go() -> T:
        runtime = Runtime.from_settings(settings)
        wire_runtime(runtime)
        try:
            return await work(runtime)
        finally:
            await runtime.db.dispose()

    try:
        return asyncio.run(go())
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
        typer.echo(
            f"error: the database {settings.database_url} is not usable ({reason}); "
            "run `pazar migrate` to create or update its schema",
            err=True,
        )
        raise typer.Exit(1) from exc


def emit(payload: dict[str, Any], as_json: bool, text: str) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False) if as_json else text)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
