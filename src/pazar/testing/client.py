"""Typed clients of the sandbox control API (``/_pazar/v1``), sync and async.

Both clients build the same calls (``_Call``: what to send and how to read the answer) and differ
only in how they send them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypedDict, TypeVar, Unpack

import httpx

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
T = TypeVar("T")


class ControlError(Exception):
    """A control call failed: ``status`` and the ``{"error": {"code", "message"}}`` it answered."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def seconds_of(duration: float | str) -> float:
    """``90`` or ``"90s"``, ``"15m"``, ``"2h"``, ``"30d"``, ``"1w"`` as seconds."""
    if isinstance(duration, int | float):
        return float(duration)
    found = _DURATION.match(duration.strip().lower())
    if not found:
        raise ValueError(f"not a duration: {duration!r}")
    return float(found.group(1)) * _UNITS[found.group(2)]


@dataclass(frozen=True)
class ClockState:
    now: datetime
    offset_seconds: float
    frozen: bool

    @classmethod
    def of(cls, body: dict[str, Any]) -> ClockState:
        return cls(datetime.fromisoformat(body["now"]), float(body["offset_seconds"]), bool(body["frozen"]))


@dataclass(frozen=True)
class DemoSite:
    """A site's demo credentials, as a reset hands them out."""

    site: str
    app: dict[str, Any] = field(
        default_factory=dict
    )  # client_id, client_secret, redirect_uris[, api_key, ...]
    users: list[dict[str, Any]] = field(default_factory=list)  # id, email, password, is_business


@dataclass(frozen=True)
class _Call(Generic[T]):
    """One control call, as data: what to send, and how to read the answer's body."""

    method: str
    path: str
    read: Callable[[Any], T]
    json: dict[str, Any] | None = None
    params: dict[str, Any] | None = None


