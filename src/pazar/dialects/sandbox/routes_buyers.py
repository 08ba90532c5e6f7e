"""``/_pazar/v1/adverts/{ref}/activity`` and ``…/messages``: buyers view an advert, reveal its phone
number and write to its seller."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.sandbox.common import body, no_nul
from pazar.services import messaging
from pazar.services.runtime import Session
from pazar.services.sandbox import moderation_control

router = APIRouter(prefix="/_pazar/v1")


class Activity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    views: int = Field(default=0, ge=0, le=1_000_000)
    phone_views: int = Field(default=0, ge=0, le=1_000_000)
    observers: int = Field(default=0, ge=0, le=1_000)  # each one a new guest user observing the advert


@router.post("/adverts/{ref}/activity")
async def activity(ref: str, request: Request, session: Session = SessionDep) -> Response:
    command = await body(request, Activity)
    stats = await moderation_control.buyer_activity(
        session,
        ref=no_nul(ref, message="Advert not found"),
        views=command.views,
        phone_views=command.phone_views,
        observers=command.observers,
        clock=runtime_of(request).clock,
    )
    return json_response(
        {
            "advert_views": stats.advert_views,
            "phone_views": stats.phone_views,
            "users_observing": stats.users_observing,
        }
    )


class BuyerIdentity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    name: str | None = Field(default=None, max_length=100)


class BuyerMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=20_000)  # the messaging rules give the exact limit and error
    buyer: BuyerIdentity


@router.post("/adverts/{ref}/messages", status_code=201)
async def message(ref: str, request: Request, session: Session = SessionDep) -> Response:
    """A buyer (by e-mail: a registered user of the site, or a guest made for it) writes to the seller,
    through the same service as the public page's form and ``pazar messages send``."""
    command = await body(request, BuyerMessage)
    advert_id = await moderation_control.find_advert_id(session, no_nul(ref, message="Advert not found"))
    sent = await messaging.send_from_email(
        session,
        runtime=runtime_of(request),
        advert_id=advert_id,
        email=command.buyer.email,
        name=command.buyer.name,
        text=command.text,
    )
    return json_response(
        {
            "id": sent.id,
            "thread_id": sent.thread_id,
            "advert_id": advert_id,
            "author_id": sent.author_id,
            "text": sent.text,
            "created_at": sent.created_at.isoformat(),
        },
        status_code=201,
    )
