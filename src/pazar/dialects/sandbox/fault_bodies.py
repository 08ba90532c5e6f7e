"""An injected error in the wire shape of the dialect it hits (each dialect's own error renderer)."""

from __future__ import annotations

from starlette.responses import Response

from pazar.dialects.autoupload import errors as autoupload_errors
from pazar.dialects.partner_v2 import errors as v2_errors
from pazar.dialects.re_v1 import errors as re_errors

TITLES = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
DETAILS = {
    429: "Too many requests, please try again later",
    500: "An unexpected error occurred, please try again later",
    502: "The upstream service answered badly, please try again later",
    503: "The service is unavailable, please try again later",
    504: "The upstream service did not answer in time, please try again later",
}
# Autoupload's import answers carry their own codes: blocked (-2), import down (-5), error (-1).
AUTOUPLOAD_IMPORT_CODES = {429: -2, 503: -5}


def render(dialect: str, status: int, path: str) -> Response:
    title, detail = TITLES[status], DETAILS[status]
    if dialect == "partner_v2":
        return v2_errors.api_error(status, title, detail)
    if dialect == "re_v1":
        return re_errors.api_error(status, title, detail)
    if path.rstrip("/") == "/autoupload/import":
        code = AUTOUPLOAD_IMPORT_CODES.get(status, -1)
        return autoupload_errors.import_answer(code, http_status=200 if code != -1 else status)
    return autoupload_errors.api_error(status, title.upper().replace(" ", "_"), detail)
