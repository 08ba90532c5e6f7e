"""The Partner API v2 dialect app: routes, guards, and its error table."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pazar.dialects.common.allow import allow_headers
from pazar.dialects.common.app_factory import new_dialect_app
from pazar.dialects.common.body import BodyError
from pazar.dialects.common.context import SiteRouter
from pazar.dialects.partner_v2 import (
    errors,
    routes_adverts,
    routes_business,
    routes_commerce,
    routes_messaging,
    routes_oauth,
    routes_reference,
    routes_users,
)
from pazar.dialects.partner_v2.hot_routes import HotRoutes
from pazar.dialects.partner_v2.schemas import JSONSyntaxError
from pazar.dialects.partner_v2.security import (
    ContentTypeOnGet,
    NotAcceptable,
    UnsupportedMediaType,
    VersionMissing,
    VersionUnsupported,
    require_version,
)
from pazar.domain.errors import DomainError, FieldError
from pazar.services.adverts.posting import PostQueue
from pazar.services.runtime import Runtime

log = logging.getLogger("pazar.partner_v2")

PREFIXES = ("/api/partner", "/api/open/oauth")


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc[1:]) or str(loc[0])


def build(runtime: Runtime, site_router: SiteRouter) -> HotRoutes:
    app = new_dialect_app("partner_v2", runtime, site_router)
    app.state.post_queue = PostQueue(runtime.db, runtime.clock)
    app.include_router(routes_oauth.router)
    versioned = [Depends(require_version)]
    for module in (routes_reference, routes_users, routes_adverts):
        app.include_router(module.router, dependencies=versioned)
    for module in (routes_messaging, routes_business):  # threads, messages, business accounts, logos
        app.include_router(module.router, dependencies=versioned)
    app.include_router(routes_commerce.router, dependencies=versioned)  # payments, packets, paid features

    @app.exception_handler(DomainError)
    async def on_domain_error(_: Request, exc: DomainError) -> Response:
        return errors.domain_error(exc)

    @app.exception_handler(BodyError)
    async def on_body_error(_: Request, exc: BodyError) -> Response:
        return errors.body_error(exc)

    @app.exception_handler(JSONSyntaxError)
    async def on_unknown_fields(_: Request, __: JSONSyntaxError) -> Response:
        return errors.api_error(400, "Bad Request", errors.JSON_SYNTAX, wrap_in_data=True)

    @app.exception_handler(VersionMissing)
    async def on_missing_version(_: Request, __: VersionMissing) -> Response:
        return errors.missing_version()

    @app.exception_handler(VersionUnsupported)
    async def on_unsupported_version(_: Request, __: VersionUnsupported) -> Response:
        return errors.unsupported_version()

    @app.exception_handler(NotAcceptable)
    async def on_not_acceptable(_: Request, __: NotAcceptable) -> Response:
        return errors.api_error(406, "Not Acceptable", "Only application/json responses can be produced")

    @app.exception_handler(UnsupportedMediaType)
    async def on_unsupported_media(_: Request, __: UnsupportedMediaType) -> Response:
        return errors.api_error(415, "Unsupported Media Type", "Content-Type must be application/json")

    @app.exception_handler(ContentTypeOnGet)
    async def on_content_type_on_get(_: Request, __: ContentTypeOnGet) -> Response:
        return errors.api_error(400, "Bad Request", "Content-Type header is not allowed for this request")

    @app.exception_handler(RequestValidationError)
    async def on_invalid_params(_: Request, exc: RequestValidationError) -> Response:
        problems = exc.errors()
        if any(p.get("loc", ("",))[0] == "path" for p in problems):
            return errors.api_error(404, "Not Found", "Resource not found")
        return errors.validation_error(
            [FieldError(_field_name(tuple(p.get("loc", ()))), "This value is not valid.") for p in problems]
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return errors.unsupported_version()
        if exc.status_code == 405:
            response = errors.api_error(405, "Method Not Allowed", "Method not allowed for this resource")
            response.headers.update(allow_headers(request))
            return response
        return errors.api_error(exc.status_code, "Error", str(exc.detail))

    @app.exception_handler(Exception)
    async def on_crash(_: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return errors.server_error()

    return HotRoutes(app)
