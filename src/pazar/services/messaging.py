"""Threads and messages between an advert's owner (the partner's user) and buyers.

A thread is one advert x one interlocutor. Buyers write from the public advert page (a registered
user, or a guest: a ``users`` row with status ``guest`` and no usable password), from the CLI, or
from the sandbox, through ``post_as_buyer``; the owner reads and replies through Partner API v2.
Counts (``total_count``, ``unread_count``) are computed from the messages on every read, so they
are always true. Every partner read is scoped by ``owner_id``: another user's thread is NotFound.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update

from pazar.db.models import Advert, Message, MessageThread, User
from pazar.db.queries import lock_user
from pazar.domain import messaging as rules
from pazar.domain.errors import BadRequest, FieldError, NotFound, ValidationFailed
from pazar.ports import Clock
from pazar.services import accounts, media, statistics
from pazar.services.media import Fetched
from pazar.services.runtime import Runtime, Session
from pazar.services.secrets_store import derive_secret

GUEST_STATUS = "guest"
GUEST_DOMAIN = "guests.pazar.invalid"  # .invalid never resolves: a guest can never receive or log in


@dataclass(frozen=True, slots=True)
class Buyer:
    user_id: int
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class ThreadView:
    thread: MessageThread
    total_count: int
    unread_count: int


@dataclass(frozen=True, slots=True)
class Attachment:
    """A stored attachment: its file name and where pazar serves it."""

    name: str
    url: str


def _contact_email(email: str) -> str:
    email = accounts.normalize_email(email)
    if "@" not in email or len(email) > 254 or any(c.isspace() or c == "\x00" for c in email):
        raise ValidationFailed([FieldError("email", "Invalid e-mail address", "invalid")])
    return email


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > rules.MAX_NAME or "\x00" in name:
        raise ValidationFailed([FieldError("name", "Invalid value", "invalid")])
    return name


async def registered_buyer(session: Session, *, site_id: str, user_id: int) -> Buyer:
    user = await accounts.get_user(session, site_id=site_id, user_id=user_id)
    return Buyer(user.id, user.name, user.email)


async def guest_buyer(session: Session, *, site_id: str, name: str, email: str, clock: Clock) -> Buyer:
    """A new guest identity: the name and e-mail are what the seller sees (not verified)."""
    contact = _contact_email(email)
    user = User(
        site_id=site_id,
        email=f"guest.{secrets.token_hex(12)}@{GUEST_DOMAIN}",
        password_hash="!",  # matches no password
        name=_name(name),
        phone="",
        status=GUEST_STATUS,
        is_business=False,
        avatar=None,
        created_at=clock.now(),
    )
    session.add(user)
    await session.flush()
    return Buyer(user.id, user.name, contact)


async def buyer_for_email(
    session: Session, *, site_id: str, advert_id: int, email: str, name: str | None, clock: Clock
) -> Buyer:
    """For trusted callers (CLI, sandbox): the registered user with this e-mail, else the guest who
    already wrote about this advert from it, else a new guest."""
    contact = _contact_email(email)
    user = await accounts.find_user_by_email(session, site_id=site_id, email=contact)
    if user is not None and user.status != GUEST_STATUS:
        return Buyer(user.id, user.name, user.email)
    earlier = (
        await session.execute(
            select(MessageThread.interlocutor_id, MessageThread.buyer_name)
            .join(User, User.id == MessageThread.interlocutor_id)
            .where(
                MessageThread.advert_id == advert_id,
                MessageThread.buyer_email == contact,
                User.status == GUEST_STATUS,
            )
        )
    ).first()
    if earlier is not None:
        return Buyer(earlier.interlocutor_id, earlier.buyer_name, contact)
    return await guest_buyer(
        session, site_id=site_id, name=name or contact.split("@")[0], email=contact, clock=clock
    )


def _attachments(stored: list[Attachment]) -> list[dict[str, Any]]:
    return [{"name": a.name, "url": a.url} for a in stored]


async def post_as_buyer(
    session: Session,
    *,
    site_id: str,
    advert_id: int,
    buyer: Buyer,
    text: str,
    clock: Clock,
    attachments: list[Attachment] | None = None,
) -> Message:
    """A buyer's message about a public (active) advert; opens the thread on the first one."""
    body = rules.message_text(text)
    advert = await statistics.public_advert(session, advert_id)
    if advert.site_id != site_id:
        raise NotFound("Advert not found")
    if advert.user_id == buyer.user_id:
        raise BadRequest("You cannot write to your own advert", code="own_advert")
    await lock_user(session, buyer.user_id)  # one thread per advert and buyer, even when racing
    thread = (
        await session.execute(
            select(MessageThread).where(
                MessageThread.advert_id == advert_id, MessageThread.interlocutor_id == buyer.user_id
            )
        )
    ).scalar_one_or_none()
    now = clock.now()
    if thread is None:
        thread = MessageThread(
            site_id=site_id,
            advert_id=advert_id,
            owner_id=advert.user_id,
            interlocutor_id=buyer.user_id,
            buyer_name=buyer.name,
            buyer_email=buyer.email,
            is_favourite=False,
            created_at=now,
        )
        session.add(thread)
        await session.flush()
    message = Message(
        thread_id=thread.id,
        author_id=buyer.user_id,
        text=body,
        phone=None,
        attachments=_attachments(attachments or []),
        is_read=False,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    return message


def _counted() -> Any:
    total = select(func.count(Message.id)).where(Message.thread_id == MessageThread.id).scalar_subquery()
    unread = (
        select(func.count(Message.id))
        .where(
            Message.thread_id == MessageThread.id,
            Message.author_id != MessageThread.owner_id,
            Message.is_read.is_(False),
        )
        .scalar_subquery()
    )
    return select(MessageThread, total.label("total"), unread.label("unread"))


async def threads_of(
    session: Session,
    *,
    owner_id: int,
    site_id: str,
    advert_id: int | None = None,
    interlocutor_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[ThreadView]:
    stmt = _counted().where(MessageThread.owner_id == owner_id, MessageThread.site_id == site_id)
    if advert_id is not None:
        stmt = stmt.where(MessageThread.advert_id == advert_id)
    if interlocutor_id is not None:
        stmt = stmt.where(MessageThread.interlocutor_id == interlocutor_id)
    rows = (await session.execute(stmt.order_by(MessageThread.id).offset(offset).limit(limit))).all()
    return [ThreadView(row[0], int(row.total), int(row.unread)) for row in rows]


async def _owned_thread(session: Session, *, owner_id: int, site_id: str, thread_id: int) -> MessageThread:
    thread = await session.get(MessageThread, thread_id)
    if thread is None or thread.owner_id != owner_id or thread.site_id != site_id:
        raise NotFound("Thread not found")
    return thread


async def thread_of(session: Session, *, owner_id: int, site_id: str, thread_id: int) -> ThreadView:
    row = (
        await session.execute(
            _counted().where(
                MessageThread.id == thread_id,
                MessageThread.owner_id == owner_id,
                MessageThread.site_id == site_id,
            )
        )
    ).first()
    if row is None:
        raise NotFound("Thread not found")
    return ThreadView(row[0], int(row.total), int(row.unread))


async def messages_of(session: Session, *, owner_id: int, site_id: str, thread_id: int) -> list[Message]:
    await _owned_thread(session, owner_id=owner_id, site_id=site_id, thread_id=thread_id)
    stmt = select(Message).where(Message.thread_id == thread_id).order_by(Message.id)
    return list((await session.execute(stmt)).scalars())


async def message_of(
    session: Session, *, owner_id: int, site_id: str, thread_id: int, message_id: int
) -> Message:
    await _owned_thread(session, owner_id=owner_id, site_id=site_id, thread_id=thread_id)
    message = await session.get(Message, message_id)
    if message is None or message.thread_id != thread_id:
        raise NotFound("Message not found")
    return message


async def advert_category(session: Session, advert_id: int) -> int:
    return int(await session.scalar(select(Advert.category_id).where(Advert.id == advert_id)) or 0)


async def reply(
    session: Session,
    *,
    owner_id: int,
    site_id: str,
    thread_id: int,
    text: str,
    phone: str | None,
    clock: Clock,
    attachments: list[Attachment] | None = None,
) -> Message:
    """The owner's message in one of their threads (``sent`` on the wire)."""
    body = rules.message_text(text)
    thread = await _owned_thread(session, owner_id=owner_id, site_id=site_id, thread_id=thread_id)
    message = Message(
        thread_id=thread.id,
        author_id=owner_id,
        text=body,
        phone=phone,
        attachments=_attachments(attachments or []),
        is_read=False,
        created_at=clock.now(),
    )
    session.add(message)
    await session.flush()
    return message


async def command(
    session: Session, *, owner_id: int, site_id: str, thread_id: int, name: str, is_favourite: bool | None
) -> None:
    thread = await _owned_thread(session, owner_id=owner_id, site_id=site_id, thread_id=thread_id)
    if name == rules.COMMAND_MARK_AS_READ:
        await _mark_read(session, thread_id=thread.id, reader_id=owner_id)
    elif name == rules.COMMAND_SET_FAVOURITE:
        if is_favourite is None:
            raise ValidationFailed([FieldError("is_favourite", "This field is required", "required")])
        await session.execute(
            update(MessageThread).where(MessageThread.id == thread.id).values(is_favourite=is_favourite)
        )
    else:
        raise ValidationFailed([FieldError("command", "Invalid value", "invalid_choice")])


async def _mark_read(session: Session, *, thread_id: int, reader_id: int) -> None:
    """Everything the other side wrote in the thread is now read by ``reader_id``."""
    await session.execute(
        update(Message)
        .where(
            and_(Message.thread_id == thread_id, Message.author_id != reader_id, Message.is_read.is_(False))
        )
        .values(is_read=True)
    )


async def conversation(session: Session, *, advert_id: int, buyer_id: int) -> list[Message]:
    """What the buyer sees on the advert page; the owner's messages count as read by them."""
    thread_id = await session.scalar(
        select(MessageThread.id).where(
            MessageThread.advert_id == advert_id, MessageThread.interlocutor_id == buyer_id
        )
    )
    if thread_id is None:
        return []
    await _mark_read(session, thread_id=thread_id, reader_id=buyer_id)
    stmt = select(Message).where(Message.thread_id == thread_id).order_by(Message.id)
    return list((await session.execute(stmt)).scalars())


async def attach(
    session: Session,
    *,
    runtime: Runtime,
    site_id: str,
    author_id: int,
    urls: list[str],
    fetched: list[Fetched],
) -> list[Attachment]:
    """Store downloaded attachments (``media.fetch_all``, done before any write) as the author's."""
    if not fetched:
        return []
    names = [
        rules.attachment_name(url, i, f.checked.extension)
        for i, (url, f) in enumerate(zip(urls, fetched, strict=True))
    ]
    rows = await media.store(
        session,
        site_id=site_id,
        kind=rules.ATTACHMENT,
        owner_id=author_id,
        fetched=fetched,
        now_limit=rules.MAX_ATTACHMENTS,
        runtime=runtime,
        names=names,
    )
    base = runtime.settings.base_url()
    return [Attachment(row.name, media.public_url(base, row)) for row in rows]


def check_attachment_urls(urls: list[str]) -> list[str]:
    if len(urls) > rules.MAX_ATTACHMENTS:
        raise rules.image_limit_exceeded()
    return [media.check_url(url, "attachments") for url in urls]


# The guest buyer's browser cookie: signed like a web session but with a key of its own, so it can
# never stand in for a login session (a guest can authorize no app).
BUYER_TTL = timedelta(days=30)


def _buyer_signature(key: str, payload: str) -> str:
    return hmac.new(
        derive_secret(key, "buyer-session").encode(), payload.encode(), hashlib.sha256
    ).hexdigest()


def buyer_cookie(*, key: str, user_id: int, site_id: str, now: datetime) -> str:
    payload = f"{user_id}|{site_id}|{int((now + BUYER_TTL).timestamp())}"
    return f"{payload}|{_buyer_signature(key, payload)}"


def buyer_from_cookie(value: str | None, *, key: str, site_id: str, now: datetime) -> int | None:
    """The guest user id of a valid buyer cookie for this site; None otherwise."""
    if not value or value.count("|") != 3 or len(value) > 200:
        return None
    payload, _, signature = value.rpartition("|")
    if not hmac.compare_digest(_buyer_signature(key, payload), signature):
        return None
    user_id, cookie_site, expires = payload.split("|")
    if cookie_site != site_id or not expires.isdigit() or int(expires) < now.timestamp():
        return None
    return int(user_id) if user_id.isdigit() else None


async def returning_guest(
    session: Session, *, site_id: str, user_id: int, name: str, email: str
) -> Buyer | None:
    """The guest behind a buyer cookie, writing with the name and e-mail given now."""
    user = await session.get(User, user_id)
    if user is None or user.site_id != site_id or user.status != GUEST_STATUS:
        return None
    return Buyer(user.id, _name(name), _contact_email(email))


async def send_from_email(
    session: Session,
    *,
    runtime: Runtime,
    advert_id: int,
    email: str,
    name: str | None,
    text: str,
    urls: list[str] | None = None,
    fetched: list[Fetched] | None = None,
) -> Message:
    """A trusted caller (CLI, sandbox) posts as the buyer with this e-mail; attachments are
    downloaded beforehand with ``media.fetch_all``."""
    rules.message_text(text)
    advert = await statistics.public_advert(session, advert_id)
    buyer = await buyer_for_email(
        session, site_id=advert.site_id, advert_id=advert.id, email=email, name=name, clock=runtime.clock
    )
    stored = await attach(
        session,
        runtime=runtime,
        site_id=advert.site_id,
        author_id=buyer.user_id,
        urls=urls or [],
        fetched=fetched or [],
    )
    return await post_as_buyer(
        session,
        site_id=advert.site_id,
        advert_id=advert.id,
        buyer=buyer,
        text=text,
        clock=runtime.clock,
        attachments=stored,
    )
