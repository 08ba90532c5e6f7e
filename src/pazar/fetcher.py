"""An SSRF-guarded HTTP client for URLs that partners give us (advert images, webhook callbacks).

Every URL is untrusted, so before anything is sent the fetcher checks the scheme, the port and every
address the host resolves to, on every redirect hop; it refuses loopback, private, link-local (cloud
metadata), shared, multicast and reserved addresses unless the policy allows private ones.

DNS rebinding (a name that answers "public" to the check and "127.0.0.1" to the connect) is defeated
where the socket is opened: the default transport's connection pool is given a network backend that
resolves the host through the same guard and connects to an address it has just checked, never to
the name. We chose this over rewriting the URL to the checked IP (with a Host header and
``sni_hostname``) because the pool then stays keyed by host name: a TLS connection verified for one
name is never reused for another name that happens to share its IP, and SNI, certificate checks and
the Host header all stay httpx's own. A transport injected by a test bypasses the socket layer, so the
fetcher also checks every hop itself: that gives clear errors before any connection is attempted.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Protocol

import httpcore
import httpx

__all__ = [
    "FetchError",
    "FetchPolicy",
    "FetchedBody",
    "HttpFetcher",
    "PostResult",
    "Resolver",
    "SystemResolver",
    "is_public_address",
]

EXCERPT_BYTES: Final = 1024
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")
_GET_HEADERS: Final = {"Accept-Encoding": "identity"}  # count the bytes we store, not compressed ones


class FetchError(Exception):
    """Why a fetch failed; ``reason`` is one of the constants below, ``status`` set for HTTP_STATUS."""

    BLOCKED_ADDRESS: Final = "blocked_address"
    DNS: Final = "dns"
    CONNECT: Final = "connect"
    TIMEOUT: Final = "timeout"
    TOO_LARGE: Final = "too_large"
    HTTP_STATUS: Final = "http_status"
    BAD_CONTENT_TYPE: Final = "bad_content_type"
    TOO_MANY_REDIRECTS: Final = "too_many_redirects"

    def __init__(self, reason: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    allow_private: bool = False  # operators and tests may allow loopback and private ranges
    connect_timeout: float = 5.0
    total_timeout: float = 10.0  # the whole request, redirects and body included
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 3
    allowed_ports: frozenset[int] | None = None  # None: any port 1-65535
    user_agent: str = "pazar/0.1"


@dataclass(frozen=True, slots=True)
class FetchedBody:
    url: str  # final URL after redirects, without userinfo
    status: int
    content_type: str  # lower-cased media type without parameters, "" if none
    body: bytes
    elapsed: float  # seconds


@dataclass(frozen=True, slots=True)
class PostResult:
    status: int
    elapsed: float
    excerpt: str  # the first EXCERPT_BYTES of the response body, decoded leniently


class Resolver(Protocol):
    async def resolve(self, host: str, port: int) -> list[str]:
        """The IP addresses ``host`` resolves to; raise OSError (or return []) when it does not."""
        ...


class SystemResolver:
    """getaddrinfo in the loop's executor, so a slow DNS server never blocks the event loop."""

    async def resolve(self, host: str, port: int) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    """True when ``address`` is globally routable unicast, judging embedded IPv4 by itself."""
    ip = ipaddress.ip_address(address)
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return is_public_address(str(embedded))
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return False  # fec0::/10 is deprecated but Python still calls it global
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4): that is where it really goes."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.ipv4_mapped or ip.sixtofour


