"""The composition root: one runtime, the dialect apps, and the path dispatch between them."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from pazar import logs
from pazar.config import Settings
from pazar.dialects.apidocs import app as apidocs
from pazar.dialects.autoupload import app as autoupload
from pazar.dialects.common.context import SiteRouter
from pazar.dialects.common.paths import merge_slashes
from pazar.dialects.console import app as console
from pazar.dialects.health import app as health
from pazar.dialects.partner_v2 import app as partner_v2
from pazar.dialects.re_v1 import app as re_v1
from pazar.dialects.sandbox import app as sandbox
from pazar.ports import Clock
from pazar.services import seed, webhook_delivery
from pazar.services.runtime import Runtime
from pazar.services.sandbox import clock as sandbox_clock
from pazar.services.secrets_store import server_secret_key
from pazar.wiring import wire_runtime
from pazar.worker import Worker, run_due

log = logging.getLogger("pazar")


def build_site_router(settings: Settings) -> SiteRouter:
    """Hosts the shipped sites declare, overridden by ``PAZAR_HOST_MAP``."""
    host_map: dict[str, str] = {}
    for site_id, hosts in seed.shipped_site_hosts().items():
        for host in hosts:
            host_map[host] = site_id
    host_map.update(settings.host_map)
    return SiteRouter(host_map, settings.default_site, seed.shipped_site_apis())


def _owns(prefix: str, path: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


class Pazar:
    """An ASGI app that hands each request to the dialect owning its path prefix.

    Dialects are whole FastAPI apps (each with its own error envelope); they see
    the full path, so their routes read exactly like the wire paths they serve.
    """

    def __init__(
        self, runtime: Runtime, routes: Sequence[tuple[Sequence[str], ASGIApp]], fallback: ASGIApp
    ) -> None:
        self.runtime = runtime
        self.routes = [(prefix, app) for prefixes, app in routes for prefix in prefixes]
        self.routes.sort(key=lambda item: len(item[0]), reverse=True)
        self.fallback = fallback
        self._started = False
        self._worker: Worker | None = None
        self._worker_task: asyncio.Task[None] | None = None
        self._dispatcher: webhook_delivery.Dispatcher | None = None
        self._dispatcher_task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        if self._started:
            return
        async with self.runtime.db.transaction() as session:
            self.runtime.secret_key = await server_secret_key(session, self.runtime.settings.secret_key)
        self._started = True
        if self.runtime.settings.embedded_worker:
            self._worker = Worker(self.runtime, poll_interval=self.runtime.settings.worker_poll_interval)
            self._worker_task = asyncio.create_task(self._worker.run_forever())
            self._dispatcher = webhook_delivery.Dispatcher(self.runtime)
            self._dispatcher_task = asyncio.create_task(self._dispatcher.run_forever())

    async def shutdown(self) -> None:
        if self._worker is not None and self._worker_task is not None:
            self._worker.stop()
            await self._worker_task
        if self._dispatcher is not None and self._dispatcher_task is not None:
            self._dispatcher.stop()
            await self._dispatcher_task
        for finish in self.runtime.on_shutdown:
            await finish()
        await self.runtime.db.dispose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        # The probes answer before (and without) start-up, so /readyz can report a database that is down.
        if not self._started and not scope.get("path", "").startswith(health.PREFIXES):
            await self.startup()
        scope = merge_slashes(scope)
        if scope["type"] == "http":
            await logs.traced(scope, receive, send, self._route, log=self.runtime.settings.access_log)
            return
        await self._route(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if not path.startswith(health.PREFIXES):  # the probes answer whatever state the database is in
            await sandbox_clock.refresh(self.runtime.clock, self.runtime.db)
        for prefix, app in self.routes:
            if _owns(prefix, path):
                await app(scope, receive, send)
                return
        await self.fallback(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                gc.freeze()  # start-up's objects live as long as the server: the collector skips them
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, runtime: Runtime | None = None
) -> Pazar:
    settings = settings or Settings()
    if not logging.getLogger().handlers:  # a server process of its own (uvicorn --workers N)
        logs.configure(settings.log_level, settings.log_format)
    runtime = runtime or Runtime.from_settings(settings, clock=clock)
    wire_runtime(runtime)
    site_router = build_site_router(settings)
    console_app = console.build(runtime, site_router)
    routes: list[tuple[Sequence[str], Any]] = [
        (partner_v2.PREFIXES, partner_v2.build(runtime, site_router)),
        (re_v1.PREFIXES, re_v1.build(runtime, site_router)),
        (autoupload.PREFIXES, autoupload.build(runtime, site_router)),
        (("/oauth/authorize", "/pt/crm/authorization"), console_app),
        (apidocs.PREFIXES, apidocs.build()),
        (health.PREFIXES, health.build(runtime)),
    ]
    routes = sandbox.mount(runtime, site_router, routes, drain=run_due)
    return Pazar(runtime, routes, fallback=console_app)
