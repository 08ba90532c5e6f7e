"""The sandbox dialect: the control plane's app, and how the composition root mounts it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pazar.dialects.common.app_factory import new_dialect_app
from pazar.dialects.common.context import SiteRouter
from pazar.dialects.sandbox import (
    edge,
    routes_buyers,
    routes_clock,
    routes_faults,
    routes_journal,
    routes_moderation,
    routes_state,
    routes_wallet,
    routes_webhooks,
)
from pazar.dialects.sandbox.common import ControlError, error_response, require_admin
from pazar.domain.errors import DomainError, InvalidState, NotFound
from pazar.services.runtime import Runtime
from pazar.services.sandbox import journal
from pazar.services.sandbox.faults import FaultBook
from pazar.services.sandbox.timetravel import Drain

log = logging.getLogger("pazar.sandbox")

PREFIXES = ("/_pazar/v1",)
Routes = list[tuple[Sequence[str], Any]]


# The API dialects the edge wraps (journal, faults), by their app's name.
API_DIALECTS = ("partner_v2", "re_v1", "autoupload")


def build(runtime: Runtime, site_router: SiteRouter, *, drain: Drain, faults: FaultBook) -> FastAPI:
    app = new_dialect_app("sandbox", runtime, site_router)
    app.state.drain = drain
    app.state.faults = faults
    guarded = [Depends(require_admin)]
    routers = (
        routes_clock,
        routes_moderation,
        routes_buyers,
        routes_journal,
        routes_faults,
        routes_state,
        routes_webhooks,
        routes_wallet,
    )
    for module in routers:
        app.include_router(module.router, dependencies=guarded)
    app.include_router(routes_webhooks.trigger_router, dependencies=guarded)

    @app.exception_handler(ControlError)
    async def on_control_error(_: Request, exc: ControlError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @app.exception_handler(DomainError)
    async def on_domain_error(_: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotFound):
            return error_response(404, "not_found", exc.message)
        status = 409 if isinstance(exc, InvalidState) else 400
        return error_response(status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, exc: RequestValidationError) -> Response:
        return error_response(422, "invalid", "The request is not valid")

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def on_crash(_: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal", "Something went wrong on our side")

    return app


def mount(runtime: Runtime, site_router: SiteRouter, routes: Routes, *, drain: Drain) -> Routes:
    """The composition root's routes plus the control plane, in sandbox mode; unchanged otherwise."""
    if not runtime.settings.sandbox:
        return routes
    faults = FaultBook(runtime.db)
    journal_writer = journal.JournalWriter(runtime.db)
    runtime.on_shutdown.append(journal_writer.close)
    wrapped: Routes = []
    for prefixes, dialect_app in routes:
        name = str(getattr(dialect_app, "title", "")).removeprefix("pazar ")
        if name in API_DIALECTS:
            dialect_app = edge.wrap(
                dialect_app,
                dialect=name,
                runtime=runtime,
                site_router=site_router,
                faults=faults,
                journal_writer=journal_writer,
            )
        wrapped.append((prefixes, dialect_app))
    control = build(runtime, site_router, drain=drain, faults=faults)
    control.state.journal = journal_writer
    return [*wrapped, (PREFIXES, control)]
