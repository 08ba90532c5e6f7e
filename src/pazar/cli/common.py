"""What every command module shares: the root typer app, option types, and running a use case."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from pazar.config import Settings
from pazar.domain.errors import DomainError
from pazar.services.runtime import Runtime
from pazar.wiring import wire_event_bus

app = typer.Typer(help="pazar: a marketplace server speaking the OLX partner APIs.", no_args_is_help=True)

T = TypeVar("T")

SiteOpt = Annotated[str | None, typer.Option("--site", help="Site id (default: PAZAR_DEFAULT_SITE).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run ``work`` on a runtime built from the environment; a DomainError is one line on stderr."""

    async def go() -> T:
        wire_event_bus()
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


def emit(payload: dict[str, Any], as_json: bool, text: str) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False) if as_json else text)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
