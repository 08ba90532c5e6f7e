"""The import (PUT), its status (POST with the token) and the published ads (seed §2, §3, §5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from pazar.dialects.autoupload import errors, wire
from pazar.dialects.autoupload.security import TokenRejected, body_of, principal_of
from pazar.dialects.common.body import BodyError
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.responses import json_response
from pazar.domain.brasil import ImportRefused
from pazar.domain.errors import NotFound
from pazar.services.autoupload import imports
from pazar.services.autoupload.rules import param_error_codes
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

router = APIRouter()
SCOPE = "autoupload"


async def _site(request: Request, session: Session) -> SiteSnapshot:
    return await runtime_of(request).reference.get(session, site_id_of(request))


@router.put("/autoupload/import")
async def put_import(request: Request, session: Session = SessionDep) -> Response:
    runtime = runtime_of(request)
    policy = imports.ImportPolicy.from_settings(runtime.settings)
    site = await _site(request, session)

    def params_of(category_id: int | None) -> dict[str, tuple[str, str]]:
        return param_error_codes(site, category_id)

    try:
        imports.ensure_open(policy)
        body = await body_of(request, runtime.settings.autoupload_max_body_bytes)
        try:
            principal = await principal_of(session, request, body, SCOPE)
        except TokenRejected as exc:
            raise ImportRefused(ImportRefused.NO_PERMISSION) from exc
        ads = [wire.read_ad(raw) for raw in wire.ad_list(body)]
        accepted = await imports.submit(
            session,
            site=site,
            principal=principal,
            ads=ads,
            policy=policy,
            clock=runtime.clock,
            tokens=runtime.tokens,
        )
    except ImportRefused as exc:
        return errors.refused(exc, params_of)
    except BodyError as exc:
        return errors.body_error(exc)
    except wire.ShapeError as exc:
        return errors.shape_error(exc.property, exc.message)
    if accepted.ignored:
        message = errors.partial_message(accepted.sent, accepted.imported, accepted.ignored)
        return errors.import_answer(-8, token=accepted.token, message=message)
    return errors.import_answer(0, token=accepted.token)


def _ad(view: imports.AdView, site: SiteSnapshot, base_url: str) -> dict[str, Any]:
    ad: dict[str, Any] = {"status": view.status, "operation": view.operation}
    if view.status == "pending":
        return ad  # before the worker took it there is nothing more to say (seed §3.5.2.1.1)
    if view.operation == imports.EDIT and view.status in ("queued", "accepted") and view.advert_id:
        ad["list_id"] = str(view.advert_id)
    ad["message"] = errors.stored_messages(view.messages, param_error_codes(site, view.category_id))
    if view.operation == imports.INSERT and view.status == "accepted" and view.advert_id:
        ad["url"] = f"{base_url}/vi/{view.advert_id}.htm"
    return ad


@router.post("/autoupload/import/{token}")
async def import_status(token: str, request: Request, session: Session = SessionDep) -> Response:
    body = await body_of(request)
    principal = await principal_of(session, request, body, SCOPE)
    try:
        view = await imports.import_status(session, principal=principal, token=token)
    except NotFound:
        return errors.not_found("Import not found")
    site = await _site(request, session)
    base = runtime_of(request).settings.base_url()
    return json_response(
        {
            "autoupload_status": "done" if view.done else "pending",
            "ads": {ad.ref: _ad(ad, site, base) for ad in view.ads},
        }
    )


@router.post("/autoupload/published")
async def published(request: Request, session: Session = SessionDep) -> Response:
    body = await body_of(request)
    principal = await principal_of(session, request, body, SCOPE)
    rows = await imports.published(session, principal=principal)
    return json_response([{"id": ref, "list_id": str(advert_id)} for ref, advert_id in rows])
