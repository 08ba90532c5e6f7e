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

POSTs (webhook callbacks) take a leaner road than httpx: ``_PostPool``, a small keep-alive HTTP/1.1
client on asyncio streams that opens its sockets the same guarded way (to a just-checked address,
TLS verified for the host name, pool keyed by name). httpx spends about a millisecond of CPU per
request and slows down steeply with hundreds in flight; the webhook engine needs a thousand a second
on one core (bench/README.md, ``webhooks_delivery.py``). A fetcher given a transport POSTs through it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
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
    allow_loopback: bool = False  # loopback only (127.0.0.0/8, ::1): the sandbox's local receivers
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
            blocked = [a for a in found if not self._may_contact(a)]
            if blocked:
                # ANY bad answer blocks: a name mixing public and private answers is an attack.
                raise FetchError(FetchError.BLOCKED_ADDRESS, f"{host!r} resolves to {blocked[0]}")
        return found

    def _may_contact(self, address: str) -> bool:
        if is_public_address(address):
            return True
        return self._policy.allow_loopback and ipaddress.ip_address(address).is_loopback

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


_MAX_HEAD: Final = 64 * 1024  # the status line and headers of an answer
_DRAIN_LIMIT: Final = 64 * 1024  # a longer answer body is not read through: its connection is closed
_MAX_IDLE_PER_HOST: Final = 256
_KEEPALIVE_SECONDS: Final = 30.0
_FORBIDDEN_IN_HEADERS: Final = ("\r", "\n", "\0")


class _Stale(Exception):
    """A kept-alive connection the server had closed before it answered: the request goes on a new one."""


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def usable(self, now: float) -> bool:
        return (
            not self.writer.is_closing()
            and not self.reader.at_eof()
            and now - self.idle_since < _KEEPALIVE_SECONDS
        )

    def close(self) -> None:
        self.writer.transport.abort()


class _PostPool:
    """Keep-alive HTTP/1.1 connections for POSTs, opened only to addresses the guard just approved.

    Idle connections are keyed by scheme, host name and port (never by IP: a TLS connection verified
    for one name is not reused for another). One request per connection at a time; a connection is
    kept only when its answer was read whole and neither side asked to close it.
    """

    def __init__(self, guard: _Guard, policy: FetchPolicy) -> None:
        self._guard = guard
        self._policy = policy
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(self, target: httpx.URL, head: bytes, body: bytes) -> tuple[int, bytes]:
        key = (target.scheme, target.raw_host.decode("ascii"), _port_of(target))
        reused = self._take(key)
        if reused is not None:
            try:
                return await self._exchange(key, reused, head + body, reused=True)
            except _Stale:
                pass
        fresh = await self._open(key)
        return await self._exchange(key, fresh, head + body, reused=False)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _take(self, key: tuple[str, str, int]) -> _Connection | None:
        connections = self._idle.get(key)
        now = time.monotonic()
        while connections:
            connection = connections.pop()
            if connection.usable(now):
                return connection
            connection.close()
        return None

    def _keep(self, key: tuple[str, str, int], connection: _Connection) -> None:
        connections = self._idle.setdefault(key, [])
        if len(connections) >= _MAX_IDLE_PER_HOST:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        connections.append(connection)

    async def _open(self, key: tuple[str, str, int]) -> _Connection:
        scheme, host, port = key
        addresses = await self._guard.addresses(host, port)  # the rebinding defence, as for GETs
        tls = await self._tls_context() if scheme == "https" else None
        failure: Exception | None = None
        for address in addresses:  # like a browser: the next checked address when one refuses
            try:
                async with asyncio.timeout(self._policy.connect_timeout):
                    reader, writer = await asyncio.open_connection(
                        address, port, ssl=tls, server_hostname=host if tls else None, limit=_MAX_HEAD
                    )
                return _Connection(reader, writer)
            except TimeoutError as exc:
                failure = FetchError(FetchError.TIMEOUT, f"connecting to {host}:{port} timed out")
                failure.__cause__ = exc
            except (OSError, ssl.SSLError) as exc:
                failure = FetchError(FetchError.CONNECT, f"connection failed: {exc!r}")
                failure.__cause__ = exc
        assert failure is not None  # the guard never returns no address
        raise failure

    async def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:  # loading the CA bundle takes milliseconds: not on the event loop
            self._tls = await asyncio.to_thread(httpx.create_ssl_context, trust_env=False)
        return self._tls

    async def _exchange(
        self, key: tuple[str, str, int], connection: _Connection, request: bytes, *, reused: bool
    ) -> tuple[int, bytes]:
        keep = False
        answered = False
        try:
            connection.writer.write(request)
            await connection.writer.drain()
            status, headers, version = await _read_head(connection.reader)
            answered = True
            excerpt, whole = await _read_body(connection.reader, status, headers)
            keep = (
                whole and version == b"HTTP/1.1" and b"close" not in headers.get(b"connection", b"").lower()
            )
            return status, excerpt
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            if reused and not answered:
                raise _Stale from exc
            raise FetchError(FetchError.CONNECT, f"connection failed: {exc!r}") from exc
        except (OSError, ssl.SSLError, ValueError, asyncio.LimitOverrunError) as exc:
            raise FetchError(FetchError.CONNECT, f"not a valid HTTP answer: {exc!r}") from exc
        finally:
            if keep:
                self._keep(key, connection)
            else:
                connection.close()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes], bytes]:
    while True:
        lines = (await reader.readuntil(b"\r\n\r\n"))[:-4].split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        if not version.startswith(b"HTTP/1.") or len(rest) < 3 or not rest[:3].isdigit():
            raise ValueError(f"bad status line {lines[0][:100]!r}")
        status = int(rest[:3])
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon:
                raise ValueError(f"bad header line {line[:100]!r}")
            headers[name.strip().lower()] = value.strip()
        if not 100 <= status < 200:  # interim answers (100 Continue ...) come before the real one
            return status, headers, version


