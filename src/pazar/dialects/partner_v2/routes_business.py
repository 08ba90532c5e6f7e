"""Business accounts and logos (seed 002): business data, its logos and banners, advert logos."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from starlette.responses import Response

from pazar.dialects.common.responses import json_response, no_content
from pazar.dialects.partner_v2 import wire_messaging
from pazar.dialects.partner_v2.caller import Caller, Reader, Writer
from pazar.dialects.partner_v2.schemas import INT32, Text, _Shape
from pazar.domain import messaging as rules
from pazar.services import adverts, business, media

router = APIRouter(prefix="/api/partner")

# One Path per parameter name: FastAPI binds a Path object to the first name it is used with.
LogoId = Path(ge=1, le=INT32)
BannerId = Path(ge=1, le=INT32)
AdvertId = Path(ge=1, le=INT32)
Scalar = Text | int


class AddressIn(_Shape):
    street: Scalar | None = None
    number: Scalar | None = None
    postcode: Scalar | None = None
    city: Scalar | None = None


class BusinessIn(_Shape):
    name: Text | None = None
    description: Text | None = None
    subdomain: Text | None = None
    website_url: Text | None = None
    address: AddressIn | None = None
    phones: list[Scalar] | None = None


class ImageIn(_Shape):
    url: Text


def _str(value: Scalar | None) -> str | None:
    return None if value is None else str(value)


def _business_json(me: Caller, view: business.BusinessView) -> dict[str, Any]:
    base = me.base_url()
    return wire_messaging.business(
        view,
        logo_url=media.public_url(base, view.logo) if view.logo else None,
        banner_url=media.public_url(base, view.banner) if view.banner else None,
    )


async def _limits(me: Caller) -> rules.ImageLimits:
    return rules.ImageLimits.from_config((await me.site()).config)


@router.get("/users-business/me")
async def get_business(me: Reader) -> Response:
    view = await business.view(me.session, site_id=me.site_id, user_id=me.user_id)
    return json_response({"data": _business_json(me, view)})


@router.put("/users-business/me")
async def put_business(me: Writer) -> Response:
    body = await me.body(BusinessIn)
    change = business.BusinessUpdate(
        name=body.name,
        description=body.description,
        subdomain=body.subdomain,
        website_url=body.website_url,
        address={part: _str(getattr(body.address, part)) for part in business.ADDRESS_PARTS}
        if body.address is not None
        else None,
        phones=[str(p) for p in body.phones] if body.phones is not None else None,
    )
    view = await business.update(
        me.session,
        site_id=me.site_id,
        user_id=me.user_id,
        change=change,
        clock=me.runtime.clock,
    )
    return json_response({"data": _business_json(me, view)})


async def _business_images(me: Caller, kind: str) -> Response:
    user = await business.business_user(me.session, site_id=me.site_id, user_id=me.user_id)
    base = me.base_url()
    rows = await media.listed(me.session, kind=kind, owner_id=user.id)
    return json_response(
        {"data": [wire_messaging.business_image(r, media.public_url(base, r)) for r in rows]}
    )


async def _add_business_image(me: Caller, kind: str) -> Response:
    body = await me.body(ImageIn)
    url = media.check_url(body.url)
    user = await business.business_user(me.session, site_id=me.site_id, user_id=me.user_id)
    limits = await _limits(me)
    runtime = me.runtime
    fetched = await media.fetch(runtime, url)  # before any write: no lock held while downloading
    await media.store(
        me.session,
        site_id=me.site_id,
        kind=kind,
        owner_id=user.id,
        fetched=[fetched],
        now_limit=limits.of(kind),
        runtime=runtime,
    )
    return await _business_images(me, kind)


async def _delete_business_image(me: Caller, kind: str, image_id: int) -> Response:
    user = await business.business_user(me.session, site_id=me.site_id, user_id=me.user_id)
    await media.remove(me.session, kind=kind, owner_id=user.id, image_id=image_id)
    return no_content()


@router.get("/users-business/me/logos")
async def business_logos(me: Reader) -> Response:
    return await _business_images(me, rules.LOGO)


@router.post("/users-business/me/logos")
async def add_business_logo(me: Writer) -> Response:
    return await _add_business_image(me, rules.LOGO)


@router.delete("/users-business/me/logos/{logo_id}")
async def delete_business_logo(me: Writer, logo_id: int = LogoId) -> Response:
    return await _delete_business_image(me, rules.LOGO, logo_id)


@router.get("/users-business/me/banners")
async def business_banners(me: Reader) -> Response:
    return await _business_images(me, rules.BANNER)


@router.post("/users-business/me/banners")
async def add_business_banner(me: Writer) -> Response:
    return await _add_business_image(me, rules.BANNER)


@router.delete("/users-business/me/banners/{banner_id}")
async def delete_business_banner(me: Writer, banner_id: int = BannerId) -> Response:
    return await _delete_business_image(me, rules.BANNER, banner_id)


@router.get("/adverts/{advert_id}/logos")
async def advert_logos(
    me: Reader,
    advert_id: int = AdvertId,
) -> Response:
    advert = await adverts.get_owned(me.session, principal=me.principal, advert_id=advert_id)
    base = me.base_url()
    rows = await media.listed(
        me.session, kind=rules.ADVERT_LOGO, owner_id=advert.user_id, advert_id=advert.id
    )
    return json_response({"data": [wire_messaging.logo(r, media.public_url(base, r)) for r in rows]})


@router.post("/adverts/{advert_id}/logos")
async def add_advert_logo(
    me: Writer,
    advert_id: int = AdvertId,
) -> Response:
    body = await me.body(ImageIn)
    url = media.check_url(body.url)
    advert = await adverts.get_owned(me.session, principal=me.principal, advert_id=advert_id)
    limits = await _limits(me)
    runtime = me.runtime
    fetched = await media.fetch(runtime, url)
    (row,) = await media.store(
        me.session,
        site_id=me.site_id,
        kind=rules.ADVERT_LOGO,
        owner_id=advert.user_id,
        advert_id=advert.id,
        fetched=[fetched],
        now_limit=limits.advert_logos,
        runtime=runtime,
    )
    return json_response({"data": wire_messaging.logo(row, media.public_url(me.base_url(), row))})


@router.delete("/adverts/{advert_id}/logos/{logo_id}")
async def delete_advert_logo(
    me: Writer,
    advert_id: int = AdvertId,
    logo_id: int = LogoId,
) -> Response:
    advert = await adverts.get_owned(me.session, principal=me.principal, advert_id=advert_id)
    await media.remove(
        me.session, kind=rules.ADVERT_LOGO, owner_id=advert.user_id, image_id=logo_id, advert_id=advert.id
    )
    return no_content()
