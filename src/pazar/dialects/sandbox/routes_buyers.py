"""``/_pazar/v1/adverts/{ref}/activity``: buyers view an advert and reveal its phone number."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep
from pazar.dialects.common.responses import json_response
from pazar.dialects.sandbox.common import body, no_nul
from pazar.services.runtime import Session
from pazar.services.sandbox import moderation_control

router = APIRouter(prefix="/_pazar/v1")


class Activity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    views: int = Field(default=0, ge=0, le=1_000_000)
    phone_views: int = Field(default=0, ge=0, le=1_000_000)


@router.post("/adverts/{ref}/activity")
async def activity(ref: str, request: Request, session: Session = SessionDep) -> Response:
    command = await body(request, Activity)
    stats = await moderation_control.buyer_activity(
        session,
        ref=no_nul(ref, message="Advert not found"),
        views=command.views,
        phone_views=command.phone_views,
    )
    return json_response(
        {
            "advert_views": stats.advert_views,
            "phone_views": stats.phone_views,
            "users_observing": stats.users_observing,
        }
    )
