"""Threads & messages (seed 002): list and read threads, read and post messages, thread commands."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import StrictBool
from starlette.responses import Response

from pazar.dialects.common.body import parse_json, read_limited
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.common.responses import json_response, no_content
from pazar.dialects.partner_v2 import wire, wire_messaging
from pazar.dialects.partner_v2.schemas import INT32, Text, _Shape, parse
from pazar.dialects.partner_v2.security import READ_USER, WRITE_USER
from pazar.domain import messaging as rules
from pazar.domain.oauth import Principal
from pazar.services import adverts, media, messaging
from pazar.services.runtime import Session

router = APIRouter(prefix="/api/partner")

ThreadId = Path(ge=1, le=INT32)
MessageId = Path(ge=1, le=INT32)


class AttachmentIn(_Shape):
    url: Text


class MessageIn(_Shape):
    text: Text
    attachments: list[AttachmentIn] | None = None
    phone: Text | int | None = None


class ThreadCommandIn(_Shape):
    command: Text
    is_favourite: StrictBool | None = None


async def _body(request: Request) -> Any:
    return parse_json(await read_limited(request, runtime_of(request).settings.max_body_bytes))


async def _zone(request: Request, session: Session) -> Any:
    return wire.site_zone(await runtime_of(request).reference.get(session, site_id_of(request)))


@router.get("/threads")
async def list_threads(
    request: Request,
    advert_id: int | None = Query(None, ge=0, le=INT32),
    interlocutor_id: int | None = Query(None, ge=0, le=INT32),
    offset: int = Query(0, ge=0, le=INT32),
    limit: int = Query(50, ge=1, le=1000),
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    found = await messaging.threads_of(
        session,
        owner_id=adverts.owner_of(principal),
        site_id=principal.site_id,
        advert_id=advert_id,
        interlocutor_id=interlocutor_id,
        offset=offset,
        limit=limit,
    )
    tz = await _zone(request, session)
    return json_response({"data": [wire_messaging.thread(t, tz) for t in found]})


@router.get("/threads/{thread_id}")
async def get_thread(
    request: Request,
    thread_id: int = ThreadId,
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    view = await messaging.thread_of(
        session, owner_id=adverts.owner_of(principal), site_id=principal.site_id, thread_id=thread_id
    )
    return json_response({"data": wire_messaging.thread(view, await _zone(request, session))})


@router.get("/threads/{thread_id}/messages")
async def list_messages(
    request: Request,
    thread_id: int = ThreadId,
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    owner = adverts.owner_of(principal)
    found = await messaging.messages_of(
        session, owner_id=owner, site_id=principal.site_id, thread_id=thread_id
    )
    tz = await _zone(request, session)
    return json_response({"data": [wire_messaging.message(m, owner_id=owner, tz=tz) for m in found]})


@router.get("/threads/{thread_id}/messages/{message_id}")
async def get_message(
    request: Request,
    thread_id: int = ThreadId,
    message_id: int = MessageId,
    session: Session = SessionDep,
    principal: Principal = Depends(READ_USER),
) -> Response:
    owner = adverts.owner_of(principal)
    found = await messaging.message_of(
        session, owner_id=owner, site_id=principal.site_id, thread_id=thread_id, message_id=message_id
    )
    tz = await _zone(request, session)
    return json_response({"data": wire_messaging.message(found, owner_id=owner, tz=tz)})


@router.post("/threads/{thread_id}/messages")
async def post_message(
    request: Request,
    thread_id: int = ThreadId,
    session: Session = SessionDep,
    principal: Principal = Depends(WRITE_USER),
) -> Response:
    body = parse(MessageIn, await _body(request))
    owner = adverts.owner_of(principal)
    runtime = runtime_of(request)
    site = await runtime.reference.get(session, site_id_of(request))
    rules.message_text(body.text)  # refuse a bad text before downloading anything
    view = await messaging.thread_of(session, owner_id=owner, site_id=principal.site_id, thread_id=thread_id)
    category_id = await messaging.advert_category(session, view.thread.advert_id)
    phone = rules.message_phone(
        None if body.phone is None else str(body.phone),
        jobs_category=adverts.is_jobs_category(site, category_id),
    )
    urls = messaging.check_attachment_urls([a.url for a in body.attachments or []])
    fetched = await media.fetch_all(runtime, urls)  # before any write: no lock held while downloading
    stored = await messaging.attach(
        session, runtime=runtime, site_id=principal.site_id, author_id=owner, urls=urls, fetched=fetched
    )
    message = await messaging.reply(
        session,
        owner_id=owner,
        site_id=principal.site_id,
        thread_id=thread_id,
        text=body.text,
        phone=phone,
        clock=runtime.clock,
        attachments=stored,
    )
    return json_response({"data": wire_messaging.message(message, owner_id=owner, tz=wire.site_zone(site))})


@router.post("/threads/{thread_id}/commands")
async def thread_command(
    request: Request,
    thread_id: int = ThreadId,
    session: Session = SessionDep,
    principal: Principal = Depends(WRITE_USER),
) -> Response:
    body = parse(ThreadCommandIn, await _body(request))
    await messaging.command(
        session,
        owner_id=adverts.owner_of(principal),
        site_id=principal.site_id,
        thread_id=thread_id,
        name=body.command,
        is_favourite=body.is_favourite,
    )
    return no_content()
