"""Business accounts and logos (seed 002): business data, its logos and banners, advert logos."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from pazar.dialects.common.body import parse_json, read_limited
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.responses import json_response, no_content
from pazar.dialects.partner_v2 import wire_messaging
from pazar.dialects.partner_v2.schemas import INT32, Text, _Shape, parse
from pazar.dialects.partner_v2.security import READ_USER, WRITE_USER
from pazar.domain import messaging as rules
from pazar.domain.oauth import Principal
from pazar.services import adverts, business, media
from pazar.services.runtime import Session

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


async def _body(request: Request) -> Any:
    return parse_json(await read_limited(request, runtime_of(request).settings.max_body_bytes))


def _base(request: Request) -> str:
    return runtime_of(request).settings.base_url()


def _business_json(request: Request, view: business.BusinessView) -> dict[str, Any]:
    base = _base(request)
    return wire_messaging.business(
        view,
        logo_url=media.public_url(base, view.logo) if view.logo else None,
        banner_url=media.public_url(base, view.banner) if view.banner else None,
    )


async def _limits(request: Request, session: Session) -> rules.ImageLimits:
    site = await runtime_of(request).reference.get(session, site_id_of(request))
    return rules.ImageLimits.from_config(site.config)


@router.get("/users-business/me")
async def get_business(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(READ_USER)
) -> Response:
    view = await business.view(session, site_id=principal.site_id, user_id=adverts.owner_of(principal))
    return json_response({"data": _business_json(request, view)})


@router.put("/users-business/me")
async def put_business(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE_USER)
) -> Response:
    body = parse(BusinessIn, await _body(request))
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
        session,
        site_id=principal.site_id,
        user_id=adverts.owner_of(principal),
        change=change,
        clock=runtime_of(request).clock,
    )
    return json_response({"data": _business_json(request, view)})


async def _business_images(request: Request, session: Session, principal: Principal, kind: str) -> Response:
    user = await business.business_user(
        session, site_id=principal.site_id, user_id=adverts.owner_of(principal)
    )
    base = _base(request)
    rows = await media.listed(session, kind=kind, owner_id=user.id)
    return json_response(
        {"data": [wire_messaging.business_image(r, media.public_url(base, r)) for r in rows]}
    )


async def _add_business_image(
    request: Request, session: Session, principal: Principal, kind: str
) -> Response:
    body = parse(ImageIn, await _body(request))
    url = media.check_url(body.url)
    user = await business.business_user(
        session, site_id=principal.site_id, user_id=adverts.owner_of(principal)
    )
    limits = await _limits(request, session)
    runtime = runtime_of(request)
    fetched = await media.fetch(runtime, url)  # before any write: no lock held while downloading
    await media.store(
        session,
        site_id=principal.site_id,
        kind=kind,
        owner_id=user.id,
        fetched=[fetched],
        now_limit=limits.of(kind),
        runtime=runtime,
    )
    return await _business_images(request, session, principal, kind)


async def _delete_business_image(
    session: Session, principal: Principal, kind: str, image_id: int
) -> Response:
    user = await business.business_user(
        session, site_id=principal.site_id, user_id=adverts.owner_of(principal)
    )
    await media.remove(session, kind=kind, owner_id=user.id, image_id=image_id)
    return no_content()


@router.get("/users-business/me/logos")
async def business_logos(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(READ_USER)
) -> Response:
    return await _business_images(request, session, principal, rules.LOGO)


@router.post("/users-business/me/logos")
async def add_business_logo(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE_USER)
) -> Response:
    return await _add_business_image(request, session, principal, rules.LOGO)


@router.delete("/users-business/me/logos/{logo_id}")
async def delete_business_logo(
    logo_id: int = LogoId, session: Session = SessionDep, principal: Principal = Depends(WRITE_USER)
) -> Response:
    return await _delete_business_image(session, principal, rules.LOGO, logo_id)


@router.get("/users-business/me/banners")
async def business_banners(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(READ_USER)
) -> Response:
    return await _business_images(request, session, principal, rules.BANNER)


@router.post("/users-business/me/banners")
async def add_business_banner(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE_USER)
) -> Response:
    return await _add_business_image(request, session, principal, rules.BANNER)


@router.delete("/users-business/me/banners/{banner_id}")
async def delete_business_banner(
    banner_id: int = BannerId, session: Session = SessionDep, principal: Principal = Depends(WRITE_USER)
) -> Response:
    return await _delete_business_image(session, principal, rules.BANNER, banner_id)


@router.get("/adverts/{advert_id}/logos")
async def advert_logos(
    request: Request,
    advert_id: int = AdvertId,
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    advert = await adverts.get_owned(session, principal=principal, advert_id=advert_id)
    base = _base(request)
    rows = await media.listed(session, kind=rules.ADVERT_LOGO, owner_id=advert.user_id, advert_id=advert.id)
    return json_response({"data": [wire_messaging.logo(r, media.public_url(base, r)) for r in rows]})


@router.post("/adverts/{advert_id}/logos")
async def add_advert_logo(
    request: Request,
    advert_id: int = AdvertId,
    session: Session = SessionDep,
    principal: Principal = Depends(WRITE_USER),
) -> Response:
    body = parse(ImageIn, await _body(request))
    url = media.check_url(body.url)
    advert = await adverts.get_owned(session, principal=principal, advert_id=advert_id)
    limits = await _limits(request, session)
    runtime = runtime_of(request)
    fetched = await media.fetch(runtime, url)
    (row,) = await media.store(
        session,
        site_id=principal.site_id,
        kind=rules.ADVERT_LOGO,
        owner_id=advert.user_id,
        advert_id=advert.id,
        fetched=[fetched],
        now_limit=limits.advert_logos,
        runtime=runtime,
    )
    return json_response({"data": wire_messaging.logo(row, media.public_url(_base(request), row))})


@router.delete("/adverts/{advert_id}/logos/{logo_id}")
async def delete_advert_logo(
    advert_id: int = AdvertId,
    logo_id: int = LogoId,
    session: Session = SessionDep,
    principal: Principal = Depends(WRITE_USER),
) -> Response:
    advert = await adverts.get_owned(session, principal=principal, advert_id=advert_id)
    await media.remove(
        session, kind=rules.ADVERT_LOGO, owner_id=advert.user_id, image_id=logo_id, advert_id=advert.id
    )
    return no_content()
