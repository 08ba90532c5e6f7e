"""Per-request context: the runtime, the site the Host header picks, the session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from fastapi import Depends
from starlette.exceptions import HTTPException
from starlette.requests import Request

from pazar.services.runtime import Runtime, Session

SITE_HEADER = "x-pazar-site"
# The API each dialect app speaks (the keys of ``services.oauth.API_TOKENS``); a site speaks one.
DIALECT_APIS = {"partner_v2": "v2", "re_v1": "re", "autoupload": "autoupload"}
DEFAULT_API = "v2"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES = "pazar_writes"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def writes(endpoint: Endpoint) -> Endpoint:
    """Mark a GET endpoint that writes (a view counter): its request gets a write transaction."""
    setattr(endpoint, WRITES, True)
    return endpoint


class SiteRouter:
    """Maps request hosts to sites; unknown hosts get the default site (of the dialect's API).

    ``site_apis`` says which API each site speaks (sites not listed speak v2). A Host or an
    ``X-Pazar-Site`` header that names a site pins the request to it, and a dialect answers
    404 on a site of another API; unmapped hosts (127.0.0.1, localhost) reach every dialect.
    """

    def __init__(
        self, host_map: dict[str, str], default_site: str, site_apis: dict[str, str] | None = None
    ) -> None:
        self.host_map = {host.lower(): site for host, site in host_map.items()}
        self.default_site = default_site
        self.known_sites = set(self.host_map.values()) | {default_site}
        self.site_apis = dict(site_apis or {})

    def api_of_site(self, site_id: str) -> str:
        return self.site_apis.get(site_id, DEFAULT_API)

    def site_for_api(self, host_header: str | None, override: str | None, api: str) -> str | None:
        """The site a request to a dialect of ``api`` serves; None when the request is pinned to a
        site of another API (the dialect then answers 404, so a token never crosses APIs)."""
        if (override and override in self.known_sites) or self.is_mapped(host_header):
            site = self.site_for(host_header, override)
            return site if self.api_of_site(site) == api else None
        if self.api_of_site(self.default_site) == api:
            return self.default_site
        return next((site for site, name in self.site_apis.items() if name == api), self.default_site)

    def is_mapped(self, host_header: str | None) -> bool:
        """Whether the Host names a site (rather than falling back to the default one)."""
        host = (host_header or "").lower().strip()
        host = host.split("]")[0] + "]" if host.startswith("[") else host.split(":")[0]
        return host in self.host_map

    def site_for(self, host_header: str | None, override: str | None = None) -> str:
        if override and override in self.known_sites:
            return override
        host = (host_header or "").lower().strip()
        # Drop the port: "olx.pl:8080" -> "olx.pl", "[::1]:8080" -> "[::1]".
        host = host.split("]")[0] + "]" if host.startswith("[") else host.split(":")[0]
        return self.host_map.get(host, self.default_site)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def site_id_of(request: Request) -> str:
    """The request's site; a 404 (in the dialect's shape) when it is pinned to another API's site.

    The API is the route's (``pazar.api`` in the scope, set by the console's authorize pages)
    or the dialect app's; apps of no single API (console pages, sandbox) serve any site.
    """
    cached = request.scope.get("pazar.site")
    if isinstance(cached, str):
        return cached
    router: SiteRouter = request.app.state.site_router
    host, override = request.headers.get("host"), request.headers.get(SITE_HEADER)
    api = request.scope.get("pazar.api") or getattr(request.app.state, "api", None)
    if api is None:
        site = router.site_for(host, override)
    else:
        found = router.site_for_api(host, override, api)
        if found is None:
            raise HTTPException(404)
        site = found
    request.scope["pazar.site"] = site
    return site


async def require_own_site(request: Request) -> None:
    """Every route of an API dialect: a foreign site's host is a 404 before any other check.

    Paths in the app's ``any_site_paths`` (stored images, advert links on pazar's own base URL)
    are served on every host.
    """
    state = request.app.state
    if getattr(state, "api", None) is not None and not request.url.path.startswith(
        tuple(getattr(state, "any_site_paths", ()))
    ):
        site_id_of(request)


async def session_dependency(request: Request) -> AsyncIterator[Session]:
    """The request's session: committed when the endpoint returns, rolled back if it raises.

    Used with ``Depends(..., scope="function")`` so the commit happens before the
    response is sent: a failed commit is an error response, never a lost write. A GET (or HEAD,
    OPTIONS) reads, unless its endpoint is marked ``@writes``; any other method is a write transaction
    (``Database.transaction``).
    """
    write = request.method not in READ_METHODS or getattr(request.scope.get("endpoint"), WRITES, False)
    async with runtime_of(request).db.transaction(write=write) as session:
        yield session


# Every endpoint and guard shares this one dependency, so a request has exactly one session.
SessionDep = Depends(session_dependency, scope="function")
