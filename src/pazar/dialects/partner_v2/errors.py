"""The one table that maps domain errors to Partner API v2 statuses and bodies.

Body shapes are those of seed 002's troubleshooting section: the API envelope
``{"error": {"status", "title", "detail", "validation"?}}``, the OAuth envelope
``{"error", "error_description", "error_human_title"?}``, and the two oddities
the real API wraps in ``{"data": ...}`` (missing Version header, JSON syntax).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pazar.dialects.common.body import BodyError
from pazar.dialects.common.responses import json_response
from pazar.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    FieldError,
    InvalidState,
    NotFound,
    OAuthError,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)

INVALID_REQUEST = "Invalid request"
VALIDATION_DETAIL = "Data validation error occurred"
JSON_SYNTAX = "Error while decoding JSON data: Syntax error"

# Codes whose v2 rendering is a validation entry on the field "ad" (seed 002, publishing errors 13, 18, 19).
_AD_FIELD_CODES = frozenset({"not_owner", "invalid_state"})

_STATUS_TITLES: dict[type[DomainError], tuple[int, str]] = {
    NotFound: (404, "Not Found"),
    PermissionDenied: (403, "Forbidden"),
    RateLimited: (429, "Too Many Requests"),
    Conflict: (400, "Bad Request"),
    BadRequest: (400, "Bad Request"),
}


_OAUTH_STATUS = {"unauthorized": 401, "method_not_allowed": 405, "bad_request": 400}


def api_error(
    status: int,
    title: str,
    detail: str,
    validation: list[dict[str, Any]] | None = None,
    *,
    wrap_in_data: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    error: dict[str, Any] = {"status": status, "title": title, "detail": detail}
    if validation is not None:
        error["validation"] = validation
    body: dict[str, Any] = {"error": error}
    return json_response({"data": body} if wrap_in_data else body, status, headers)


def validation_entry(err: FieldError) -> dict[str, Any]:
    entry: dict[str, Any] = {"field": err.field, "title": err.title}
    if err.detail is not None:
        entry["detail"] = err.detail
    return entry


def validation_error(errors: list[FieldError]) -> Response:
    return api_error(400, INVALID_REQUEST, VALIDATION_DETAIL, [validation_entry(e) for e in errors])


def oauth_error(exc: OAuthError) -> Response:
    body: dict[str, Any] = {"error": exc.error, "error_description": exc.description}
    if exc.human_title:
        body["error_human_title"] = exc.human_title
    status = _OAUTH_STATUS.get(exc.status_hint, 400)
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if status == 405:
        headers["Allow"] = "POST"
    if status == 401:
        headers["WWW-Authenticate"] = f'Bearer realm="Service", error="{exc.error}"'
    return json_response(body, status, headers)


def domain_error(exc: DomainError) -> Response:
    if isinstance(exc, OAuthError):
        return oauth_error(exc)
    if isinstance(exc, ValidationFailed):
        return validation_error(exc.errors)
    if isinstance(exc, InvalidState) or exc.code in _AD_FIELD_CODES:
        return validation_error([FieldError("ad", exc.message, code=exc.code)])
    for kind, (status, title) in _STATUS_TITLES.items():
        if isinstance(exc, kind):
            return api_error(status, title, exc.message)
    return api_error(400, "Bad Request", exc.message)


def body_error(exc: BodyError) -> Response:
    if exc.reason == BodyError.TOO_LARGE:
        return api_error(413, "Payload Too Large", exc.message)
    if exc.reason == BodyError.NOT_UTF8:
        return api_error(400, "Bad Request", "Error while decoding JSON data: Malformed UTF-8 characters")
    return api_error(400, "Bad Request", JSON_SYNTAX, wrap_in_data=True)


def unsupported_version() -> Response:
    return json_response({"error": {"type": "NotFoundException", "message": "Unsupported API version"}}, 404)


def missing_version() -> Response:
    return api_error(400, "Bad Request", "Missing required 'Version' header!", wrap_in_data=True)


def server_error() -> Response:
    return api_error(500, "Internal Server Error", "An unexpected error occurred, please try again later")
