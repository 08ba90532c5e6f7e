"""The SSRF-guarded fetcher against a real HTTP server on 127.0.0.1 (a small asyncio one, below).

The server runs on the tests' event loop; every endpoint is bounded in time so a broken fetcher makes
a test fail, never hang.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

from pazar.fetcher import FetchError, FetchPolicy, HttpFetcher, is_public_address

LOCAL = FetchPolicy(allow_private=True, total_timeout=5.0)
PUBLIC_IP = "93.184.216.34"
HUGE_CHUNK = 64 * 1024
HUGE_TOTAL = 256 * 1024 * 1024  # what /huge would send to a client that never stops reading


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    """A keep-alive HTTP/1.1 server with just the endpoints the tests need."""

    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    huge_sent: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while (request := await _read_request(reader)) is not None:
                self.seen.append(request)
                await self._route(request, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away, which several tests make it do on purpose
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _route(self, req: Seen, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parts = urlsplit(req.path)
        path = parts.path
        if path == "/png":
            await _respond(writer, 200, PNG, "image/png")
        elif path == "/html":
            await _respond(writer, 200, b"<p>hi</p>", "text/html; charset=utf-8")
        elif path == "/slow":
            await asyncio.sleep(3)
            await _respond(writer, 200, b"late", "text/plain")
        elif path == "/trickle":
            await _trickle(writer)
        elif path == "/huge":
            await self._huge(writer)
        elif path == "/declared-huge":
            head = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 104857600\r\n\r\n"
            writer.write(head.encode())
            await writer.drain()
            await asyncio.wait_for(reader.read(), 3)  # no body: only an early refusal ends this quickly
        elif path == "/redirect":
            await _redirect(writer, "/png")
        elif path.startswith("/chain/"):
            left = int(path.removeprefix("/chain/"))
            await _redirect(writer, f"/chain/{left - 1}" if left > 1 else "/png")
        elif path == "/redirect-to":
            await _redirect(writer, parse_qs(parts.query)["to"][0])
        elif path == "/echo" and req.method == "POST":
            await _respond(writer, 201, req.body, "application/json")
        elif path == "/fail" and req.method == "POST":
            await _respond(writer, 500, b"boom", "text/plain")
        elif path == "/long-reply":
            await _respond(writer, 200, "é".encode() + b"x" * 5000, "text/plain")
        else:
            await _respond(writer, 404, b"not here", "text/plain")

    async def _huge(self, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % HUGE_CHUNK + b"\xff" * HUGE_CHUNK + b"\r\n"
        while self.huge_sent < HUGE_TOTAL:
            writer.write(chunk)
            await writer.drain()  # blocks once the client stops reading
            self.huge_sent += HUGE_CHUNK
        writer.write(b"0\r\n\r\n")
        await writer.drain()


async def _read_request(reader: asyncio.StreamReader) -> Seen | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # the client closed a kept-alive connection
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {}
    for line in filter(None, header_lines):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Seen(method, path, headers, body)


async def _respond(
    writer: asyncio.StreamWriter, status: int, body: bytes, content_type: str, extra: str = ""
) -> None:
    head = (
        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()


async def _redirect(writer: asyncio.StreamWriter, location: str) -> None:
    await _respond(writer, 302, b"", "text/plain", f"Location: {location}\r\n")


async def _trickle(writer: asyncio.StreamWriter) -> None:
    """A byte every 0.1 s for 3 s: no single read is slow, only the whole answer is."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(30):
        writer.write(b"1\r\nG\r\n")
        await writer.drain()
        await asyncio.sleep(0.1)
    writer.write(b"0\r\n\r\n")
    await writer.drain()


class StubResolver:
    """Answers from a table (one answer list per call when given several), recording every question."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self._answers = answers
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self._answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = self._answers[host]
        return answers.pop(0) if len(answers) > 1 else answers[0]


class ToLocal(httpx.AsyncBaseTransport):
    """Stands in for the internet: every request, whatever its host, reaches the local server."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host="127.0.0.1", port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[LocalServer]:
    running = LocalServer()
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def local(server: LocalServer) -> AsyncIterator[HttpFetcher]:
    fetcher = HttpFetcher(LOCAL)
    yield fetcher
    await fetcher.aclose()


