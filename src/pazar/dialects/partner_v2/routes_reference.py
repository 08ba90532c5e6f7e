"""Reference data: regions, cities, districts, locations, languages, currencies, categories, delivery."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.ids import RowId
from pazar.dialects.common.responses import json_response
from pazar.dialects.partner_v2 import wire
from pazar.dialects.partner_v2.security import READ, V2_ONLY
from pazar.domain.errors import FieldError, ValidationFailed
from pazar.domain.oauth import Principal
from pazar.services import geography
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

router = APIRouter(prefix="/api/partner")


async def _site(request: Request, session: Session) -> SiteSnapshot:
    return await runtime_of(request).reference.get(session, site_id_of(request))


def _data(payload: object) -> Response:
    return json_response({"data": payload})


@router.get("/regions")
async def regions(request: Request, session: Session = SessionDep, _: Principal = Depends(READ)) -> Response:
    site = await _site(request, session)
    return _data([wire.region(r) for r in sorted(site.regions.values(), key=lambda r: r.id)])


@router.get("/regions/{region_id}")
async def region(
    region_id: RowId, request: Request, session: Session = SessionDep, _: Principal = Depends(READ)
) -> Response:
    site = await _site(request, session)
    return _data(wire.region(site.region(region_id)))


@router.get("/cities")
async def cities(
    request: Request,
    offset: int = Query(0, ge=0),
    limit: int = Query(1000, ge=1, le=10000),
    session: Session = SessionDep,
    _: Principal = Depends(READ),
) -> Response:
    site = await _site(request, session)
    ordered = sorted(site.cities.values(), key=lambda c: c.id)
    return _data([wire.city(c) for c in ordered[offset : offset + limit]])


@router.get("/cities/{city_id}")
async def city(
    city_id: RowId, request: Request, session: Session = SessionDep, _: Principal = Depends(READ)
) -> Response:
    site = await _site(request, session)
    return _data(wire.city(site.city(city_id)))


@router.get("/cities/{city_id}/districts")
async def city_districts(
    city_id: RowId, request: Request, session: Session = SessionDep, _: Principal = Depends(READ)
) -> Response:
    site = await _site(request, session)
    site.city(city_id)
    return _data([wire.district(site.districts[d]) for d in site.districts_by_city.get(city_id, [])])


@router.get("/districts")
async def districts(
    request: Request, session: Session = SessionDep, _: Principal = Depends(V2_ONLY)
) -> Response:
    site = await _site(request, session)
    return _data([wire.district(d) for d in sorted(site.districts.values(), key=lambda d: d.id)])


@router.get("/districts/{district_id}")
async def district(
    district_id: RowId, request: Request, session: Session = SessionDep, _: Principal = Depends(READ)
) -> Response:
    site = await _site(request, session)
    return _data(wire.district(site.district(district_id)))


@router.get("/locations")
async def locations(
    request: Request,
    latitude: float | None = Query(None),
    longitude: float | None = Query(None),
    session: Session = SessionDep,
    _: Principal = Depends(READ),
) -> Response:
    errors = [
        FieldError(name, "This value should not be blank.", code="required")
        for name, value in (("latitude", latitude), ("longitude", longitude))
        if value is None
    ]
    if errors:
        raise ValidationFailed(errors)
    assert latitude is not None and longitude is not None
    site = await _site(request, session)
    found = geography.nearest(site, latitude=latitude, longitude=longitude)
    return _data(
        [
            {"city": wire.city(m.city), "district": wire.district(m.district) if m.district else None}
            for m in found
        ]
    )


@router.get("/languages")
async def languages(
    request: Request, session: Session = SessionDep, _: Principal = Depends(READ)
) -> Response:
    site = await _site(request, session)
    return _data(
        [{"code": lang["code"], "is_default": bool(lang.get("is_default"))} for lang in site.languages]
    )


@router.get("/currencies")
async def currencies(
    request: Request, session: Session = SessionDep, _: Principal = Depends(READ)
) -> Response:
    site = await _site(request, session)
    return _data(
        [
            {"code": c["code"], "label": c.get("label", c["code"]), "is_default": bool(c.get("is_default"))}
            for c in site.currencies
        ]
    )


@router.get("/delivery/settings")
async def delivery_settings(
    request: Request, session: Session = SessionDep, _: Principal = Depends(READ)
) -> Response:
    site = await _site(request, session)
    settings = site.config.get("delivery_settings") or {
        "categories": [],
        "price": {"currency_constraint": []},
        "shipping": [],
    }
    return _data(settings)


@router.get("/categories")
async def categories(
    request: Request,
    parent_id: int | None = Query(None),
    session: Session = SessionDep,
    _: Principal = Depends(READ),
) -> Response:
    site = await _site(request, session)
    language = site.language_for(request.headers.get("accept-language"))
    if parent_id is None:
        chosen = sorted(site.categories.values(), key=lambda c: (c.position, c.id))
    else:
        # parent_id=0 lists the roots; an unknown parent simply has no children.
        key = None if parent_id == 0 else parent_id
        chosen = [site.categories[c] for c in site.children.get(key, [])]
    return _data([wire.category(c, language) for c in chosen])


@router.get("/categories/suggestion")
async def category_suggestion(
    request: Request,
    q: str | None = Query(None),
    session: Session = SessionDep,
    _: Principal = Depends(READ),
) -> Response:
    if q is None or len(q.strip()) < 3:
        raise ValidationFailed(
            [
                FieldError(
                    "q", "This value is too short. It should have 3 characters or more.", code="too_short"
                )
            ]
        )
    site = await _site(request, session)
    language = site.language_for(request.headers.get("accept-language"))
    ranked = site.suggestions.rank(q[:500])
    return _data([wire.suggestion(site, category_id, language) for category_id, _score in ranked])


@router.get("/categories/{category_id}")
async def category(
    category_id: RowId, request: Request, session: Session = SessionDep, _: Principal = Depends(READ)
) -> Response:
    site = await _site(request, session)
    language = site.language_for(request.headers.get("accept-language"))
    return _data(wire.category(site.category(category_id), language))


@router.get("/categories/{category_id}/attributes")
async def category_attributes(
    category_id: RowId, request: Request, session: Session = SessionDep, _: Principal = Depends(READ)
) -> Response:
    site = await _site(request, session)
    language = site.language_for(request.headers.get("accept-language"))
    cat = site.category(category_id)
    payload = [wire.attribute(a, language) for a in cat.attributes]
    if category_id in site.config.get("delivery_settings", {}).get("categories", []) and cat.is_leaf:
        payload.append(wire.delivery_proposition(site))
    return _data(payload)