class _Guard:
    """The one place that decides whether a URL or a host may be contacted."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver

    def target(self, url: str | httpx.URL) -> httpx.URL:
        """The URL to request: checked for scheme, host and port, with any userinfo dropped."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise FetchError(FetchError.BLOCKED_ADDRESS, f"not a valid URL: {exc}") from exc
        if parsed.scheme not in _DEFAULT_PORTS:
            raise FetchError(FetchError.BLOCKED_ADDRESS, f"scheme {parsed.scheme!r} is not http(s)")
        if not parsed.raw_host:
            raise FetchError(FetchError.BLOCKED_ADDRESS, "the URL has no host")
        self._check_port(_port_of(parsed))
        # httpx would turn userinfo into an Authorization header; partners' credentials stay with them.
        return parsed.copy_with(userinfo=b"") if parsed.userinfo else parsed

    async def check(self, url: httpx.URL) -> list[str]:
        return await self.addresses(url.raw_host.decode("ascii"), _port_of(url))

    async def addresses(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` and return its addresses only if every one of them may be contacted."""
        self._check_port(port)
        found = [host] if _is_ip_literal(host) else await self._resolve(host, port)
        if not self._policy.allow_private:
            blocked = [a for a in found if not is_public_address(a)]
            if blocked:
                # ANY bad answer blocks: a name mixing public and private answers is an attack.
                raise FetchError(FetchError.BLOCKED_ADDRESS, f"{host!r} resolves to {blocked[0]}")
        return found

    def _check_port(self, port: int) -> None:
        allowed = self._policy.allowed_ports
        if not 1 <= port <= 65535 or (allowed is not None and port not in allowed):
            raise FetchError(FetchError.BLOCKED_ADDRESS, f"port {port} is not allowed")

    async def _resolve(self, host: str, port: int) -> list[str]:
        try:
            found = await self._resolver.resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(FetchError.DNS, f"cannot resolve {host!r}: {exc}") from exc
        if not found:
            raise FetchError(FetchError.DNS, f"{host!r} has no addresses")
        return found


def _port_of(url: httpx.URL) -> int:
    return url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme, 0)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Opens sockets only to addresses the guard approved in the same call (the rebinding defence)."""

    def __init__(self, guard: _Guard) -> None:
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.addresses(host, port)
        *others, last = addresses  # never empty: the guard raises DNS instead
        for address in others:  # TLS is started later by httpcore, with the host name as SNI
            try:
                return await self._connect(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue  # try the next checked address, like a browser would
        return await self._connect(last, port, timeout, local_address, socket_options)

    async def _connect(
        self,
        address: str,
        port: int,
        connect_timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_tcp(
            address, port, timeout=connect_timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchError(FetchError.BLOCKED_ADDRESS, "unix sockets are never contacted")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _guarded_transport(guard: _Guard) -> httpx.AsyncHTTPTransport:
    # httpx has no public hook for a network backend, so swap in a pool built like its own (same
    # TLS context and limits). Generous limits: the webhook engine runs hundreds of POSTs at once.
    tls = httpx.create_ssl_context(trust_env=False)
    transport = httpx.AsyncHTTPTransport(verify=tls, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=tls,
        max_connections=500,
        max_keepalive_connections=100,
        keepalive_expiry=30.0,
        network_backend=_GuardedBackend(guard),
    )
    return transport


@contextmanager
def _translated(timeout: float) -> Iterator[None]:
    """Turn httpx and deadline failures into FetchError so callers handle one exception type."""
    try:
        yield
    except TimeoutError as exc:  # the overall deadline (asyncio.timeout)
        raise FetchError(FetchError.TIMEOUT, f"no complete answer within {timeout:g}s") from exc
    except httpx.TimeoutException as exc:
        raise FetchError(FetchError.TIMEOUT, f"timed out: {exc!r}") from exc
    except httpx.HTTPError as exc:  # refused, reset, TLS failure, protocol violation
        raise FetchError(FetchError.CONNECT, f"connection failed: {exc!r}") from exc


def _media_type(response: httpx.Response) -> str:
    header = str(response.headers.get("content-type", ""))
    return header.split(";", 1)[0].strip().lower()


def _check_declared_size(response: httpx.Response, limit: int) -> None:
    declared = str(response.headers.get("content-length", ""))
    if declared.isdigit() and int(declared) > limit:  # refuse before reading a byte
        raise FetchError(FetchError.TOO_LARGE, f"declared {declared} bytes, limit is {limit}")


async def _read_limited(response: httpx.Response, limit: int) -> bytes:
    _check_declared_size(response, limit)
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:  # stop at once: the rest is never read
            raise FetchError(FetchError.TOO_LARGE, f"body exceeds {limit} bytes")
    return bytes(body)


async def _read_prefix(chunks: AsyncIterator[bytes], size: int) -> bytes:
    prefix = bytearray()
    async for chunk in chunks:
        prefix += chunk
        if len(prefix) >= size:
            break
    return bytes(prefix[:size])


def _check_response(response: httpx.Response, accept: tuple[str, ...]) -> None:
    if not response.is_success:
        raise FetchError(
            FetchError.HTTP_STATUS,
            f"{response.url} answered {response.status_code}",
            status=response.status_code,
        )
    media_type = _media_type(response)
    if accept and not media_type.startswith(tuple(prefix.lower() for prefix in accept)):
        raise FetchError(FetchError.BAD_CONTENT_TYPE, f"content type {media_type!r} is not one of {accept}")


class HttpFetcher:
    """GETs bodies and POSTs JSON to untrusted URLs; one pooled client shared by all callers."""

    def __init__(
        self,
        policy: FetchPolicy = FetchPolicy(),
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._policy = policy
        self._guard = _Guard(policy, resolver or SystemResolver())
        self._client = httpx.AsyncClient(
            transport=transport or _guarded_transport(self._guard),
            timeout=self._timeouts(policy.total_timeout),
            headers={"User-Agent": policy.user_agent},
            follow_redirects=False,  # we follow them ourselves, checking every hop
            trust_env=False,  # an environment proxy would connect where the guard never looked
        )

    async def get_bytes(
        self, url: str, *, accept: tuple[str, ...] = (), max_bytes: int | None = None
    ) -> FetchedBody:
        """GET a 2xx body of at most ``max_bytes`` whose media type starts with one of ``accept``."""
        limit = self._policy.max_bytes if max_bytes is None else max_bytes
        started = time.monotonic()
        with _translated(self._policy.total_timeout):
            async with asyncio.timeout(self._policy.total_timeout):
                target = self._guard.target(url)
                for _ in range(self._policy.max_redirects + 1):
                    await self._guard.check(target)
                    async with self._client.stream("GET", target, headers=_GET_HEADERS) as response:
                        if response.next_request is None:
                            _check_response(response, accept)
                            body = await _read_limited(response, limit)
                            return FetchedBody(
                                url=str(target),
                                status=response.status_code,
                                content_type=_media_type(response),
                                body=body,
                                elapsed=time.monotonic() - started,
                            )
                        target = self._guard.target(response.next_request.url)
        raise FetchError(FetchError.TOO_MANY_REDIRECTS, f"more than {self._policy.max_redirects} redirects")

    async def post_json(
        self,
        url: str,
        body: bytes,
        *,
        headers: dict[str, str],
        timeout: float | None = None,  # noqa: ASYNC109 - the public API; enforced with asyncio.timeout
    ) -> PostResult:
        """POST ``body`` once, without following redirects; any status is a result for the caller."""
        limit = self._policy.total_timeout if timeout is None else timeout
        sent_headers = httpx.Headers({"Content-Type": "application/json"})
        sent_headers.update(headers)
        started = time.monotonic()
        with _translated(limit):
            async with asyncio.timeout(limit):
                target = self._guard.target(url)
                await self._guard.check(target)
                async with self._client.stream(
                    "POST", target, content=body, headers=sent_headers, timeout=self._timeouts(limit)
                ) as response:
                    excerpt = await _read_prefix(response.aiter_bytes(), EXCERPT_BYTES)
        return PostResult(
            status=response.status_code,
            elapsed=time.monotonic() - started,
            excerpt=excerpt.decode("utf-8", errors="replace"),
        )

    def _timeouts(self, total: float) -> httpx.Timeout:
        # Per-operation limits never exceed the overall deadline, which asyncio.timeout enforces.
        return httpx.Timeout(total, connect=min(self._policy.connect_timeout, total))

    async def aclose(self) -> None:
        await self._client.aclose()
