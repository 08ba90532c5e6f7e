"""``/_pazar/v1/webhooks/deliveries``: the webhook deliveries, and sending one again."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.sandbox.common import no_nul
from pazar.services import webhooks
from pazar.services.runtime import Session

router = APIRouter(prefix="/_pazar/v1/webhooks/deliveries")


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
