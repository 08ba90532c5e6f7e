"""The sandbox's edge around each API dialect: injected faults before the call, the journal after it.

An ASGI wrapper rather than a middleware of each dialect, so the dialects know nothing about it;
the composition root wraps them only in sandbox mode.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pazar.dialects.common.context import DIALECT_APIS, SiteRouter
from pazar.dialects.sandbox import fault_bodies
from pazar.services.runtime import Runtime
from pazar.services.sandbox import journal
from pazar.services.sandbox.faults import Fault, FaultBook

log = logging.getLogger("pazar.sandbox")

CAPTURE = 64 * 1024  # bytes of each body kept for the journal (it keeps less, redacted)
MAX_DELAY_MS = 30_000


class ConnectionDropped(Exception):
    """Raised after the response started: the server closes the connection mid-response."""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _bearer(scope: Scope) -> str | None:
    scheme, _, value = (_header(scope, b"authorization") or "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _basic_client_id(scope: Scope) -> str | None:
    scheme, _, value = (_header(scope, b"authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[0]
        return user.replace("\x00", "")[:200] or None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _from_body(raw: bytes, key: str) -> str | None:
    """A top-level string field of a JSON or form body (the Autoupload token, a token call's client)."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            found = parse_qs(raw.decode("utf-8"), max_num_fields=200).get(key)
        except (UnicodeDecodeError, ValueError):
            return None
        return found[0][:200].replace("\x00", "") if found else None
    found_value = value.get(key) if isinstance(value, dict) else None
    return found_value[:200].replace("\x00", "") if isinstance(found_value, str) else None


class SandboxEdge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        dialect: str,
        runtime: Runtime,
        site_router: SiteRouter,
        faults: FaultBook,
        journal_writer: journal.JournalWriter,
    ) -> None:
        self.app = app
        self.journal = journal_writer
        self.dialect = dialect
        self.runtime = runtime
        self.site_router = site_router
        self.faults = faults

    def _site(self, scope: Scope) -> str:
        cached = scope.get("pazar.site")
        if isinstance(cached, str):
            return cached
        host, override = _header(scope, b"host"), _header(scope, b"x-pazar-site")
        api = DIALECT_APIS.get(self.dialect)
        found = self.site_router.site_for_api(host, override, api) if api else None
        return found or self.site_router.site_for(host, override)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_body = bytearray()
        response: dict[str, Any] = {"status": 500, "body": bytearray(), "content_type": ""}

        async def capturing_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(request_body) < CAPTURE:
                request_body.extend(message.get("body", b"")[: CAPTURE - len(request_body)])
            return message

        async def capturing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                for key, value in message.get("headers", []):
                    if key.lower() == b"content-type":
                        response["content_type"] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                body: bytearray = response["body"]
                if len(body) < CAPTURE:
                    body.extend(message.get("body", b"")[: CAPTURE - len(body)])
                if not message.get("more_body", False) and self.runtime.settings.sandbox_journal:
                    # Queued before the client has the answer: a test that asks the journal right
                    # after a call finds it (the control plane flushes the queue first).
                    await self._record(scope, bytes(request_body), response, started)
            await send(message)

        fault = await self._fault_for(scope)
        if fault is not None:
            if fault.delay_ms:
                await asyncio.sleep(min(fault.delay_ms, MAX_DELAY_MS) / 1000)
            if fault.drop:
                await send({"type": "http.response.start", "status": 200, "headers": []})
                raise ConnectionDropped(f"sandbox fault {fault.id} dropped the connection")
            if fault.status is not None:
                answer = fault_bodies.render(self.dialect, fault.status, scope.get("path", ""))
                if fault.retry_after is not None:
                    answer.headers["Retry-After"] = str(fault.retry_after)
                answer.headers["X-Pazar-Fault"] = str(fault.id)
                await answer(scope, capturing_receive, capturing_send)
                return
        await self.app(scope, capturing_receive, capturing_send)

    async def _fault_for(self, scope: Scope) -> Fault | None:
        candidates = await self.faults.candidates()
        if not candidates:
            return None
        method, path, site = scope.get("method", "GET"), scope.get("path", ""), self._site(scope)
        client_id: str | None = None
        for fault in candidates:
            if not fault.matches(method=method, path=path, site=site):
                continue
            if fault.client_id is not None:
                if client_id is None:
                    client_id = await self._header_client_id(scope) or ""
                if client_id != fault.client_id:
                    continue
            if await self.faults.use(fault):
                return fault
        return None

    async def _header_client_id(self, scope: Scope) -> str | None:
        basic = _basic_client_id(scope)
        if basic:
            return basic
        async with self.runtime.db.sessions() as session:
            caller = await journal.caller_of(
                session, bearer=_bearer(scope), api_key=_header(scope, b"x-api-key")
            )
        return caller.client_id

    async def _record(
        self, scope: Scope, request_body: bytes, response: dict[str, Any], started: float
    ) -> None:
        try:
            query = scope.get("query_string", b"").decode("latin-1")
            entry = {
                "at": self.runtime.clock.now(),
                "site": self._site(scope),
                "dialect": self.dialect,
                "method": scope.get("method", "GET"),
                "path": scope.get("path", "").replace("\x00", "\\u0000")[:2000],
                "query": journal.redact_pairs(query)[:2000] if query else "",
                "status": int(response["status"]),
                "latency_ms": round((time.perf_counter() - started) * 1000),
                "request_body": journal.redact_body(request_body, _header(scope, b"content-type") or ""),
                "response_body": journal.redact_body(bytes(response["body"]), response["content_type"]),
            }
            self.journal.add(
                journal.PendingCall(
                    entry,
                    bearer=_bearer(scope) or _from_body(request_body, "access_token"),
                    api_key=_header(scope, b"x-api-key"),
                    client_hint=_basic_client_id(scope) or _from_body(request_body, "client_id"),
                )
            )
        except Exception:  # the journal never breaks the call it records
            log.exception("could not journal a call")


def wrap(
    app: ASGIApp,
    *,
    dialect: str,
    runtime: Runtime,
    site_router: SiteRouter,
    faults: FaultBook,
    journal_writer: journal.JournalWriter,
) -> ASGIApp:
    return SandboxEdge(
        app,
        dialect=dialect,
        runtime=runtime,
        site_router=site_router,
        faults=faults,
        journal_writer=journal_writer,
    )