@pytest.fixture
async def guarded() -> AsyncIterator[HttpFetcher]:
    fetcher = HttpFetcher(FetchPolicy(total_timeout=5.0))
    yield fetcher
    await fetcher.aclose()


async def _reason(call: object) -> FetchError:
    assert asyncio.iscoroutine(call)
    with pytest.raises(FetchError) as caught:
        await call
    return caught.value


# --- the guard -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.1.2.3",
        "169.254.169.254",
        "[::1]",
        "0.0.0.0",  # noqa: S104 - a URL under test, nothing binds to it
        "2130706433",  # 127.0.0.1 as one integer: httpx keeps it a name, getaddrinfo decodes it
        "127.1",
        "[::ffff:127.0.0.1]",
        "100.64.0.1",
        "[fd00::1]",
        "224.0.0.1",
    ],
)
async def test_internal_addresses_are_blocked_before_any_request(
    guarded: HttpFetcher, server: LocalServer, host: str
) -> None:
    before = len(server.seen)
    error = await _reason(guarded.get_bytes(server.url("/png", host)))
    assert error.reason == FetchError.BLOCKED_ADDRESS
    assert len(server.seen) == before


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/a.png", "gopher://example.com/", "http:///x", "/png"]
)
async def test_only_http_urls_with_a_host_are_fetched(url: str) -> None:
    resolver = StubResolver({"example.com": [[PUBLIC_IP]]})
    fetcher = HttpFetcher(resolver=resolver)
    error = await _reason(fetcher.get_bytes(url))
    await fetcher.aclose()
    assert error.reason == FetchError.BLOCKED_ADDRESS
    assert resolver.asked == []


@pytest.mark.parametrize(
    "url", ["http://example.com:8080/", "http://example.com:0/", "http://example.com:70000/"]
)
async def test_ports_outside_the_policy_are_blocked(url: str) -> None:
    resolver = StubResolver({"example.com": [[PUBLIC_IP]]})
    fetcher = HttpFetcher(FetchPolicy(allowed_ports=frozenset({80, 443})), resolver=resolver)
    error = await _reason(fetcher.get_bytes(url))
    await fetcher.aclose()
    assert error.reason == FetchError.BLOCKED_ADDRESS
    assert resolver.asked == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("fec0::1", False),  # site-local, which Python still calls global
        ("fe80::1", False),
        ("ff0e::1", False),
        ("240.0.0.1", False),
        ("198.18.0.1", False),
    ],
)
def test_only_globally_routable_unicast_is_public(address: str, public: bool) -> None:
    assert is_public_address(address) is public


async def test_a_public_looking_name_resolving_to_a_private_address_is_blocked() -> None:
    resolver = StubResolver({"images.partner.test": [[PUBLIC_IP, "10.0.0.7"]]})
    fetcher = HttpFetcher(resolver=resolver)
    error = await _reason(fetcher.get_bytes("https://images.partner.test/a.jpg"))
    await fetcher.aclose()
    assert error.reason == FetchError.BLOCKED_ADDRESS
    assert "10.0.0.7" in str(error)


async def test_a_name_that_does_not_resolve_is_a_dns_error() -> None:
    fetcher = HttpFetcher(resolver=StubResolver({}))
    error = await _reason(fetcher.get_bytes("https://nowhere.test/a.jpg"))
    await fetcher.aclose()
    assert error.reason == FetchError.DNS


async def test_rebinding_between_check_and_connect_is_blocked(server: LocalServer) -> None:
    # First answer public (the hop check), second 127.0.0.1 (the connect): the socket layer checks again.
    resolver = StubResolver({"rebind.test": [[PUBLIC_IP], ["127.0.0.1"]]})
    fetcher = HttpFetcher(resolver=resolver)
    before = len(server.seen)
    error = await _reason(fetcher.get_bytes(server.url("/png", "rebind.test")))
    await fetcher.aclose()
    assert error.reason == FetchError.BLOCKED_ADDRESS
    assert resolver.asked == ["rebind.test", "rebind.test"]
    assert len(server.seen) == before


