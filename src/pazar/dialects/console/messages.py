"""The buyer's side of messaging on the public advert page, and the images pazar serves (/media).

A registered user (logged in through the login page) writes as themself; anyone else writes as a
guest with a name and an e-mail, and gets a signed ``pazar_buyer`` cookie so they see the
conversation, the seller's replies included, when they come back. Every text is escaped.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from pazar.dialects.common.body import BodyError, parse_form, read_limited
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.console import html
from pazar.dialects.console.authorize import SESSION_COOKIE
from pazar.domain import messaging as rules
from pazar.domain.errors import ValidationFailed
from pazar.services import adverts, media, messaging, statistics, web_sessions
from pazar.services.entities import Advert
from pazar.services.runtime import Session

router = APIRouter()

BUYER_COOKIE = "pazar_buyer"
FORM_LIMIT = 64 * 1024
MAX_ID = 2_147_483_647


def _viewer(request: Request) -> tuple[int | None, int | None, str]:
    """(registered user id, guest user id, the cookie value the CSRF token is bound to)."""
    runtime = runtime_of(request)
    site, now = site_id_of(request), runtime.clock.now()
    session_value = request.cookies.get(SESSION_COOKIE)
    user_id = web_sessions.verify(session_value, key=runtime.secret_key, site_id=site, now=now)
    if user_id is not None:
        return user_id, None, session_value or ""
    buyer_value = request.cookies.get(BUYER_COOKIE)
    guest_id = messaging.buyer_from_cookie(buyer_value, key=runtime.secret_key, site_id=site, now=now)
    return None, guest_id, (buyer_value or "") if guest_id is not None else ""


def _csrf(request: Request, bound_to: str, advert_id: int) -> str:
    return web_sessions.csrf_token(
        key=runtime_of(request).secret_key, session_value=bound_to, purpose=f"message:{advert_id}"
    )


async def buyer_section(request: Request, session: Session, advert: Advert) -> str:
    """The conversation with the seller (if any) and the form to write to them."""
    user_id, guest_id, bound_to = _viewer(request)
    buyer_id = user_id or guest_id
    if buyer_id == advert.user_id:
        return "<p class='muted'>This is your advert: buyers' messages reach you through the API.</p>"
    items = []
    if buyer_id is not None:
        for m in await messaging.conversation(session, advert_id=advert.id, buyer_id=buyer_id):
            who = "You" if m.author_id == buyer_id else "Seller"
            files = "".join(
                f"<li><a href='{escape(a['url'])}' rel='noopener'>{escape(a['name'])}</a></li>"
                for a in m.attachments
            )
            items.append(
                f"<div class='message'><b>{who}</b> <span class='muted'>"
                f"{m.created_at.strftime('%Y-%m-%d %H:%M')}</span>"
                f"<p style='white-space:pre-wrap'>{escape(m.text)}</p>"
                f"{f'<p>Phone: {escape(m.phone)}</p>' if m.phone else ''}"
                f"{f'<ul>{files}</ul>' if files else ''}</div>"
            )
    who_fields = (
        ""
        if user_id is not None
        else "<label>Your name <input name='name' maxlength='200' required></label>"
        "<label>E-mail <input name='email' type='email' maxlength='254' required></label>"
    )
    csrf = html.hidden_fields({"csrf": _csrf(request, bound_to, advert.id)}) if bound_to else ""
    return (
        f"<section id='messages'><h2>Write to the seller</h2>{''.join(items)}"
        f"<form method='post' action='/offers/{advert.id}/messages'>{csrf}{who_fields}"
        f"<label>Message <textarea name='text' maxlength='{rules.MAX_TEXT}' rows='4' required></textarea></label>"
        "<label>Image URL (optional) <input name='attachment_url' type='url' maxlength='2048'></label>"
        "<button type='submit'>Send</button></form></section>"
    )


def _problem(exc: ValidationFailed) -> Response:
    detail = "; ".join(f"{e.field}: {e.title}" for e in exc.errors)
    return html.error_page("Message not sent", detail, 400)


@router.post("/offers/{advert_id}/messages", include_in_schema=False)
async def send(advert_id: str, request: Request, session: Session = SessionDep) -> Response:
    if not advert_id.isascii() or not advert_id.isdigit() or int(advert_id) > MAX_ID:
        return html.error_page("Not found", "This advert does not exist.", 404)
    runtime = runtime_of(request)
    site = site_id_of(request)
    try:
        form = parse_form(await read_limited(request, FORM_LIMIT))
    except BodyError as exc:
        return html.error_page(
            "Message not sent", exc.message, 413 if exc.reason == BodyError.TOO_LARGE else 400
        )
    user_id, guest_id, bound_to = _viewer(request)
    if bound_to and form.get("csrf") != _csrf(request, bound_to, int(advert_id)):
        return html.error_page(
            "Message not sent", "The form has expired: reload the page and try again.", 400
        )
    advert = await statistics.public_advert(session, int(advert_id))
    set_cookie = False
    try:
        urls = messaging.check_attachment_urls([u for u in [form.get("attachment_url", "").strip()] if u])
        fetched = await media.fetch_all(runtime, urls)  # before any write: no lock held while downloading
        if user_id is not None:
            buyer = await messaging.registered_buyer(session, site_id=site, user_id=user_id)
        else:
            name, email = form.get("name", ""), form.get("email", "")
            returning = (
                await messaging.returning_guest(
                    session, site_id=site, user_id=guest_id, name=name, email=email
                )
                if guest_id is not None
                else None
            )
            buyer = returning or await messaging.guest_buyer(
                session, site_id=site, name=name, email=email, clock=runtime.clock
            )
            set_cookie = returning is None
        rules.message_text(form.get("text", ""))
        stored = await messaging.attach(
            session, runtime=runtime, site_id=site, author_id=buyer.user_id, urls=urls, fetched=fetched
        )
        await messaging.post_as_buyer(
            session,
            site_id=site,
            advert_id=advert.id,
            buyer=buyer,
            text=form.get("text", ""),
            clock=runtime.clock,
            attachments=stored,
        )
    except ValidationFailed as exc:
        return _problem(exc)
    response = RedirectResponse(f"{adverts.advert_path(advert)}#messages", status_code=303)
    if set_cookie:
        cookie = messaging.buyer_cookie(
            key=runtime.secret_key, user_id=buyer.user_id, site_id=site, now=runtime.clock.now()
        )
        response.set_cookie(
            BUYER_COOKIE,
            cookie,
            httponly=True,
            samesite="lax",
            max_age=int(messaging.BUYER_TTL.total_seconds()),
        )
    return response


@router.get("/media/{name}", include_in_schema=False)
async def media_file(name: str, session: Session = SessionDep) -> Response:
    public_id, _, extension = name.partition(".")
    found = await media.served(session, public_id=public_id, extension=extension)
    if found is None:
        return html.error_page("Not found", "This file does not exist.", 404)
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"},
    )
