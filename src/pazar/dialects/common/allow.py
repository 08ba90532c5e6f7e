"""The ``Allow`` header of a 405: every method the app's operations take at this path.

Starlette's own 405 names only the methods of the first route whose path matched, and a dialect's
error handler re-renders the 405 in its own shape. The full list comes from the app's OpenAPI
operations, compiled once per app.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from starlette.requests import Request

_OPERATIONS = {"get", "put", "post", "delete", "patch", "head", "options"}
_PARAMETER = re.compile(r"\\\{[^/{}]+\\\}")


def _compiled(app: Any) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    cached: list[tuple[re.Pattern[str], frozenset[str]]] | None = getattr(app.state, "allow_table", None)
    if cached is None:
        with warnings.catch_warnings():  # the token endpoints' catch-all methods repeat operation ids
            warnings.simplefilter("ignore")
            paths: dict[str, dict[str, Any]] = app.openapi().get("paths", {})
        cached = [
            (
                re.compile("^" + _PARAMETER.sub("[^/]+", re.escape(path)) + "$"),
                frozenset(m.upper() for m in operations if m in _OPERATIONS),
            )
            for path, operations in paths.items()
        ]
        app.state.allow_table = cached
    return cached


def allow_headers(request: Request) -> dict[str, str]:
    """``{"Allow": "GET, PUT"}`` for the request's path, or nothing when no operation has that path."""
    methods: set[str] = set()
    for pattern, allowed in _compiled(request.app):
        if pattern.match(request.url.path):
            methods |= allowed
    return {"Allow": ", ".join(sorted(methods))} if methods else {}
