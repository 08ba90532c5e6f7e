"""The one table that maps domain errors to RE Partner API statuses and bodies.

The RE documentation shows no synchronous error body; pazar answers
``{"transaction_id", "message": "<title>: <detail>", "error": {"status", "title", "detail",
"validation"?}}`` (integrators read ``message``; ``validation`` entries are the
``{field, title, detail}`` triples of the failure notifications). The token endpoint
answers OAuth2's ``{"error", "error_description"}`` plus ``message``.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from pazar.dialects.common.body import BodyError
from pazar.dialects.common.responses import json_response
from pazar.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    InvalidState,
    NotFound,
    OAuthError,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from pazar.domain.realestate import wire_field

INVALID_REQUEST = "Invalid request"
VALIDATION_DETAIL = "Data validation error occurred"
ILLEGAL = "Illegal status change"

# code -> (status, title); looked up before the class table.
_BY_CODE: dict[str, tuple[int, str]] = {
    "invalid_api_key": (401, "Unauthorized"),
    "api_key_mismatch": (403, "Forbidden"),
    "not_owner": (403, "Forbidden"),
    "invalid_owner": (403, "Forbidden"),
    "operation_pending": (409, ILLEGAL),
    "illegal_status_change": (409, ILLEGAL),
}
_BY_CLASS: tuple[tuple[type[DomainError], int, str], ...] = (
    (NotFound, 404, "Not Found"),
    (PermissionDenied, 403, "Forbidden"),
    (InvalidState, 409, ILLEGAL),
    (Conflict, 409, "Conflict"),
    (RateLimited, 429, "Too Many Requests"),
    (BadRequest, 400, "Bad Request"),
)
_OAUTH_API_STATUS = {"invalid_token": 401, "insufficient_scope": 403}


def api_error(
    status: int, title: str, detail: str, validation: list[dict[str, Any]] | None = None
) -> Response:
    error: dict[str, Any] = {"status": status, "title": title, "detail": detail}
    if validation is not None:
        error["validation"] = validation
    body = {"transaction_id": str(uuid.uuid4()), "message": f"{title}: {detail}", "error": error}
    headers = {"WWW-Authenticate": 'Bearer realm="RE Partner API"'} if status == 401 else None
    return json_response(body, status, headers)


def validation_error(exc: ValidationFailed) -> Response:
    entries = [
        {"field": wire_field(e.field), "title": e.title, "detail": e.detail or e.title} for e in exc.errors
    ]
    return api_error(400, INVALID_REQUEST, exc.message or VALIDATION_DETAIL, entries)


def domain_error(exc: DomainError) -> Response:
    if isinstance(exc, OAuthError):
        status = _OAUTH_API_STATUS.get(exc.error, 401 if exc.status_hint == "unauthorized" else 400)
        return api_error(status, "Unauthorized" if status == 401 else "Forbidden", exc.description)
    if isinstance(exc, ValidationFailed):
        return validation_error(exc)
    if exc.code in _BY_CODE:
        status, title = _BY_CODE[exc.code]
        return api_error(status, title, exc.message)
    for kind, status, title in _BY_CLASS:
        if isinstance(exc, kind):
            return api_error(status, title, exc.message)
    return api_error(400, "Bad Request", exc.message)


def body_error(exc: BodyError) -> Response:
    if exc.reason == BodyError.TOO_LARGE:
        return api_error(413, "Payload Too Large", exc.message)
    return api_error(400, "Bad Request", exc.message)


def oauth_error(exc: DomainError) -> Response:
    """The token endpoint's errors."""
    if isinstance(exc, OAuthError):
        error, description = exc.error, exc.description
        status = {"unauthorized": 401, "method_not_allowed": 405}.get(exc.status_hint, 400)
        if error == "invalid_client":
            status = 401  # RFC 6749 5.2: client authentication failed
    else:
        error, description = (
            ("invalid_client", exc.message)
            if exc.code == "invalid_api_key"
            else (
                "invalid_request",
                exc.message,
            )
        )
        status = 401 if exc.code == "invalid_api_key" else 400
    body = {"error": error, "error_description": description, "message": description}
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if status == 405:
        headers["Allow"] = "POST"
    return json_response(body, status, headers)


def server_error() -> Response:
    return api_error(500, "Internal Server Error", "An unexpected error occurred, please try again later")
