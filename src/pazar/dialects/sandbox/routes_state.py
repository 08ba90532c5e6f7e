"""``/_pazar/v1/reset`` and ``/_pazar/v1/snapshots``: the marketplace's state as a whole."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pazar.dialects.common.context import SessionDep, runtime_of
from pazar.dialects.common.responses import json_response
from pazar.dialects.sandbox.common import ControlError, body, no_nul
from pazar.services.runtime import Session
from pazar.services.sandbox import state
from pazar.services.sandbox.faults import FaultBook

router = APIRouter(prefix="/_pazar/v1")

NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class NewSnapshot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, pattern=NAME)


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site: str | None = Field(default=None, max_length=100)


@router.post("/reset")
async def reset(request: Request, session: Session = SessionDep) -> Response:
    command = await body(request, ResetRequest, optional=True)
    if command.site is not None:  # refused rather than silently resetting every site
        raise ControlError(
            422,
            "invalid",
            "A reset of one site is not offered: POST /_pazar/v1/reset without a body resets every site",
        )
    await request.app.state.journal.flush()  # calls answered before the reset are wiped with the rest
    runtime = runtime_of(request)
    creds = await state.reset(session, runtime)
    await session.commit()
    book: FaultBook = request.app.state.faults
    book.invalidate()
    demo = [{"site": c.site_id, "users": c.users, "app": c.app} for c in creds]
    return json_response({"reset": True, "demo": demo})


@router.post("/snapshots")
async def save(request: Request, session: Session = SessionDep) -> Response:
    command = await body(request, NewSnapshot)
    saved = await state.save(session, name=command.name, now=runtime_of(request).clock.now())
    return json_response(saved, 201)


@router.get("/snapshots")
async def listing(session: Session = SessionDep) -> Response:
    return json_response({"snapshots": await state.listing(session)})


@router.post("/snapshots/{name}/restore")
async def restore(name: str, request: Request, session: Session = SessionDep) -> Response:
    counts = await state.restore(
        session, runtime_of(request), name=no_nul(name[:100], message="Snapshot not found")
    )
    await session.commit()
    return json_response({"restored": name, "rows": counts})


@router.delete("/snapshots/{name}")
async def delete(name: str, session: Session = SessionDep) -> Response:
    await state.delete_snapshot(session, no_nul(name[:100], message="Snapshot not found"))
    return json_response({"deleted": name})
