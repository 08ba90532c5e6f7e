"""Typed clients of the sandbox control API (``/_pazar/v1``), sync and async.

Both clients build the same calls (``_Call``) and differ only in how they send them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


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
class _Call:
    method: str
    path: str
    json: dict[str, Any] | None = None
    params: dict[str, Any] | None = None


def _compact(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class _Calls:
    """Each control call, as data."""

    @staticmethod
    def clock() -> _Call:
        return _Call("GET", "/_pazar/v1/clock")

    @staticmethod
    def advance(duration: float | str) -> _Call:
        return _Call("POST", "/_pazar/v1/clock/advance", {"seconds": seconds_of(duration)})

    @staticmethod
    def freeze(at: datetime | None) -> _Call:
        return _Call("POST", "/_pazar/v1/clock/freeze", _compact(at=at.isoformat() if at else None))

    @staticmethod
    def reset_clock() -> _Call:
        return _Call("POST", "/_pazar/v1/clock/reset")

    @staticmethod
    def moderation(mode: str, site: str | None, delay_seconds: float | None) -> _Call:
        return _Call(
            "PUT", "/_pazar/v1/moderation", _compact(mode=mode, site=site, delay_seconds=delay_seconds)
        )

    @staticmethod
    def decide(ref: str | int, decision: str, reason: str | None, description: str | None) -> _Call:
        body = _compact(decision=decision, reason=reason, description=description)
        return _Call("POST", f"/_pazar/v1/adverts/{ref}/moderation", body)

    @staticmethod
    def add_fault(
        *,
        status: int | None,
        path: str | None,
        method: str | None,
        site: str | None,
        client_id: str | None,
        retry_after: int | None,
        delay_ms: int | None,
        drop: bool,
        times: int | None,
        probability: float | None,
        seed: int | None,
    ) -> _Call:
        body = _compact(
            match=_compact(path=path, method=method, site=site, client_id=client_id),
            effect=_compact(status=status, retry_after=retry_after, delay_ms=delay_ms, drop=drop or None),
            times=times,
            probability=probability,
            seed=seed,
        )
        return _Call("POST", "/_pazar/v1/faults", body)

    @staticmethod
    def faults() -> _Call:
        return _Call("GET", "/_pazar/v1/faults")

    @staticmethod
    def clear_faults(fault_id: int | None) -> _Call:
        return _Call("DELETE", "/_pazar/v1/faults" + (f"/{fault_id}" if fault_id is not None else ""))

    @staticmethod
    def requests(**filters: Any) -> _Call:
        return _Call("GET", "/_pazar/v1/requests", params=_compact(**filters))

    @staticmethod
    def clear_requests() -> _Call:
        return _Call("DELETE", "/_pazar/v1/requests")

    @staticmethod
    def save_snapshot(name: str) -> _Call:
        return _Call("POST", "/_pazar/v1/snapshots", {"name": name})

    @staticmethod
    def snapshots() -> _Call:
        return _Call("GET", "/_pazar/v1/snapshots")

    @staticmethod
    def restore(name: str) -> _Call:
        return _Call("POST", f"/_pazar/v1/snapshots/{name}/restore")

    @staticmethod
    def reset() -> _Call:
        return _Call("POST", "/_pazar/v1/reset")


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

    def _send(self, call: _Call) -> Any:
        return _decoded(self.http.request(call.method, call.path, json=call.json, params=call.params))

    def clock(self) -> ClockState:
        return ClockState.of(self._send(_Calls.clock()))

    def advance(self, duration: float | str) -> ClockState:
        """Move time forward; returns once every job due by then has run."""
        return ClockState.of(self._send(_Calls.advance(duration)))

    def freeze(self, at: datetime | None = None) -> ClockState:
        return ClockState.of(self._send(_Calls.freeze(at)))

    def reset_clock(self) -> ClockState:
        return ClockState.of(self._send(_Calls.reset_clock()))

    def set_moderation(
        self, mode: str, *, site: str | None = None, delay_seconds: float | None = None
    ) -> list[dict[str, Any]]:
        return list(self._send(_Calls.moderation(mode, site, delay_seconds))["sites"])

    def decide(
        self, ref: str | int, decision: str, *, reason: str | None = None, description: str | None = None
    ) -> dict[str, Any]:
        return dict(self._send(_Calls.decide(ref, decision, reason, description)))

    def add_fault(
        self,
        *,
        status: int | None = None,
        path: str | None = None,
        method: str | None = None,
        site: str | None = None,
        client_id: str | None = None,
        retry_after: int | None = None,
        delay_ms: int | None = None,
        drop: bool = False,
        times: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        call = _Calls.add_fault(
            status=status,
            path=path,
            method=method,
            site=site,
            client_id=client_id,
            retry_after=retry_after,
            delay_ms=delay_ms,
            drop=drop,
            times=times,
            probability=probability,
            seed=seed,
        )
        return dict(self._send(call))

    def faults(self) -> list[dict[str, Any]]:
        return list(self._send(_Calls.faults())["faults"])

    def clear_faults(self, fault_id: int | None = None) -> int:
        return int(self._send(_Calls.clear_faults(fault_id))["deleted"])

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journal, newest first (filters: method, path, status, client_id, since, limit)."""
        return list(self._send(_Calls.requests(**filters))["requests"])

    def clear_requests(self) -> int:
        return int(self._send(_Calls.clear_requests())["deleted"])

    def save_snapshot(self, name: str) -> dict[str, Any]:
        return dict(self._send(_Calls.save_snapshot(name)))

    def snapshots(self) -> list[dict[str, Any]]:
        return list(self._send(_Calls.snapshots())["snapshots"])

    def restore(self, name: str) -> dict[str, Any]:
        return dict(self._send(_Calls.restore(name)))

    def reset(self) -> dict[str, DemoSite]:
        """Back to the freshly seeded marketplace; its demo credentials per site."""
        return _demo(self._send(_Calls.reset()))


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

    async def _send(self, call: _Call) -> Any:
        return _decoded(await self.http.request(call.method, call.path, json=call.json, params=call.params))

    async def clock(self) -> ClockState:
        return ClockState.of(await self._send(_Calls.clock()))

    async def advance(self, duration: float | str) -> ClockState:
        return ClockState.of(await self._send(_Calls.advance(duration)))

    async def freeze(self, at: datetime | None = None) -> ClockState:
        return ClockState.of(await self._send(_Calls.freeze(at)))

    async def reset_clock(self) -> ClockState:
        return ClockState.of(await self._send(_Calls.reset_clock()))

    async def set_moderation(
        self, mode: str, *, site: str | None = None, delay_seconds: float | None = None
    ) -> list[dict[str, Any]]:
        return list((await self._send(_Calls.moderation(mode, site, delay_seconds)))["sites"])

    async def decide(
        self, ref: str | int, decision: str, *, reason: str | None = None, description: str | None = None
    ) -> dict[str, Any]:
        return dict(await self._send(_Calls.decide(ref, decision, reason, description)))

    async def add_fault(
        self,
        *,
        status: int | None = None,
        path: str | None = None,
        method: str | None = None,
        site: str | None = None,
        client_id: str | None = None,
        retry_after: int | None = None,
        delay_ms: int | None = None,
        drop: bool = False,
        times: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        call = _Calls.add_fault(
            status=status,
            path=path,
            method=method,
            site=site,
            client_id=client_id,
            retry_after=retry_after,
            delay_ms=delay_ms,
            drop=drop,
            times=times,
            probability=probability,
            seed=seed,
        )
        return dict(await self._send(call))

    async def faults(self) -> list[dict[str, Any]]:
        return list((await self._send(_Calls.faults()))["faults"])

    async def clear_faults(self, fault_id: int | None = None) -> int:
        return int((await self._send(_Calls.clear_faults(fault_id)))["deleted"])

    async def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return list((await self._send(_Calls.requests(**filters)))["requests"])

    async def clear_requests(self) -> int:
        return int((await self._send(_Calls.clear_requests()))["deleted"])

    async def save_snapshot(self, name: str) -> dict[str, Any]:
        return dict(await self._send(_Calls.save_snapshot(name)))

    async def snapshots(self) -> list[dict[str, Any]]:
        return list((await self._send(_Calls.snapshots()))["snapshots"])

    async def restore(self, name: str) -> dict[str, Any]:
        return dict(await self._send(_Calls.restore(name)))

    async def reset(self) -> dict[str, DemoSite]:
        return _demo(await self._send(_Calls.reset()))
