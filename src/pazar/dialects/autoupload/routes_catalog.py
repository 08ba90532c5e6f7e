"""The vehicle catalogues: brands, models, versions, cubic capacities (seed §4)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from pazar.dialects.autoupload.security import body_of, principal_of
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.responses import json_response
from pazar.services.autoupload import catalog
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

router = APIRouter()


async def _site(request: Request, session: Session) -> SiteSnapshot:
    body = await body_of(request)
    await principal_of(session, request, body, "autoupload")
    return await runtime_of(request).reference.get(session, site_id_of(request))


def _ok(data: Any) -> Response:
    return json_response({"status": "ok", "data": data})


for _kind in catalog.KINDS:

    def _routes(kind: str) -> None:
        @router.post(f"/autoupload/{kind}_info")
        async def brands(request: Request, session: Session = SessionDep) -> Response:
            return _ok(catalog.brands(await _site(request, session), kind))

        @router.post(f"/autoupload/{kind}_info/{{brand}}")
        async def models(brand: str, request: Request, session: Session = SessionDep) -> Response:
            return _ok(catalog.models(await _site(request, session), kind, brand))

        @router.post(f"/autoupload/{kind}_info/{{brand}}/{{model}}")
        async def versions(
            brand: str, model: str, request: Request, session: Session = SessionDep
        ) -> Response:
            return _ok(catalog.versions(await _site(request, session), kind, brand, model))

    _routes(_kind)


@router.post("/autoupload/moto_cubiccms_info")
async def cubic_capacities(request: Request, session: Session = SessionDep) -> Response:
    return _ok(catalog.cubic_capacities(await _site(request, session)))
