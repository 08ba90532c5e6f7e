"""The public side of an advert: its page (counts views), the phone reveal, observing it."""

from __future__ import annotations

import re
from html import escape

from fastapi import APIRouter, Request
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of, writes
from pazar.dialects.common.ids import RowId, possible_id
from pazar.dialects.common.responses import json_response
from pazar.dialects.console import html, messages
from pazar.dialects.console.authorize import SESSION_COOKIE
from pazar.services import statistics, web_sessions
from pazar.services.runtime import Session

router = APIRouter()

# Any slug before the id: the id alone names the advert (pages of titles slugged before slugs were
# ASCII-only keep working). Anchored, one greedy run: linear in the segment's length.
_PAGE = re.compile(r"^(?:.*-)?ID([0-9a-z]{1,12})\.html$", re.DOTALL)


def advert_id_from(slug: str) -> int | None:
    match = _PAGE.match(slug)
    advert_id = int(match.group(1), 36) if match else None
    return advert_id if advert_id is not None and possible_id(advert_id) else None


@router.get("/d/oferta/{slug}", include_in_schema=False)
@writes  # counts the view
async def advert_page(slug: str, request: Request, session: Session = SessionDep) -> Response:
    advert_id = advert_id_from(slug)
    if advert_id is None:
        return html.error_page("Not found", "This advert does not exist.", 404)
    advert = await statistics.public_advert(session, advert_id)
    await statistics.count_view(session, advert_id)
    price = advert.price or {}
    price_text = (
        f"{price.get('value')} {price.get('currency') or ''}" if price.get("value") is not None else ""
    )
    images = "".join(
        f"<img src='{escape(i['url'])}' alt='' style='max-width:100%' loading='lazy'>"
        for i in advert.images[:3]
    )
    return html.page(
        advert.title,
        f"<h1>{escape(advert.title)}</h1><p><b>{escape(price_text)}</b></p>{images}"
        f"<p style='white-space:pre-wrap'>{escape(advert.description)}</p>"
        f"<p>{escape(str(advert.contact.get('name') or ''))}</p>"
        f"<form method='post' action='/offers/{advert.id}/phone'><button>Show phone</button></form>"
        f"{await messages.buyer_section(request, session, advert)}",
    )


@router.post("/offers/{advert_id}/phone", include_in_schema=False)
async def reveal_phone(advert_id: RowId, session: Session = SessionDep) -> Response:
    advert = await statistics.public_advert(session, advert_id)
    await statistics.count_phone_view(session, advert_id)
    return json_response(
        {"data": {"phones": [advert.contact.get("phone")] if advert.contact.get("phone") else []}}
    )


@router.post("/offers/{advert_id}/observe", include_in_schema=False)
@router.delete("/offers/{advert_id}/observe", include_in_schema=False)
async def observe(advert_id: RowId, request: Request, session: Session = SessionDep) -> Response:
    """Follow (POST) or stop following (DELETE) an advert; needs a logged-in marketplace user."""
    runtime = runtime_of(request)
    user_id = web_sessions.verify(
        request.cookies.get(SESSION_COOKIE),
        key=runtime.secret_key,
        site_id=site_id_of(request),
        now=runtime.clock.now(),
    )
    if user_id is None:
        return json_response({"error": "login required"}, 401)
    await statistics.public_advert(session, advert_id)
    await statistics.observe(
        session, advert_id=advert_id, user_id=user_id, clock=runtime.clock, on=request.method == "POST"
    )
    return Response(status_code=204)
