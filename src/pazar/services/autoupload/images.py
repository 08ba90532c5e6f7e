"""Images of imported ads: downloaded by the worker, checked, stored, served by pazar.

Each written ad with images gets one ``autoupload_images`` job. It downloads every URL the advert does
not hold yet (through the SSRF-guarded ``HttpFetcher``: timeouts, size cap, ``image/*`` only, private
addresses refused unless the operator allows them), decodes each with Pillow (JPEG, PNG or GIF, at
least 260 x 350 pixels either way round), stores the good ones in ``stored_images`` and points the
advert's ``images`` at pazar's copies, in the order sent (the first stays the main image). A URL that
fails is left out and named in the item's messages: ``download_failed`` (could not be fetched),
``undecodable`` (not an image pazar can store) or ``too_small``. Then the ad goes to review.

The downloads happen before the job writes anything, so a slow image server never holds the
database's write lock.
"""

from __future__ import annotations

import asyncio
import io
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image
from sqlalchemy import delete, select

from pazar.db.models import Advert, ImportItem, StoredImage
from pazar.domain import markers
from pazar.domain.brasil import ITEM_PROCESSED, ITEM_REVIEWED
from pazar.fetcher import FetchError, FetchPolicy, HttpFetcher
from pazar.services import adverts
from pazar.services.autoupload.processing import schedule_review
from pazar.services.runtime import Runtime, Session
from pazar.services.sandbox.clock import in_sandbox

DOWNLOAD_FAILED, UNDECODABLE, TOO_SMALL = "download_failed", "undecodable", "too_small"
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "GIF": ("image/gif", "gif")}
EXTENSIONS = {ext: content_type for content_type, ext in FORMATS.values()}
CONCURRENCY = 4  # downloads at once per ad


def fetcher_for(runtime: Runtime) -> HttpFetcher:
    """The runtime's image fetcher, built from the settings on first use."""
    found = runtime.image_fetcher
    if found is None:
        settings = runtime.settings
        found = HttpFetcher(
            FetchPolicy(
                allow_private=settings.image_allow_private,
                connect_timeout=min(5.0, settings.image_timeout_seconds),
                total_timeout=settings.image_timeout_seconds,
                max_bytes=settings.image_max_bytes,
            )
        )
        use_fetcher(runtime, found)
    return found


def use_fetcher(runtime: Runtime, fetcher: HttpFetcher) -> None:
    """Give the runtime's image jobs this fetcher (tests: a local server, a resolver of their own)."""
    runtime.image_fetcher = fetcher


@dataclass(frozen=True, slots=True)
class Checked:
    content_type: str
    extension: str
    width: int
    height: int