def _compact(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _listed(key: str) -> Callable[[Any], list[dict[str, Any]]]:
    return lambda body: list(body[key])


def _deleted(body: Any) -> int:
    return int(body["deleted"])


class Fault(TypedDict, total=False):
    """What ``add_fault`` takes: the requests it matches, its effect, and how often it fires."""

    status: int
    path: str
    method: str
    site: str
    client_id: str
    retry_after: int
    delay_ms: int
    drop: bool
    times: int
    probability: float
    seed: int


class _Calls:
    """Each control call, as data."""

    @staticmethod
    def clock() -> _Call[ClockState]:
        return _Call("GET", "/_pazar/v1/clock", ClockState.of)

    @staticmethod
    def advance(duration: float | str) -> _Call[ClockState]:
        return _Call("POST", "/_pazar/v1/clock/advance", ClockState.of, {"seconds": seconds_of(duration)})

    @staticmethod
    def freeze(at: datetime | None) -> _Call[ClockState]:
        body = _compact(at=at.isoformat() if at else None)
        return _Call("POST", "/_pazar/v1/clock/freeze", ClockState.of, body)

    @staticmethod
    def reset_clock() -> _Call[ClockState]:
        return _Call("POST", "/_pazar/v1/clock/reset", ClockState.of)

    @staticmethod
    def moderation(mode: str, site: str | None, delay_seconds: float | None) -> _Call[list[dict[str, Any]]]:
        body = _compact(mode=mode, site=site, delay_seconds=delay_seconds)
        return _Call("PUT", "/_pazar/v1/moderation", _listed("sites"), body)

    @staticmethod
    def decide(
        ref: str | int, decision: str, reason: str | None, description: str | None
    ) -> _Call[dict[str, Any]]:
        body = _compact(decision=decision, reason=reason, description=description)
        return _Call("POST", f"/_pazar/v1/adverts/{ref}/moderation", dict, body)

    @staticmethod
    def add_fault(fault: Fault) -> _Call[dict[str, Any]]:
        given: dict[str, Any] = dict(fault)
        match = _compact(**{k: given.get(k) for k in ("path", "method", "site", "client_id")})
        effect = _compact(**{k: given.get(k) for k in ("status", "retry_after", "delay_ms")})
        effect.update(_compact(drop=given.get("drop") or None))
        rest = _compact(**{k: given.get(k) for k in ("times", "probability", "seed")})
        return _Call("POST", "/_pazar/v1/faults", dict, {"match": match, "effect": effect, **rest})

    @staticmethod
    def faults() -> _Call[list[dict[str, Any]]]:
        return _Call("GET", "/_pazar/v1/faults", _listed("faults"))

    @staticmethod
    def clear_faults(fault_id: int | None) -> _Call[int]:
        return _Call(
            "DELETE", "/_pazar/v1/faults" + (f"/{fault_id}" if fault_id is not None else ""), _deleted
        )

    @staticmethod
    def requests(**filters: Any) -> _Call[list[dict[str, Any]]]:
        return _Call("GET", "/_pazar/v1/requests", _listed("requests"), params=_compact(**filters))

    @staticmethod
    def clear_requests() -> _Call[int]:
        return _Call("DELETE", "/_pazar/v1/requests", _deleted)

    @staticmethod
    def save_snapshot(name: str) -> _Call[dict[str, Any]]:
        return _Call("POST", "/_pazar/v1/snapshots", dict, {"name": name})

    @staticmethod
    def snapshots() -> _Call[list[dict[str, Any]]]:
        return _Call("GET", "/_pazar/v1/snapshots", _listed("snapshots"))

    @staticmethod
    def restore(name: str) -> _Call[dict[str, Any]]:
        return _Call("POST", f"/_pazar/v1/snapshots/{name}/restore", dict)

    @staticmethod
    def reset() -> _Call[dict[str, DemoSite]]:
        return _Call("POST", "/_pazar/v1/reset", _demo)


def _decoded(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        raise ControlError(
            response.status_code, str(error.get("code", "error")), str(error.get("message", ""))
        )
    return body


def _demo(body: dict[str, Any]) -> dict[str, DemoSite]:
    return {d["site"]: DemoSite(d["site"], d.get("app") or {}, d.get("users") or []) for d in body["demo"]}


class SandboxClient:
    """The control API over a blocking HTTP client."""

    def __init__(self, base_url: str, admin_key: str, *, timeout: float = 120.0) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {admin_key}"}, timeout=timeout
        )

    def __enter__(self) -> SandboxClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _send(self, call: _Call[T]) -> T:
        response = self.http.request(call.method, call.path, json=call.json, params=call.params)
        return call.read(_decoded(response))

    def clock(self) -> ClockState:
        return self._send(_Calls.clock())

    def advance(self, duration: float | str) -> ClockState:
        """Move time forward; returns once every job due by then has run."""
        return self._send(_Calls.advance(duration))

    def freeze(self, at: datetime | None = None) -> ClockState:
        return self._send(_Calls.freeze(at))

    def reset_clock(self) -> ClockState:
        return self._send(_Calls.reset_clock())

    def set_moderation(
        self, mode: str, *, site: str | None = None, delay_seconds: float | None = None
    ) -> list[dict[str, Any]]:
        return self._send(_Calls.moderation(mode, site, delay_seconds))

    def decide(
        self, ref: str | int, decision: str, *, reason: str | None = None, description: str | None = None
    ) -> dict[str, Any]:
        return self._send(_Calls.decide(ref, decision, reason, description))

    def add_fault(self, **fault: Unpack[Fault]) -> dict[str, Any]:
        """A fault on the requests it matches (``path``, ``method``, ``site``, ``client_id``): an error
        ``status`` (with ``retry_after``), a ``delay_ms`` or a ``drop``; ``times``/``probability``/``seed``."""
        return self._send(_Calls.add_fault(fault))

    def faults(self) -> list[dict[str, Any]]:
        return self._send(_Calls.faults())

    def clear_faults(self, fault_id: int | None = None) -> int:
        return self._send(_Calls.clear_faults(fault_id))

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journal, newest first (filters: method, path, status, client_id, since, limit)."""
        return self._send(_Calls.requests(**filters))

    def clear_requests(self) -> int:
        return self._send(_Calls.clear_requests())

    def save_snapshot(self, name: str) -> dict[str, Any]:
        return self._send(_Calls.save_snapshot(name))

    def snapshots(self) -> list[dict[str, Any]]:
        return self._send(_Calls.snapshots())

    def restore(self, name: str) -> dict[str, Any]:
        return self._send(_Calls.restore(name))

    def reset(self) -> dict[str, DemoSite]:
        """Back to the freshly seeded marketplace; its demo credentials per site."""
        return self._send(_Calls.reset())


class AsyncSandboxClient:
    """The control API over an async HTTP client (the same methods, awaited)."""

    def __init__(self, base_url: str, admin_key: str, *, timeout: float = 120.0) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {admin_key}"}, timeout=timeout
        )

    async def __aenter__(self) -> AsyncSandboxClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _send(self, call: _Call[T]) -> T:
        response = await self.http.request(call.method, call.path, json=call.json, params=call.params)
        return call.read(_decoded(response))

    async def clock(self) -> ClockState:
        return await self._send(_Calls.clock())

    async def advance(self, duration: float | str) -> ClockState:
        return await self._send(_Calls.advance(duration))

    async def freeze(self, at: datetime | None = None) -> ClockState:
        return await self._send(_Calls.freeze(at))

    async def reset_clock(self) -> ClockState:
        return await self._send(_Calls.reset_clock())

    async def set_moderation(
        self, mode: str, *, site: str | None = None, delay_seconds: float | None = None
    ) -> list[dict[str, Any]]:
        return await self._send(_Calls.moderation(mode, site, delay_seconds))

    async def decide(
        self, ref: str | int, decision: str, *, reason: str | None = None, description: str | None = None
    ) -> dict[str, Any]:
        return await self._send(_Calls.decide(ref, decision, reason, description))

    async def add_fault(self, **fault: Unpack[Fault]) -> dict[str, Any]:
        return await self._send(_Calls.add_fault(fault))

    async def faults(self) -> list[dict[str, Any]]:
        return await self._send(_Calls.faults())

    async def clear_faults(self, fault_id: int | None = None) -> int:
        return await self._send(_Calls.clear_faults(fault_id))

    async def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return await self._send(_Calls.requests(**filters))

    async def clear_requests(self) -> int:
        return await self._send(_Calls.clear_requests())

    async def save_snapshot(self, name: str) -> dict[str, Any]:
        return await self._send(_Calls.save_snapshot(name))

    async def snapshots(self) -> list[dict[str, Any]]:
        return await self._send(_Calls.snapshots())

    async def restore(self, name: str) -> dict[str, Any]:
        return await self._send(_Calls.restore(name))

    async def reset(self) -> dict[str, DemoSite]:
        return await self._send(_Calls.reset())
