"""``/_pazar/v1/requests``: the request journal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep
from pazar.dialects.common.responses import json_response
from pazar.dialects.sandbox.common import ControlError, no_nul
from pazar.services.runtime import Session
from pazar.services.sandbox import journal

router = APIRouter(prefix="/_pazar/v1/requests")


@router.get("")
async def listing(
    method: Annotated[str | None, Query(max_length=16)] = None,
    path: Annotated[str | None, Query(max_length=2000)] = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    client_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    *,
    request: Request,
    session: Session = SessionDep,
) -> Response:
    await request.app.state.journal.flush()  # every call answered before this one is in
    for value in (method, client_id, since):
        if value is not None:
            no_nul(value, status=422, message="NUL characters are not allowed")
    moment: datetime | None = None
    if since is not None:
        try:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ControlError(
                422, "invalid", "'since' is an ISO 8601 time, e.g. 2026-01-15T10:00:00Z"
            ) from exc
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    calls = await journal.search(
        session,
        method=method,
        path=path.replace("\x00", "") if path else None,
        status=status,
        client_id=client_id,
        since=moment,
        limit=limit,
    )
    return json_response({"requests": calls})


@router.delete("")
async def clear(request: Request, session: Session = SessionDep) -> Response:
    await request.app.state.journal.flush()  # so no call answered before this one lands after the clear
    return json_response({"deleted": await journal.clear(session)})
