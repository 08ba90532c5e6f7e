"""``/_pazar/v1/clock``: read, advance (running what falls due), freeze, reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pazar.dialects.common.context import runtime_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.sandbox.common import ControlError, body
from pazar.services.sandbox import clock as sandbox_clock
from pazar.services.sandbox import timetravel

router = APIRouter(prefix="/_pazar/v1/clock")


class Advance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(gt=0, le=sandbox_clock.MAX_ADVANCE.total_seconds())


class Freeze(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: datetime | None = None


def _clock(request: Request) -> sandbox_clock.SandboxClock:
    clock = runtime_of(request).clock
    assert isinstance(clock, sandbox_clock.SandboxClock)  # the control plane exists in sandbox mode only
    return clock


def _state(request: Request, **extra: object) -> Response:
    return json_response({**sandbox_clock.describe(_clock(request)), **extra})


@router.get("")
async def show(request: Request) -> Response:
    await _clock(request).refresh(runtime_of(request).db, force=True)
    return _state(request)


@router.post("/advance")
async def advance(request: Request) -> Response:
    command = await body(request, Advance)
    drain: timetravel.Drain = request.app.state.drain
    ran = await timetravel.advance(runtime_of(request), timedelta(seconds=command.seconds), drain)
    return _state(request, jobs_run=ran)


@router.post("/freeze")
async def freeze(request: Request) -> Response:
    command = await body(request, Freeze, optional=True)
    at = command.at
    if at is not None:
        if at.tzinfo is None:
            raise ControlError(422, "invalid", "'at' needs a time zone, e.g. 2027-01-01T00:00:00Z")
        at = at.astimezone(UTC)
    runtime = runtime_of(request)
    async with runtime.db.transaction() as session:
        await sandbox_clock.freeze(session, _clock(request), at)
    return _state(request)


@router.post("/reset")
async def reset(request: Request) -> Response:
    runtime = runtime_of(request)
    async with runtime.db.transaction() as session:
        await sandbox_clock.reset(session, _clock(request))
    return _state(request)