class ImageProblem(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def inspect(data: bytes, *, min_short: int, min_long: int, max_pixels: int) -> Checked:
    """Decode the bytes for real; ``ImageProblem`` when they are not a usable image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in FORMATS:
                    raise ImageProblem(UNDECODABLE)
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageProblem(UNDECODABLE)
                image.load()
                content_type, extension = FORMATS[image.format]
    except ImageProblem:
        raise
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ImageProblem(UNDECODABLE) from exc
    if min(width, height) < min_short or max(width, height) < min_long:
        raise ImageProblem(TOO_SMALL)
    return Checked(content_type, extension, width, height)


async def _download(url: str, runtime: Runtime) -> tuple[bytes, Checked] | str:
    settings = runtime.settings
    try:
        fetched = await fetcher_for(runtime).get_bytes(
            url, accept=("image/",), max_bytes=settings.image_max_bytes
        )
    except FetchError:
        return DOWNLOAD_FAILED
    try:
        checked = await asyncio.to_thread(
            inspect,
            fetched.body,
            min_short=settings.image_min_short_side,
            min_long=settings.image_min_long_side,
            max_pixels=settings.image_max_pixels,
        )
    except ImageProblem as problem:
        return problem.code
    return fetched.body, checked


async def _download_all(urls: list[str], runtime: Runtime) -> list[tuple[bytes, Checked] | str]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(url: str) -> tuple[bytes, Checked] | str:
        async with gate:
            return await _download(url, runtime)

    return list(await asyncio.gather(*(one(url) for url in urls)))


def public_url(base_url: str, public_id: str, extension: str) -> str:
    return f"{base_url}/images/{public_id}.{extension}"


async def _failure_asked(session: Session, advert_id: int, runtime: Runtime) -> bool:
    """Sandbox magic value: ``pazar:image-failure`` in the ad's text fails its downloads (none is made)."""
    if not in_sandbox(runtime.clock):
        return False
    text = (
        await session.execute(select(Advert.title, Advert.description).where(Advert.id == advert_id))
    ).first()
    return text is not None and markers.image_failure_in(text.title, text.description)


async def fetch_images(
    session: Session, *, item_id: int, advert_id: int, urls: list[str], runtime: Runtime
) -> None:
    """The ``autoupload_images`` job."""
    held = {
        row.source_url: row
        for row in (
            await session.execute(
                select(StoredImage.source_url, StoredImage.public_id, StoredImage.content_type).where(
                    StoredImage.advert_id == advert_id
                )
            )
        ).all()
    }
    missing = [url for url in urls if url not in held]
    if missing and await _failure_asked(session, advert_id, runtime):
        downloaded: dict[str, tuple[bytes, Checked] | str] = dict.fromkeys(missing, DOWNLOAD_FAILED)
    else:
        downloaded = dict(zip(missing, await _download_all(missing, runtime), strict=True))

    now = runtime.clock.now()
    item = await session.get(ImportItem, item_id, with_for_update=True)
    if item is None or item.state != ITEM_PROCESSED:
        return  # done already
    advert = await session.get(Advert, advert_id, with_for_update=True)
    current = advert is not None and not advert.deleted and advert.extra.get("import_item") == item_id
    messages: list[dict[str, Any]] = []
    kept: list[str] = []
    base = runtime.settings.base_url()
    for position, url in enumerate(urls):
        if url in held:
            row = held[url]
            kept.append(public_url(base, row.public_id, _extension(row.content_type)))
            continue
        outcome = downloaded[url]
        if isinstance(outcome, str):
            messages.append({"image": url, "code": outcome})
            continue
        data, checked = outcome
        public_id = uuid.uuid4().hex
        if current:
            session.add(
                StoredImage(
                    public_id=public_id,
                    advert_id=advert_id,
                    position=position,
                    source_url=url,
                    content_type=checked.content_type,
                    width=checked.width,
                    height=checked.height,
                    size=len(data),
                    data=data,
                    created_at=now,
                )
            )
        kept.append(public_url(base, public_id, checked.extension))
    if current and advert is not None:
        stale = set(held) - set(urls)
        if stale:
            await session.execute(
                delete(StoredImage).where(
                    StoredImage.advert_id == advert_id, StoredImage.source_url.in_(stale)
                )
            )
        advert.images = [{"url": url} for url in kept]
    item.messages = messages
    if advert is None:
        item.state = ITEM_REVIEWED
        return
    site = await runtime.reference.get(session, advert.site_id)
    delay = adverts.moderation_delay(site, runtime.settings.moderation_delay_seconds)
    posted = item.processed_at or now
    await schedule_review(session, item_ids=[item_id], advert_ids=[advert_id], run_at=posted + delay, now=now)


def _extension(content_type: str) -> str:
    return next((ext for ext, ct in EXTENSIONS.items() if ct == content_type), "jpg")


@dataclass(frozen=True, slots=True)
class ServedImage:
    content_type: str
    data: bytes


async def stored_image(session: Session, *, public_id: str, extension: str) -> ServedImage | None:
    """The bytes behind ``/images/{public_id}.{extension}``, or None."""
    row = (
        await session.execute(
            select(StoredImage.content_type, StoredImage.data).where(StoredImage.public_id == public_id)
        )
    ).one_or_none()
    if row is None or EXTENSIONS.get(extension) != row.content_type:
        return None
    return ServedImage(row.content_type, row.data)
