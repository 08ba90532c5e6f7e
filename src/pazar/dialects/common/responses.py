"""A JSON response rendered with orjson (fast, and strict about what it serializes)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse, Response


class FastJSONResponse(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def json_response(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return FastJSONResponse(content, status_code=status_code, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)
