"""Per-request context: the runtime, the site the Host header picks, the session."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Depends
from starlette.requests import Request

from pazar.services.runtime import Runtime, Session

SITE_HEADER = "x-pazar-site"


class SiteRouter:
    """Maps request hosts to sites; unknown hosts get the default site."""

    def __init__(self, host_map: dict[str, str], default_site: str) -> None:
        self.host_map = {host.lower(): site for host, site in host_map.items()}
        self.default_site = default_site
        self.known_sites = set(self.host_map.values()) | {default_site}

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
    cached = request.scope.get("pazar.site")
    if isinstance(cached, str):
        return cached
    router: SiteRouter = request.app.state.site_router
    site = router.site_for(request.headers.get("host"), request.headers.get(SITE_HEADER))
    request.scope["pazar.site"] = site
    return site


async def session_dependency(request: Request) -> AsyncIterator[Session]:
    """The request's session: committed when the endpoint returns, rolled back if it raises.

    Used with ``Depends(..., scope="function")`` so the commit happens before the
    response is sent: a failed commit is an error response, never a lost write.
    """
    async with runtime_of(request).db.transaction() as session:
        yield session


# Every endpoint and guard shares this one dependency, so a request has exactly one session.
SessionDep = Depends(session_dependency, scope="function")
