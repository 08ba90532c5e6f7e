"""What pazar serves besides the API: stored images and the advert links of the status (``/vi``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from pazar.dialects.autoupload import errors
from pazar.dialects.common.context import SessionDep, SiteRouter
from pazar.services.autoupload import images, imports
from pazar.services.runtime import Session

router = APIRouter()


@router.get("/images/{name}")
async def image(name: str, session: Session = SessionDep) -> Response:
    public_id, _, extension = name.partition(".")
    found = await images.stored_image(session, public_id=public_id, extension=extension)
    if found is None:
        return errors.not_found("Image not found")
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


@router.get("/vi/{name}")
async def advert_link(name: str, request: Request, session: Session = SessionDep) -> Response:
    """``/vi/{list_id}.htm`` (the ``url`` of an accepted ad) leads to the advert's page."""
    list_id, _, extension = name.partition(".")
    path = None
    if extension == "htm" and list_id.isascii() and list_id.isdigit() and len(list_id) < 12:
        # The link pazar returns is on its own base URL (e.g. 127.0.0.1): a Host that names no site
        # opens any site's advert, so the link works as given.
        router: SiteRouter = request.app.state.site_router
        host = request.headers.get("host")
        site_id = router.site_for(host) if router.is_mapped(host) else None
        path = await imports.advert_page(session, site_id=site_id, advert_id=int(list_id))
    if path is None:
        return errors.not_found("Advert not found")
    return RedirectResponse(path, status_code=302)