async def _read_body(
    reader: asyncio.StreamReader, status: int, headers: dict[bytes, bytes]
) -> tuple[bytes, bool]:
    """The first EXCERPT_BYTES of the body, and whether it was read whole (the connection is reusable)."""
    if status in (204, 304):
        return b"", True
    if headers.get(b"transfer-encoding", b"").lower().endswith(b"chunked"):
        excerpt = bytearray()
        total = 0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return bytes(excerpt), True
            total += size
            if total > _DRAIN_LIMIT:
                return bytes(excerpt), False
            chunk = await reader.readexactly(size + 2)
            excerpt += chunk[: max(0, EXCERPT_BYTES - len(excerpt))][:size]
    if b"transfer-encoding" not in headers and b"content-length" in headers:
        length = int(headers[b"content-length"])
        if length <= _DRAIN_LIMIT:
            return (await reader.readexactly(length))[:EXCERPT_BYTES], True
        return await reader.readexactly(EXCERPT_BYTES), False
    try:  # the body ends when the server closes the connection
        return await reader.readexactly(EXCERPT_BYTES), False
    except asyncio.IncompleteReadError as exc:
        return exc.partial, False


def _request_head(target: httpx.URL, headers: dict[str, str], length: int, user_agent: str) -> bytes:
    fields = {
        "host": ("Host", target.netloc.decode("ascii")),
        "user-agent": ("User-Agent", user_agent),
        "accept": ("Accept", "*/*"),
        "accept-encoding": ("Accept-Encoding", "identity"),
        "content-type": ("Content-Type", "application/json"),
    }
    for name, value in headers.items():
        fields[name.lower()] = (name, value)
    fields["content-length"] = ("Content-Length", str(length))
    lines = [f"POST {target.raw_path.decode('ascii')} HTTP/1.1"]
    for name, value in fields.values():
        if any(c in name or c in value for c in _FORBIDDEN_IN_HEADERS) or ":" in name:
            raise FetchError(FetchError.BLOCKED_ADDRESS, f"header {name!r} is not a valid header")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


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
        # POSTs go through an injected transport when there is one (tests), else the lean pool.
        self._posts = _PostPool(self._guard, policy) if transport is None else None

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
        started = time.monotonic()
        with _translated(limit):
            async with asyncio.timeout(limit):
                target = self._guard.target(url)
                await self._guard.check(target)
                if self._posts is not None:
                    head = _request_head(target, headers, len(body), self._policy.user_agent)
                    status, excerpt = await self._posts.post(target, head, body)
                else:
                    status, excerpt = await self._post_through_httpx(target, body, headers, limit)
        return PostResult(
            status=status,
            elapsed=time.monotonic() - started,
            excerpt=excerpt.decode("utf-8", errors="replace"),
        )

    async def _post_through_httpx(
        self, target: httpx.URL, body: bytes, headers: dict[str, str], limit: float
    ) -> tuple[int, bytes]:
        sent_headers = httpx.Headers({"Content-Type": "application/json"})
        sent_headers.update(headers)
        async with self._client.stream(
            "POST", target, content=body, headers=sent_headers, timeout=self._timeouts(limit)
        ) as response:
            return response.status_code, await _read_prefix(response.aiter_bytes(), EXCERPT_BYTES)

    def _timeouts(self, total: float) -> httpx.Timeout:
        # Per-operation limits never exceed the overall deadline, which asyncio.timeout enforces.
        return httpx.Timeout(total, connect=min(self._policy.connect_timeout, total))

    async def aclose(self) -> None:
        if self._posts is not None:
            await self._posts.aclose()
        await self._client.aclose()
