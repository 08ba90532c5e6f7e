"""Repeated slashes in a request path are merged, as the nginx in front of OLX does (``//oauth`` is ``/oauth``)."""

from __future__ import annotations

import re
from typing import Final

from starlette.types import Scope

_SLASHES: Final = re.compile(r"/{2,}")
_RAW_SLASHES: Final = re.compile(rb"/{2,}")


def merge_slashes(scope: Scope) -> Scope:
    """The scope with ``path`` and ``raw_path`` free of repeated slashes (the same scope when there are none)."""
    path: str = scope.get("path", "")
    if "//" not in path:
        return scope
    merged = {**scope, "path": _SLASHES.sub("/", path)}
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        merged["raw_path"] = _RAW_SLASHES.sub(b"/", raw)
    return merged
