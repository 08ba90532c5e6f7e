"""The RE Partner API dialect app: routes, guards, and its error table."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pazar.dialects.common.allow import allow_headers
from pazar.dialects.common.app_factory import new_dialect_app
from pazar.dialects.common.body import BodyError
from pazar.dialects.common.context import SiteRouter
from pazar.dialects.re_v1 import errors, routes_adverts, routes_oauth, routes_taxonomy
from pazar.domain.errors import DomainError, FieldError, ValidationFailed
from pazar.services.runtime import Runtime

log = logging.getLogger("pazar.re_v1")

PREFIXES = ("/advert/v1", "/oauth/v1", "/taxonomy/v1")
TOKEN_PATH = "/oauth/v1"


def _is_token_call(request: Request) -> bool:
    return request.url.path.startswith(TOKEN_PATH)


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc[1:]) or str(loc[0])


def build(runtime: Runtime, site_router: SiteRouter) -> FastAPI:
    app = new_dialect_app("re_v1", runtime, site_router)
    app.include_router(routes_oauth.router)
    app.include_router(routes_adverts.router)
    app.include_router(routes_taxonomy.router)

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> Response:
        return errors.oauth_error(exc) if _is_token_call(request) else errors.domain_error(exc)

    @app.exception_handler(BodyError)
    async def on_body_error(_: Request, exc: BodyError) -> Response:
        return errors.body_error(exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_params(_: Request, exc: RequestValidationError) -> Response:
        problems = exc.errors()
        if any(p.get("loc", ("",))[0] == "path" for p in problems):
            return errors.api_error(404, "Not Found", "Resource not found")
        return errors.validation_error(
            ValidationFailed(
                FieldError(_field_name(tuple(p.get("loc", ()))), "Invalid value") for p in problems
            )
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return errors.api_error(404, "Not Found", "Resource not found")
        if exc.status_code == 405:
            response = errors.api_error(405, "Method Not Allowed", "Method not allowed for this resource")
            response.headers.update(allow_headers(request))
            return response
        return errors.api_error(exc.status_code, "Error", str(exc.detail))

    @app.exception_handler(Exception)
    async def on_crash(_: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return errors.server_error()

    return app
