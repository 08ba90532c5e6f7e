"""``/_pazar/v1/moderation`` (a site's mode) and ``/_pazar/v1/adverts/{ref}/moderation`` (a decision)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.sandbox.common import body, no_nul
from pazar.services.runtime import Session
from pazar.services.sandbox import moderation_control

router = APIRouter(prefix="/_pazar/v1")


class SetMode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site: str | None = Field(default=None, max_length=64)
    mode: Literal["rules", "manual", "accept_all", "reject_all"]
    delay_seconds: float | None = Field(default=None, ge=0, le=86_400 * 365)


class Decide(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["accept", "reject", "block", "remove", "disable", "unconfirm", "unpaid"]
    reason: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=2000)


@router.get("/moderation")
async def show(session: Session = SessionDep) -> Response:
    return json_response({"sites": await moderation_control.modes(session)})


@router.put("/moderation")
async def set_mode(request: Request, session: Session = SessionDep) -> Response:
    command = await body(request, SetMode)
    sites = await moderation_control.set_mode(
        session,
        runtime_of(request),
        site_id=command.site,
        mode=command.mode,
        delay_seconds=command.delay_seconds,
    )
    return json_response({"sites": sites})


@router.post("/adverts/{ref}/moderation")
async def decide(ref: str, request: Request, session: Session = SessionDep) -> Response:
    command = await body(request, Decide)
    advert = await moderation_control.decide(
        session,
        runtime_of(request),
        ref=no_nul(ref, message="Advert not found"),
        decision=command.decision,
        reason=command.reason,
        description=command.description,
    )
    return json_response(
        {
            "id": advert.id,
            "uuid": advert.uuid,
            "status": advert.status,
            "reason": advert.moderation_reason,
            "description": advert.moderation_description,
        }
    )
