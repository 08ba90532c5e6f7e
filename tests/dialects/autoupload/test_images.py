"""Images of imported ads: downloaded from a local HTTP server, checked with Pillow, stored, served."""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select
from test_processing import IMPORT, REVIEW, only

from pazar.db.models import Advert, StoredImage
from pazar.fetcher import FetchPolicy, HttpFetcher
from pazar.services.autoupload import images
from support import World, apartment_ad, car_ad, integrator, run_jobs


def picture(size: tuple[int, int], fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format=fmt)
    return out.getvalue()


PICTURES: dict[str, tuple[str, bytes]] = {
    "/big.jpg": ("image/jpeg", picture((800, 600), "JPEG")),
    "/portrait.png": ("image/png", picture((300, 400), "PNG")),
    "/wide.gif": ("image/gif", picture((400, 300), "GIF")),
    "/small.png": ("image/png", picture((200, 200), "PNG")),
    "/thin.jpg": ("image/jpeg", picture((1000, 250), "JPEG")),
    "/page.jpg": ("text/html", b"<html>not an image</html>"),
    "/fake.jpg": ("image/jpeg", b"\xff\xd8\xff\xe0 this is not really a jpeg"),
    "/bitmap.bmp": ("image/bmp", picture((800, 600), "BMP")),
}


