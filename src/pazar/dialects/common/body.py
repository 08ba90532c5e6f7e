"""Reading request bodies defensively: size limit, strict UTF-8, JSON or form encoding."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request


class BodyError(Exception):
    """The body cannot be read as asked; ``reason`` is one of the class constants."""

    TOO_LARGE = "too_large"
    NOT_UTF8 = "not_utf8"
    MALFORMED = "malformed"
    NOT_OBJECT = "not_object"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


async def read_limited(request: Request, limit: int) -> bytes:
    """The raw body, refusing (without buffering it all) anything larger than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyError(BodyError.TOO_LARGE, f"Request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyError(BodyError.TOO_LARGE, f"Request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def decode_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(BodyError.NOT_UTF8, "Request body is not valid UTF-8") from exc


def parse_json(raw: bytes) -> Any:
    decode_utf8(raw)  # orjson accepts only UTF-8 too, but say so precisely
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BodyError(BodyError.MALFORMED, "Malformed JSON") from exc


def parse_json_object(raw: bytes) -> dict[str, Any]:
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise BodyError(BodyError.NOT_OBJECT, "A JSON object is expected")
    return value


def parse_form(raw: bytes) -> dict[str, str]:
    text = decode_utf8(raw)
    try:
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=200))
    except ValueError as exc:
        raise BodyError(BodyError.MALFORMED, "Malformed form body") from exc


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_json_media(media: str) -> bool:
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))
