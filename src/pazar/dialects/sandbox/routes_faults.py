"""``/_pazar/v1/faults``: add, list and clear injected faults."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.sandbox.common import ControlError, body
from pazar.services.runtime import Session
from pazar.services.sandbox import faults
from pazar.services.sandbox.faults import FaultBook

router = APIRouter(prefix="/_pazar/v1/faults")


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: str | None = Field(default=None, max_length=16, pattern=r"^[A-Za-z]+$")
    path: str | None = Field(default=None, min_length=1, max_length=500, pattern=r"^/")
    site: str | None = Field(default=None, max_length=64)
    client_id: str | None = Field(default=None, max_length=200)


class Effect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal[429, 500, 502, 503, 504] | None = None
    retry_after: int | None = Field(default=None, ge=0, le=86_400)
    delay_ms: int | None = Field(default=None, ge=0, le=30_000)
    drop: bool = False

    @model_validator(mode="after")
    def does_something(self) -> Effect:
        if self.status is None and not self.delay_ms and not self.drop:
            raise ValueError("an effect needs a status, a delay_ms or drop")
        if self.drop and self.status is not None:
            raise ValueError("drop and status exclude each other")
        return self


class NewFault(BaseModel):
    model_config = ConfigDict(extra="forbid")
    match: Match = Field(default_factory=Match)
    effect: Effect
    times: int | None = Field(default=None, ge=1, le=1_000_000)
    probability: float | None = Field(default=None, gt=0, le=1)
    seed: int | None = Field(default=None, ge=0, le=2**53)


def _book(request: Request) -> FaultBook:
    book: FaultBook = request.app.state.faults
    return book


@router.post("")
async def add(request: Request, session: Session = SessionDep) -> Response:
    command = await body(request, NewFault)
    spec = command.model_dump(mode="json", exclude_none=True)
    spec["match"] = command.match.model_dump(exclude_none=True)
    row = await faults.add(session, spec=spec, now=runtime_of(request).clock.now())
    await session.commit()
    _book(request).invalidate()
    return json_response(faults.describe(row), 201)


@router.get("")
async def listing(session: Session = SessionDep) -> Response:
    return json_response({"faults": [faults.describe(row) for row in await faults.listing(session)]})


@router.delete("")
async def clear(request: Request, session: Session = SessionDep) -> Response:
    deleted = await faults.remove(session)
    await session.commit()
    _book(request).invalidate()
    return json_response({"deleted": deleted})


@router.delete("/{fault_id}")
async def remove(fault_id: str, request: Request, session: Session = SessionDep) -> Response:
    if not (fault_id.isascii() and fault_id.isdigit() and len(fault_id) <= 18):
        raise ControlError(404, "not_found", "Fault not found")
    if not await faults.remove(session, int(fault_id)):
        raise ControlError(404, "not_found", "Fault not found")
    await session.commit()
    _book(request).invalidate()
    return json_response({"deleted": 1})
