"""Building a dialect's FastAPI app: shared state, no docs pages, the dialect's own error table."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from pazar.dialects.common.context import DIALECT_APIS, SiteRouter, require_own_site
from pazar.dialects.common.responses import FastJSONResponse
from pazar.services.runtime import Runtime


def new_dialect_app(name: str, runtime: Runtime, site_router: SiteRouter) -> FastAPI:
    app = FastAPI(
        title=f"pazar {name}",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        default_response_class=FastJSONResponse,
        dependencies=[Depends(require_own_site)],
    )
    app.state.runtime = runtime
    app.state.site_router = site_router
    app.state.api = DIALECT_APIS.get(name)  # None: pages of every site (console, sandbox)
    return app
