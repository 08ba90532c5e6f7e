"""Building a dialect's FastAPI app: shared state, no docs pages, the dialect's own error table."""

from __future__ import annotations

from fastapi import FastAPI

from pazar.dialects.common.context import SiteRouter
from pazar.dialects.common.responses import FastJSONResponse
from pazar.services.runtime import Runtime


def new_dialect_app(name: str, runtime: Runtime, site_router: SiteRouter) -> FastAPI:
    app = FastAPI(
        title=f"pazar {name}",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        default_response_class=FastJSONResponse,
    )
    app.state.runtime = runtime
    app.state.site_router = site_router
    return app
