"""Threads & messages (seed 002): list and read threads, read and post messages, thread commands."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query
from pydantic import StrictBool
from starlette.responses import Response

from pazar.dialects.common.responses import json_response, no_content
from pazar.dialects.partner_v2 import wire, wire_messaging
from pazar.dialects.partner_v2.caller import Reader, Writer
from pazar.dialects.partner_v2.schemas import INT32, Text, _Shape
from pazar.domain import messaging as rules
from pazar.services import adverts, media, messaging

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


@router.get("/threads")
async def list_threads(
    me: Reader,
    advert_id: int | None = Query(None, ge=0, le=INT32),
    interlocutor_id: int | None = Query(None, ge=0, le=INT32),
    offset: int = Query(0, ge=0, le=INT32),
    limit: int = Query(50, ge=1, le=1000),
) -> Response:
    found = await messaging.threads_of(
        me.session,
        owner_id=me.user_id,
        site_id=me.site_id,
        advert_id=advert_id,
        interlocutor_id=interlocutor_id,
        offset=offset,
        limit=limit,
    )
    tz = await me.zone()
    return json_response({"data": [wire_messaging.thread(t, tz) for t in found]})


@router.get("/threads/{thread_id}")
async def get_thread(
    me: Reader,
    thread_id: int = ThreadId,
) -> Response:
    view = await messaging.thread_of(me.session, owner_id=me.user_id, site_id=me.site_id, thread_id=thread_id)
    return json_response({"data": wire_messaging.thread(view, await me.zone())})


@router.get("/threads/{thread_id}/messages")
async def list_messages(
    me: Reader,
    thread_id: int = ThreadId,
) -> Response:
    owner = me.user_id
    found = await messaging.messages_of(me.session, owner_id=owner, site_id=me.site_id, thread_id=thread_id)
    tz = await me.zone()
    return json_response({"data": [wire_messaging.message(m, owner_id=owner, tz=tz) for m in found]})


@router.get("/threads/{thread_id}/messages/{message_id}")
async def get_message(
    me: Reader,
    thread_id: int = ThreadId,
    message_id: int = MessageId,
) -> Response:
    owner = me.user_id
    found = await messaging.message_of(
        me.session, owner_id=owner, site_id=me.site_id, thread_id=thread_id, message_id=message_id
    )
    tz = await me.zone()
    return json_response({"data": wire_messaging.message(found, owner_id=owner, tz=tz)})


@router.post("/threads/{thread_id}/messages")
async def post_message(
    me: Writer,
    thread_id: int = ThreadId,
) -> Response:
    body = await me.body(MessageIn)
    owner = me.user_id
    runtime = me.runtime
    site = await me.site()
    rules.message_text(body.text)  # refuse a bad text before downloading anything
    view = await messaging.thread_of(me.session, owner_id=owner, site_id=me.site_id, thread_id=thread_id)
    category_id = await messaging.advert_category(me.session, view.thread.advert_id)
    phone = rules.message_phone(
        None if body.phone is None else str(body.phone),
        jobs_category=adverts.is_jobs_category(site, category_id),
    )
    urls = messaging.check_attachment_urls([a.url for a in body.attachments or []])
    fetched = await media.fetch_all(runtime, urls)  # before any write: no lock held while downloading
    stored = await messaging.attach(
        me.session, runtime=runtime, site_id=me.site_id, author_id=owner, urls=urls, fetched=fetched
    )
    message = await messaging.reply(
        me.session,
        owner_id=owner,
        site_id=me.site_id,
        thread_id=thread_id,
        text=body.text,
        phone=phone,
        clock=runtime.clock,
        attachments=stored,
    )
    return json_response({"data": wire_messaging.message(message, owner_id=owner, tz=wire.site_zone(site))})


@router.post("/threads/{thread_id}/commands")
async def thread_command(
    me: Writer,
    thread_id: int = ThreadId,
) -> Response:
    body = await me.body(ThreadCommandIn)
    await messaging.command(
        me.session,
        owner_id=me.user_id,
        site_id=me.site_id,
        thread_id=thread_id,
        name=body.command,
        is_favourite=body.is_favourite,
    )
    return no_content()
