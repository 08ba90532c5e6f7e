"""``/_pazar/v1/webhooks``: the webhook deliveries, sending one again, and triggering a new one."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.sandbox.common import body, no_nul
from pazar.services import webhooks
from pazar.services.runtime import Session
from pazar.services.sandbox import triggers

router = APIRouter(prefix="/_pazar/v1/webhooks/deliveries")
trigger_router = APIRouter(prefix="/_pazar/v1/webhooks")


def _view(view: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(view).items()}


@router.get("")
async def listing(
    client_id: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    session: Session = SessionDep,
) -> Response:
    if client_id is not None:
        no_nul(client_id, status=422, message="NUL characters are not allowed")
    views = await webhooks.list_deliveries(session, client_id=client_id, status=status, limit=limit)
    return json_response({"deliveries": [_view(v) for v in views]})


@router.post("/{delivery}/replay")
async def replay(delivery: str, request: Request, session: Session = SessionDep) -> Response:
    row = await webhooks.replay(
        session,
        delivery=no_nul(delivery[:100], message="No such webhook delivery"),
        now=runtime_of(request).clock.now(),
    )
    return json_response({"id": row.id, "delivery_id": row.delivery_id, "status": row.status})


class Trigger(BaseModel):
    model_config = ConfigDict(extra="forbid")
    advert: str = Field(min_length=1, max_length=64, description="A v2 advert id or an RE advert uuid")
    event_type: str = Field(min_length=1, max_length=64)


@trigger_router.post("/trigger", status_code=201)
async def trigger(request: Request, session: Session = SessionDep) -> Response:
    command = await body(request, Trigger)
    delivery = await triggers.trigger(
        session,
        runtime=runtime_of(request),
        ref=no_nul(command.advert, message="Advert not found"),
        event_type=no_nul(command.event_type, status=422, message="NUL characters are not allowed"),
    )
    return json_response(
        {
            "id": delivery.id,
            "delivery_id": delivery.delivery_id,
            "event_type": delivery.event_type,
            "object_id": delivery.object_id,
            "url": delivery.url,
            "status": delivery.status,
        },
        status_code=201,
    )