class Handler(BaseHTTPRequestHandler):
    hits: Counter[str] = Counter()

    def do_GET(self) -> None:
        Handler.hits[self.path] += 1
        if self.path == "/moved.jpg":
            self.send_response(302)
            self.send_header("Location", "/big.jpg")
            self.end_headers()
            return
        found = PICTURES.get(self.path)
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
    """images.test is this machine (a name, as the advert core refuses literal private addresses)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    async def resolve(self, host: str, port: int) -> list[str]:
        if host in self.table:
            return [self.table[host]]
        raise OSError(f"unknown host {host}")


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
async def local_images(world: World, server: int) -> AsyncIterator[str]:
    fetcher = HttpFetcher(
        FetchPolicy(allow_private=True, total_timeout=5.0), resolver=Resolver({"images.test": "127.0.0.1"})
    )
    images.use_fetcher(world.app.runtime, fetcher)
    yield f"http://images.test:{server}"
    await fetcher.aclose()


async def _advert(world: World, ref: str, user_id: int) -> Advert:
    async with world.app.runtime.db.transaction() as session:
        stmt = select(Advert).where(
            Advert.external_id == ref, Advert.deleted.is_(False), Advert.user_id == user_id
        )
        advert = (await session.execute(stmt)).scalar_one()
        return advert


async def _stored(world: World, advert_id: int) -> int:
    async with world.app.runtime.db.transaction() as session:
        stmt = select(func.count()).select_from(StoredImage).where(StoredImage.advert_id == advert_id)
        return int(await session.scalar(stmt) or 0)


async def test_images_are_downloaded_checked_stored_and_served(world: World, local_images: str) -> None:
    me = await integrator(world)
    urls = [
        f"{local_images}{p}" for p in ("/big.jpg", "/small.png", "/page.jpg", "/portrait.png", "/nope.jpg")
    ]
    token = await me.imported([car_ad("img-1", images=urls)])
    await only(world, IMPORT, REVIEW)  # no review before the images are in
    assert (await me.status(token))["ads"]["img-1"] == {
        "status": "queued",
        "operation": "insert",
        "message": [],
    }
    await run_jobs(world)
    ad = (await me.status(token))["ads"]["img-1"]
    assert ad["status"] == "accepted"
    assert ad["message"] == ["ERROR_IMAGE_TOO_SMALL", "ERROR_DOWNLOADING_IMAGE", "ERROR_DOWNLOADING_IMAGE"]
    advert = await _advert(world, "img-1", me.user.id)
    base = world.app.runtime.settings.base_url()
    assert len(advert.images) == 2 and all(i["url"].startswith(f"{base}/images/") for i in advert.images)
    assert advert.images[0]["url"].endswith(".jpg") and advert.images[1]["url"].endswith(".png")  # order kept
    served = await world.http.get(advert.images[0]["url"].removeprefix(base))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.content == PICTURES["/big.jpg"][1]
    assert "immutable" in served.headers["cache-control"]
    wrong_extension = await world.http.get(advert.images[0]["url"].removeprefix(base).replace(".jpg", ".png"))
    assert wrong_extension.status_code == 404
    assert (await world.http.get("/images/0123456789abcdef.jpg")).status_code == 404


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/wide.gif", None),
        ("/moved.jpg", None),  # a redirect on the same (allowed) host
        ("/thin.jpg", "ERROR_IMAGE_TOO_SMALL"),  # 250 px high
        ("/small.png", "ERROR_IMAGE_TOO_SMALL"),
        ("/fake.jpg", "ERROR_UPLOADING_IMAGE"),  # labelled a JPEG, does not decode
        ("/bitmap.bmp", "ERROR_UPLOADING_IMAGE"),  # an image, but not JPEG, PNG or GIF
        ("/page.jpg", "ERROR_DOWNLOADING_IMAGE"),  # not an image content type
        ("/gone.jpg", "ERROR_DOWNLOADING_IMAGE"),  # 404
    ],
)
async def test_each_kind_of_image(world: World, local_images: str, path: str, message: str | None) -> None:
    me = await integrator(world)
    token = await me.imported([apartment_ad("one", images=[f"{local_images}{path}"])])
    await run_jobs(world)
    ad = (await me.status(token))["ads"]["one"]
    assert ad["status"] == "accepted"
    assert ad["message"] == ([message] if message else [])
    assert len((await _advert(world, "one", me.user.id)).images) == (0 if message else 1)


async def test_a_body_over_the_size_cap_is_not_downloaded(world: World, local_images: str) -> None:
    world.app.runtime.settings.image_max_bytes = 1000
    me = await integrator(world)
    token = await me.imported([apartment_ad("big", images=[f"{local_images}/big.jpg"])])
    await run_jobs(world)
    assert (await me.status(token))["ads"]["big"]["message"] == ["ERROR_DOWNLOADING_IMAGE"]


async def test_an_edit_keeps_what_it_has_and_drops_what_it_lost(world: World, local_images: str) -> None:
    me = await integrator(world)
    first = [f"{local_images}/big.jpg", f"{local_images}/portrait.png"]
    await me.imported([apartment_ad("e", images=first)])
    await run_jobs(world)
    advert = await _advert(world, "e", me.user.id)
    before = dict(Handler.hits)
    await me.imported(
        [apartment_ad("e", images=[f"{local_images}/portrait.png", f"{local_images}/wide.gif"])]
    )
    await run_jobs(world)
    assert Handler.hits["/portrait.png"] == before.get("/portrait.png", 0)  # reused, not fetched again
    assert Handler.hits["/wide.gif"] == before.get("/wide.gif", 0) + 1
    edited = await _advert(world, "e", me.user.id)
    assert edited.images[0] == advert.images[1]  # the portrait, now the main image
    assert edited.images[1]["url"].endswith(".gif")
    assert await _stored(world, advert.id) == 2
    await me.imported([apartment_ad("e")])  # no images any more
    await run_jobs(world)
    assert await _stored(world, advert.id) == 0 and (await _advert(world, "e", me.user.id)).images == []
    await me.imported([apartment_ad("e", images=first)])
    await run_jobs(world)
    assert await _stored(world, advert.id) == 2
    await me.imported([{"id": "e", "operation": "delete"}])
    await run_jobs(world)
    assert await _stored(world, advert.id) == 0


async def test_a_redirect_to_a_private_address_is_refused(world: World, server: int) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "cdn.example.com":
            return httpx.Response(302, headers={"Location": f"http://127.0.0.1:{server}/big.jpg"})
        return httpx.Response(200, headers={"Content-Type": "image/jpeg"}, content=PICTURES["/big.jpg"][1])

    fetcher = HttpFetcher(
        FetchPolicy(allow_private=False, total_timeout=5.0),
        resolver=Resolver({"cdn.example.com": "93.184.216.34"}),
        transport=httpx.MockTransport(answer),
    )
    images.use_fetcher(world.app.runtime, fetcher)
    me = await integrator(world)
    token = await me.imported([apartment_ad("r", images=["https://cdn.example.com/photo.jpg"])])
    await run_jobs(world)
    ad = (await me.status(token))["ads"]["r"]
    assert ad["message"] == ["ERROR_DOWNLOADING_IMAGE"] and ad["status"] == "accepted"
    await fetcher.aclose()


async def test_the_settings_build_the_fetcher(world: World) -> None:
    runtime = world.app.runtime
    runtime.settings.image_allow_private = False
    fetcher = images.fetcher_for(runtime)
    assert images.fetcher_for(runtime) is fetcher
    with pytest.raises(Exception, match="resolves to"):
        await fetcher.get_bytes("http://127.0.0.1:9/x.jpg")


def test_inspect_refuses_oversized_pictures() -> None:
    with pytest.raises(images.ImageProblem) as refused:
        images.inspect(PICTURES["/big.jpg"][1], min_short=260, min_long=350, max_pixels=1000)
    assert refused.value.code == images.UNDECODABLE
    checked = images.inspect(PICTURES["/portrait.png"][1], min_short=260, min_long=350, max_pixels=10**6)
    assert (checked.content_type, checked.width, checked.height) == ("image/png", 300, 400)


async def test_the_image_failure_marker_fails_every_download(world: World, local_images: str) -> None:
    """Sandbox magic value: no download is made, each image answers as an unreachable one would."""
    Handler.hits.clear()
    me = await integrator(world)
    ad = apartment_ad("marked", images=[f"{local_images}/big.jpg", f"{local_images}/wide.gif"])
    ad["body"] = f"{ad['body']} pazar:image-failure"
    token = await me.imported([ad])
    await run_jobs(world)
    assert (await me.status(token))["ads"]["marked"]["message"] == ["ERROR_DOWNLOADING_IMAGE"] * 2
    assert Handler.hits["/big.jpg"] == Handler.hits["/wide.gif"] == 0
    assert (await _advert(world, "marked", me.user.id)).images == []
