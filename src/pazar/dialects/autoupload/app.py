"""The Autoupload dialect app: routes, and the error rendering of its one table (``errors``)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pazar.dialects.autoupload import errors, routes_catalog, routes_import, routes_media, routes_oauth
from pazar.dialects.autoupload.security import TokenRejected
from pazar.dialects.autoupload.wire import ShapeError
from pazar.dialects.common.allow import allow_headers
from pazar.dialects.common.app_factory import new_dialect_app
from pazar.dialects.common.body import BodyError
from pazar.dialects.common.context import SiteRouter
from pazar.domain.errors import DomainError, NotFound
from pazar.services.runtime import Runtime

log = logging.getLogger("pazar.autoupload")

# Path prefixes this dialect answers; "/oauth" alone (the authorize page) is the console's.
PREFIXES = ("/autoupload", "/oauth/token", "/oauth_api", "/images", "/vi")
IMPORT_PATH = "/autoupload/import"


def build(runtime: Runtime, site_router: SiteRouter) -> FastAPI:
    app = new_dialect_app("autoupload", runtime, site_router)
    app.state.any_site_paths = ("/images/", "/vi/")  # links on pazar's base URL, any Host
    for module in (routes_import, routes_catalog, routes_oauth, routes_media):
        app.include_router(module.router)

    @app.exception_handler(TokenRejected)
    async def on_token(_: Request, exc: TokenRejected) -> Response:
        return errors.without_permission() if exc.missing_scope else errors.token_not_found()

    @app.exception_handler(BodyError)
    async def on_body(_: Request, exc: BodyError) -> Response:
        return errors.body_error(exc)

    @app.exception_handler(ShapeError)
    async def on_shape(_: Request, exc: ShapeError) -> Response:
        return errors.shape_error(exc.property, exc.message)

    @app.exception_handler(DomainError)
    async def on_domain_error(_: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotFound):
            return errors.not_found(exc.message)
        return errors.api_error(400, "BAD_REQUEST", exc.message)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_params(_: Request, __: RequestValidationError) -> Response:
        return errors.not_found()

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            response = errors.method_not_allowed()
            response.headers.update(allow_headers(request))
            return response
        if exc.status_code == 404:
            return errors.not_found()
        return errors.api_error(exc.status_code, "ERROR", str(exc.detail))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        if request.url.path == IMPORT_PATH:
            return errors.unexpected()  # -1 "Unexpected error"
        return errors.server_error()

    return app
