"""The console dialect: HTML pages (authorization flows, the home page)."""

from __future__ import annotations

import logging
from dataclasses import replace

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pazar.dialects.common.app_factory import new_dialect_app
from pazar.dialects.common.context import SiteRouter
from pazar.dialects.console import adverts, html, messages
from pazar.dialects.console.authorize import FlowSpec, build_router
from pazar.domain.brasil import AUTOUPLOAD_SCOPES
from pazar.domain.errors import DomainError, NotFound
from pazar.domain.realestate import RE_SCOPES
from pazar.services.realestate import migration
from pazar.services.runtime import Runtime

log = logging.getLogger("pazar.console")

# Path prefixes this dialect answers (the composition root dispatches on them).
PREFIXES = ("/oauth/authorize", "/pt/crm/authorization")

V2_FLOW = FlowSpec(path="/oauth/authorize/")
# The RE Partner API's page (imovirtual); `import=1` claims the user's legacy adverts (seed 000).
RE_FLOW = FlowSpec(
    path="/pt/crm/authorization/",
    known_scopes=RE_SCOPES,
    extra_params=(migration.IMPORT_PARAM,),
    after_consent=migration.after_consent,
    api="re",
)


def build(runtime: Runtime, site_router: SiteRouter) -> FastAPI:
    app = new_dialect_app("console", runtime, site_router)
    app.include_router(build_router(V2_FLOW))
    app.include_router(build_router(FlowSpec(path="/oauth/authorize")))
    app.include_router(build_router(RE_FLOW))
    app.include_router(build_router(replace(RE_FLOW, path="/pt/crm/authorization")))
    app.include_router(
        build_router(FlowSpec(path="/oauth", known_scopes=AUTOUPLOAD_SCOPES, api="autoupload"))
    )
    app.include_router(adverts.router)
    app.include_router(messages.router)  # the buyer's messages, /media images

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return html.page(
            "pazar",
            "<h1>pazar</h1><p>A self-hostable marketplace server speaking the OLX partner APIs.</p>"
            "<ul><li>Partner API v2: <code>/api/partner/*</code></li>"
            "<li>Token endpoint: <code>POST /api/open/oauth/token</code></li>"
            "<li>Authorization page: <code>/oauth/authorize/</code></li></ul>",
        )

    @app.exception_handler(DomainError)
    async def on_domain_error(_: Request, exc: DomainError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 400
        return html.error_page("Not found" if status == 404 else "Error", exc.message, status)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_params(_: Request, exc: RequestValidationError) -> Response:
        # Only path ids are typed here: one no row can have is a page that does not exist.
        return html.error_page("Not found", "This page does not exist.", 404)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return html.error_page(
            "Not found" if exc.status_code == 404 else "Error", str(exc.detail), exc.status_code
        )

    @app.exception_handler(Exception)
    async def on_crash(_: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return html.error_page("Server error", "Something went wrong on our side.", 500)

    return app
