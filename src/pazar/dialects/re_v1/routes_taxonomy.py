"""/taxonomy/v1: the categories and attributes of the RE sites (``X-API-KEY`` only, no user token)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.re_v1.security import api_key
from pazar.services.realestate import auth, taxonomy
from pazar.services.runtime import Session

router = APIRouter()


def _answer(data: Any) -> Response:
    return json_response({"transaction_id": str(uuid.uuid4()), "message": "success", "data": data})


@router.get("/taxonomy/v1/categories")
@router.get("/taxonomy/v1/categories/", include_in_schema=False)
async def all_sites(request: Request, session: Session = SessionDep) -> Response:
    await auth.app_by_api_key(session, api_key(request))
    cache = runtime_of(request).reference
    sites = [
        taxonomy.site_tree(await taxonomy.site_by_urn(session, cache, urn))
        for urn in sorted(await taxonomy.re_site_ids(session))
    ]
    return _answer(sites)


@router.get("/taxonomy/v1/categories/partner/{site_urn}")
async def one_site(site_urn: str, request: Request, session: Session = SessionDep) -> Response:
    await auth.app_by_api_key(session, api_key(request))
    site = await taxonomy.site_by_urn(session, runtime_of(request).reference, site_urn)
    return _answer([taxonomy.site_tree(site)])


@router.get("/taxonomy/v1/categories/partner/{site_urn}/{category_urn}")
async def one_category(
    site_urn: str, category_urn: str, request: Request, session: Session = SessionDep
) -> Response:
    await auth.app_by_api_key(session, api_key(request))
    site = await taxonomy.site_by_urn(session, runtime_of(request).reference, site_urn)
    return _answer(taxonomy.category(taxonomy.category_by_urn(site, category_urn)))