async def test_connections_go_to_the_checked_address_with_the_original_host(server: LocalServer) -> None:
    # "pinned.test" exists only in the stub: reaching the server proves the socket used its answer.
    fetcher = HttpFetcher(LOCAL, resolver=StubResolver({"pinned.test": [["127.0.0.1"]]}))
    got = await fetcher.get_bytes(server.url("/png", "pinned.test"))
    await fetcher.aclose()
    assert got.body == PNG
    assert server.seen[-1].headers["host"] == f"pinned.test:{server.port}"


async def test_a_redirect_to_an_internal_address_is_blocked_after_a_public_first_hop(
    server: LocalServer,
) -> None:
    resolver = StubResolver({"public.test": [[PUBLIC_IP]], "internal.test": [["10.0.0.5"]]})
    fetcher = HttpFetcher(resolver=resolver, transport=ToLocal(server.port))
    for target in (server.url("/png"), "http://internal.test/png"):
        before = len(server.seen)
        error = await _reason(fetcher.get_bytes(f"http://public.test/redirect-to?to={target}"))
        assert error.reason == FetchError.BLOCKED_ADDRESS
        assert [s.path.split("?")[0] for s in server.seen[before:]] == ["/redirect-to"]
    await fetcher.aclose()


async def test_userinfo_is_never_sent(local: HttpFetcher, server: LocalServer) -> None:
    got = await local.get_bytes(f"http://partner:s3cret@127.0.0.1:{server.port}/png")
    assert "authorization" not in server.seen[-1].headers
    assert "s3cret" not in got.url


# --- get_bytes -----------------------------------------------------------------------------------


async def test_an_image_is_fetched_whole_and_decodes(local: HttpFetcher, server: LocalServer) -> None:
    got = await local.get_bytes(server.url("/png"), accept=("image/",))
    assert (got.status, got.content_type, got.url) == (200, "image/png", server.url("/png"))
    assert Image.open(io.BytesIO(got.body)).size == (3, 2)
    assert server.seen[-1].headers["user-agent"] == "pazar/0.1"


async def test_redirects_are_followed_to_the_final_url(local: HttpFetcher, server: LocalServer) -> None:
    got = await local.get_bytes(server.url("/redirect"))
    assert got.body == PNG and got.url == server.url("/png")


async def test_redirect_chains_stop_at_the_policy_limit(local: HttpFetcher, server: LocalServer) -> None:
    assert (await local.get_bytes(server.url("/chain/3"))).body == PNG  # exactly max_redirects
    before = len(server.seen)
    error = await _reason(local.get_bytes(server.url("/chain/4")))
    assert error.reason == FetchError.TOO_MANY_REDIRECTS
    assert len(server.seen) - before == 4  # the fifth hop is never requested


async def test_a_404_is_an_http_status_error(local: HttpFetcher, server: LocalServer) -> None:
    error = await _reason(local.get_bytes(server.url("/missing.png")))
    assert (error.reason, error.status) == (FetchError.HTTP_STATUS, 404)


async def test_the_content_type_must_match_what_was_asked(local: HttpFetcher, server: LocalServer) -> None:
    error = await _reason(local.get_bytes(server.url("/html"), accept=("image/",)))
    assert error.reason == FetchError.BAD_CONTENT_TYPE
    assert (await local.get_bytes(server.url("/html"))).content_type == "text/html"


async def test_a_body_just_over_the_limit_is_too_large(local: HttpFetcher, server: LocalServer) -> None:
    assert (await local.get_bytes(server.url("/png"), max_bytes=len(PNG))).body == PNG
    error = await _reason(local.get_bytes(server.url("/png"), max_bytes=len(PNG) - 1))
    assert error.reason == FetchError.TOO_LARGE


async def test_an_endless_body_is_abandoned_at_the_limit(local: HttpFetcher, server: LocalServer) -> None:
    server.huge_sent = 0
    error = await _reason(local.get_bytes(server.url("/huge"), max_bytes=256 * 1024))
    assert error.reason == FetchError.TOO_LARGE
    assert server.huge_sent < HUGE_TOTAL // 8  # what socket buffers hold, not the whole body


