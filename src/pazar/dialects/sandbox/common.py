"""What the control plane's routes share: the admin guard, the error envelope, body parsing."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from pazar.dialects.common.body import BodyError, parse_json_object, read_limited
from pazar.dialects.common.context import runtime_of
from pazar.dialects.common.responses import json_response
from pazar.services.sandbox import admin

M = TypeVar("M", bound=BaseModel)
BODY_LIMIT = 64 * 1024


class ControlError(Exception):
    """An error of the control plane itself: ``{"error": {"code", "message"}}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, fields: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def error_response(
    status: int, code: str, message: str, fields: list[dict[str, Any]] | None = None
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    headers = {"WWW-Authenticate": 'Bearer realm="pazar-sandbox"'} if status == 401 else None
    return json_response({"error": error}, status, headers)


async def require_admin(request: Request) -> None:
    """``Authorization: Bearer <admin key>``, compared in constant time."""
    key: str | None = getattr(request.app.state, "admin_key", None)
    if key is None:
        runtime = runtime_of(request)
        async with runtime.db.transaction() as session:
            key = await admin.admin_key(session, runtime.settings.admin_key)
        request.app.state.admin_key = key
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not admin.matches(presented.strip(), key):
        raise ControlError(401, "unauthorized", "A valid admin key is required: Authorization: Bearer <key>")


async def body(request: Request, model: type[M], *, optional: bool = False) -> M:
    """The request's JSON object as ``model``; an empty body is ``{}`` when ``optional``."""
    try:
        raw = await read_limited(request, BODY_LIMIT)
        data: dict[str, Any] = {} if optional and not raw.strip() else parse_json_object(raw)
    except BodyError as exc:
        raise ControlError(
            413 if exc.reason == BodyError.TOO_LARGE else 400, exc.reason, exc.message
        ) from exc
    if b"\\u0000" in raw:  # PostgreSQL text and JSONB cannot hold NUL: refused for both databases
        raise ControlError(422, "invalid", "NUL characters are not allowed")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = [
            {"field": ".".join(str(p) for p in err["loc"]) or "body", "message": err["msg"]}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise ControlError(422, "invalid", "The request body is not valid", fields) from exc


def no_nul(value: str, *, status: int = 404, message: str = "Not found") -> str:
    """A path or query value the database can hold (PostgreSQL text cannot hold NUL)."""
    if "\x00" in value:
        raise ControlError(status, "not_found" if status == 404 else "invalid", message)
    return value
