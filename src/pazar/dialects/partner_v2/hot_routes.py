"""The hot routes of Partner API v2, served without FastAPI's routing and dependency solving.

``GET /api/partner/adverts/{id}`` and ``POST /api/partner/adverts`` are most of an integrator's
traffic. Here they are matched by a dictionary look-up and call the very functions the FastAPI
routes call (the guards of ``security``, the use cases of ``services.adverts``, the renderer of
``routes_adverts``); errors go through the dialect app's own exception handlers, so their shapes
stay in one table. What is skipped is the framework's work per request: route matching by regular
expression, dependency solving, and the thread hop of its sync helpers (bench/README.md has the
figures). Anything unusual (HEAD, a path id that is not a plain number in range, an unexpected
media type) falls through to the FastAPI app, which answers it as before.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from pazar.dialects.common.context import require_own_site, runtime_of
from pazar.dialects.common.ids import MAX_ID
from pazar.dialects.partner_v2 import routes_adverts
from pazar.dialects.partner_v2.security import READ_USER, WRITE_USER, require_version

Handler = Callable[[Request], Awaitable[Response]]
ADVERTS = "/api/partner/adverts"
_ADVERT_PREFIX = ADVERTS + "/"


def _advert_id(path: str) -> int | None:
    """The id of ``/api/partner/adverts/{id}`` when it is a plain number a row could have."""
    if not path.startswith(_ADVERT_PREFIX):
        return None
    tail = path[len(_ADVERT_PREFIX) :]
    if not (tail.isascii() and tail.isdigit()) or len(tail) > 10 or tail[0] == "0":
        return None
    number = int(tail)
    return number if number <= MAX_ID else None


async def _guards(request: Request) -> None:
    """What the app and router dependencies check before any route, in their order."""
    await require_own_site(request)
    await require_version(request)


async def _get_advert(request: Request) -> Response:
    await _guards(request)
    advert_id: int = request.scope["path_params"]["advert_id"]
    # A read: the session is closed without a commit (nothing was written).
    async with runtime_of(request).db.sessions() as session:
        principal = await READ_USER(request, session)
        return await routes_adverts.read_advert(request, session, principal, advert_id)


async def _post_advert(request: Request) -> Response:
    await _guards(request)
    # This session only reads (token, site) and is closed before the post waits for its batch: the
    # advert is written by the post queue's transaction.
    async with runtime_of(request).db.sessions() as session:
        principal = await WRITE_USER(request, session)
        site = await routes_adverts.site_of(request, session)
    return await routes_adverts.post_advert(request, principal, site)


class HotRoutes:
    """An ASGI app: the hot routes here, everything else to the dialect's FastAPI app."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.title = app.title  # the sandbox wraps dialect apps by title

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._match(scope) if scope["type"] == "http" else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        scope["app"] = self.app  # what the guards read the runtime and site router from
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except Exception as exc:
            response = await self._error(request, exc)
        await response(scope, receive, send)

    def _match(self, scope: Scope) -> Handler | None:
        method, path = scope["method"], scope["path"]
        if method == "POST" and path == ADVERTS:
            return _post_advert
        if method == "GET":
            advert_id = _advert_id(path)
            if advert_id is not None:
                scope["path_params"] = {"advert_id": advert_id}
                return _get_advert
        return None

    async def _error(self, request: Request, exc: Exception) -> Response:
        """The dialect app's own handler for this exception (the most specific one registered)."""
        handlers = self.app.exception_handlers
        for kind in type(exc).__mro__:
            handler = handlers.get(kind)
            if handler is not None:
                response = handler(request, exc)
                if inspect.isawaitable(response):
                    response = await response
                assert isinstance(response, Response)
                return response
        raise exc