async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    local: HttpFetcher, server: LocalServer
) -> None:
    # The server sends the headers only: reading the body would end in TIMEOUT, not TOO_LARGE.
    error = await _reason(local.get_bytes(server.url("/declared-huge")))
    assert error.reason == FetchError.TOO_LARGE
    assert "declared" in str(error)


async def test_a_slow_answer_times_out(server: LocalServer) -> None:
    fetcher = HttpFetcher(FetchPolicy(allow_private=True, total_timeout=0.3))
    error = await _reason(fetcher.get_bytes(server.url("/slow")))
    await fetcher.aclose()
    assert error.reason == FetchError.TIMEOUT


async def test_the_deadline_covers_a_body_that_trickles(server: LocalServer) -> None:
    # Each read succeeds within 0.1 s; only a deadline on the whole request stops the 3 s answer.
    fetcher = HttpFetcher(FetchPolicy(allow_private=True, total_timeout=0.5))
    loop = asyncio.get_running_loop()
    started = loop.time()
    error = await _reason(fetcher.get_bytes(server.url("/trickle")))
    waited = loop.time() - started
    await fetcher.aclose()
    assert error.reason == FetchError.TIMEOUT
    assert waited < 3.0  # the server would have finished by then: we gave up, it did not


async def test_a_closed_port_is_a_connect_error(local: HttpFetcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = await _reason(local.get_bytes(f"http://127.0.0.1:{port}/"))
    assert error.reason == FetchError.CONNECT


# --- post_json -----------------------------------------------------------------------------------


async def test_a_post_returns_status_and_excerpt(local: HttpFetcher, server: LocalServer) -> None:
    payload = json.dumps({"event": "advert_activated", "id": 7}).encode()
    result = await local.post_json(server.url("/echo"), payload, headers={"Webhook-Signature": "v1,abc"})
    assert (result.status, json.loads(result.excerpt)) == (201, {"event": "advert_activated", "id": 7})
    seen = server.seen[-1]
    assert (seen.method, seen.body) == ("POST", payload)
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["webhook-signature"] == "v1,abc"


async def test_a_failing_callback_is_a_result_not_an_error(local: HttpFetcher, server: LocalServer) -> None:
    result = await local.post_json(server.url("/fail"), b"{}", headers={})
    assert (result.status, result.excerpt) == (500, "boom")


async def test_the_excerpt_is_the_first_kilobyte(local: HttpFetcher, server: LocalServer) -> None:
    result = await local.post_json(server.url("/long-reply"), b"{}", headers={})
    assert result.excerpt.startswith("éx")
    assert len(result.excerpt.encode()) == 1024


async def test_a_post_never_follows_redirects(local: HttpFetcher, server: LocalServer) -> None:
    before = len(server.seen)
    result = await local.post_json(server.url("/redirect"), b"{}", headers={})
    assert result.status == 302
    assert server.paths()[before:] == ["/redirect"]


async def test_a_slow_callback_times_out(local: HttpFetcher, server: LocalServer) -> None:
    error = await _reason(local.post_json(server.url("/slow"), b"{}", headers={}, timeout=0.3))
    assert error.reason == FetchError.TIMEOUT


async def test_a_post_to_an_internal_address_is_blocked(guarded: HttpFetcher, server: LocalServer) -> None:
    before = len(server.seen)
    error = await _reason(guarded.post_json(server.url("/echo"), b"{}", headers={}))
    assert error.reason == FetchError.BLOCKED_ADDRESS
    assert len(server.seen) == before


async def test_a_hundred_concurrent_posts_all_arrive(local: HttpFetcher, server: LocalServer) -> None:
    bodies = [json.dumps({"n": n}).encode() for n in range(100)]
    results = await asyncio.gather(*(local.post_json(server.url("/echo"), b, headers={}) for b in bodies))
    assert [r.status for r in results] == [201] * 100
    assert [r.excerpt.encode() for r in results] == bodies
