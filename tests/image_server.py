"""A local image server for the logo, banner and attachment tests (a real socket on 127.0.0.1)."""

from __future__ import annotations

import io
import struct
import threading
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

from pazar.fetcher import FetchPolicy, HttpFetcher
from pazar.services.autoupload import images
from support import World

HOST = "images.test"  # a name: the fetcher resolves it to this machine only in these tests


def picture(size: tuple[int, int], fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format=fmt)
    return out.getvalue()


def bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""
    png = bytearray(picture((8, 8), "PNG"))
    ihdr = png[8 + 8 : 8 + 8 + 13]  # after the signature, the chunk's length and type
    ihdr[0:8] = struct.pack(">II", width, height)
    png[16:29] = ihdr
    png[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)))
    return bytes(png)


LOGO = picture((120, 60), "PNG")
BANNER = picture((900, 200), "JPEG")
PICTURES: dict[str, tuple[str, bytes]] = {
    "/logo.png": ("image/png", LOGO),
    "/banner.jpg": ("image/jpeg", BANNER),
    "/anim.gif": ("image/gif", picture((64, 64), "GIF")),
    "/page.html": ("text/html", b"<html>not an image</html>"),
    "/fake.png": ("image/png", b"\x89PNG\r\n\x1a\n but not really"),
    "/bomb.png": ("image/png", bomb(40_000, 40_000)),
    "/tiny.png": ("image/png", picture((1, 1), "PNG")),
    "/bitmap.bmp": ("image/bmp", picture((64, 64), "BMP")),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/huge.png":  # claims 50 MB: refused before a byte of the body is read
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            self.wfile.write(b"\x89PNG" + b"\0" * 1024)
            return
        found = PICTURES.get(path)
        if found is None:
            self.send_error(404)
            return
        content_type, body = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class Resolver:
    async def resolve(self, host: str, port: int) -> list[str]:
        if host == HOST:
            return ["127.0.0.1"]
        raise OSError(f"unknown host {host}")


@contextmanager
def serving() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


@asynccontextmanager
async def local_images(world: World, port: int) -> AsyncIterator[str]:
    """Let this test's app fetch from the local server (only it: private addresses stay refused)."""
    fetcher = HttpFetcher(FetchPolicy(allow_private=True, total_timeout=5.0), resolver=Resolver())
    images.use_fetcher(world.app.runtime, fetcher)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        await fetcher.aclose()
