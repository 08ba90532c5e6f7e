"""Images partners send as URLs (business logos and banners, advert logos, message attachments).

Each URL is fetched through the SSRF-guarded fetcher (private addresses refused, size capped,
``image/*`` only), decoded for real by Pillow in a worker thread (JPEG, PNG or GIF, within the pixel
limit: a decompression bomb is refused before it is decoded), stored once in ``media_images`` and
served by pazar at ``/media/{public_id}.{ext}``. The download happens before any write, so a slow
image server never holds a database lock; the per-site count limit is checked under the owner's lock.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from pazar.db.models import Advert, MediaImage
from pazar.db.queries import lock_user
from pazar.domain import messaging as rules
from pazar.domain.errors import BadRequest, FieldError, NotFound, ValidationFailed
from pazar.fetcher import FetchError
from pazar.services.autoupload import images
from pazar.services.runtime import Runtime, Session

MIN_SIDE = 16  # a logo or an attachment may be small, but not a tracking pixel
EXTENSION_OF = {content_type: ext for content_type, ext in images.FORMATS.values()}


@dataclass(frozen=True, slots=True)
class Fetched:
    source_url: str
    data: bytes
    checked: images.Checked


def _problem(exc: FetchError) -> BadRequest:
    if exc.reason == FetchError.TOO_LARGE:
        return BadRequest("Image error: File is too large", code="image_too_large")
    if exc.reason == FetchError.BAD_CONTENT_TYPE:
        return BadRequest(rules.NOT_AN_IMAGE, code="image_invalid")
    # Blocked addresses look like missing files: no hint about what lives on private networks.
    return BadRequest(rules.REMOTE_FILE_NOT_EXISTS, code="image_unreachable")


def check_url(url: str, field: str = "url") -> str:
    if not url.strip() or len(url) > rules.MAX_URL:
        raise ValidationFailed([FieldError(field, "Invalid value", "invalid")])
    return url.strip()


async def fetch(runtime: Runtime, url: str) -> Fetched:
    """Download and check one image; BadRequest with the documented detail when it is not usable."""
    settings = runtime.settings
    try:
        got = await images.fetcher_for(runtime).get_bytes(
            url, accept=("image/",), max_bytes=settings.image_max_bytes
        )
    except FetchError as exc:
        raise _problem(exc) from exc
    try:
        checked = await asyncio.to_thread(
            images.inspect,
            got.body,
            min_short=MIN_SIDE,
            min_long=MIN_SIDE,
            max_pixels=settings.image_max_pixels,
        )
    except images.ImageProblem as problem:
        raise BadRequest(rules.NOT_AN_IMAGE, code="image_invalid") from problem
    return Fetched(url, got.body, checked)


async def fetch_all(runtime: Runtime, urls: list[str]) -> list[Fetched]:
    gate = asyncio.Semaphore(images.CONCURRENCY)

    async def one(url: str) -> Fetched:
        async with gate:
            return await fetch(runtime, url)

    return list(await asyncio.gather(*(one(u) for u in urls)))


def public_url(base_url: str, row: MediaImage) -> str:
    return f"{base_url}/media/{row.public_id}.{EXTENSION_OF[row.content_type]}"


def _scope(kind: str, *, owner_id: int, advert_id: int | None) -> list[object]:
    if advert_id is not None:
        return [MediaImage.kind == kind, MediaImage.advert_id == advert_id]
    return [MediaImage.kind == kind, MediaImage.owner_id == owner_id]


async def listed(
    session: Session, *, kind: str, owner_id: int, advert_id: int | None = None
) -> list[MediaImage]:
    stmt = (
        select(MediaImage)
        .where(*_scope(kind, owner_id=owner_id, advert_id=advert_id))  # type: ignore[arg-type]
        .order_by(MediaImage.id)
    )
    return list((await session.execute(stmt)).scalars())


async def store(
    session: Session,
    *,
    site_id: str,
    kind: str,
    owner_id: int,
    fetched: list[Fetched],
    now_limit: int,
    runtime: Runtime,
    advert_id: int | None = None,
    names: list[str] | None = None,
) -> list[MediaImage]:
    """Store downloaded images under ``owner_id``'s lock, refusing to go past ``now_limit`` of ``kind``."""
    await lock_user(session, owner_id)
    if kind != rules.ATTACHMENT:
        held = await session.scalar(
            select(func.count())
            .select_from(MediaImage)
            .where(*_scope(kind, owner_id=owner_id, advert_id=advert_id))  # type: ignore[arg-type]
        )
        if int(held or 0) + len(fetched) > now_limit:
            raise rules.image_limit_exceeded()
    now = runtime.clock.now()
    rows = [
        MediaImage(
            public_id=uuid.uuid4().hex,
            site_id=site_id,
            kind=kind,
            owner_id=owner_id,
            advert_id=advert_id,
            name=(names[i] if names else f"{kind}.{f.checked.extension}")[:200],
            source_url=f.source_url[: rules.MAX_URL],
            content_type=f.checked.content_type,
            width=f.checked.width,
            height=f.checked.height,
            size=len(f.data),
            data=f.data,
            created_at=now,
        )
        for i, f in enumerate(fetched)
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def remove(
    session: Session, *, kind: str, owner_id: int, image_id: int, advert_id: int | None = None
) -> None:
    """Delete one image of ``kind``; NotFound when it is not the owner's (or the advert's)."""
    result = await session.execute(
        delete(MediaImage)
        .where(MediaImage.id == image_id, *_scope(kind, owner_id=owner_id, advert_id=advert_id))  # type: ignore[arg-type]
        .returning(MediaImage.id)
    )
    if result.first() is None:
        raise NotFound("Logo not found" if kind != rules.BANNER else "Banner not found")


@dataclass(frozen=True, slots=True)
class Served:
    content_type: str
    data: bytes


async def served(session: Session, *, public_id: str, extension: str) -> Served | None:
    """The bytes behind ``/media/{public_id}.{extension}``, or None (also for a deleted advert's logo)."""
    if len(public_id) != 32 or not public_id.isalnum():
        return None
    row = (
        await session.execute(
            select(MediaImage.content_type, MediaImage.data, Advert.deleted)
            .outerjoin(Advert, Advert.id == MediaImage.advert_id)
            .where(MediaImage.public_id == public_id)
        )
    ).one_or_none()
    if row is None or row.deleted or images.EXTENSIONS.get(extension) != row.content_type:
        return None
    return Served(row.content_type, row.data)
