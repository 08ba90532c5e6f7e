"""``/healthz`` (the process answers) and ``/readyz`` (database reachable, migrations current)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pazar import __version__
from pazar.services import health
from pazar.services.runtime import Runtime

PREFIXES = ("/healthz", "/readyz")
NO_CACHE = {"Cache-Control": "no-store"}


def build(runtime: Runtime) -> Starlette:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__}, headers=NO_CACHE)

    async def readyz(_: Request) -> Response:
        state = await health.readiness(runtime.db)
        body = {
            "status": "ok" if state.ready else "unavailable",
            "database": state.database,
            "migrations": state.migrations,
        }
        return JSONResponse(body, status_code=200 if state.ready else 503, headers=NO_CACHE)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
            Route("/readyz", readyz, methods=["GET", "HEAD"]),
        ]
    )
