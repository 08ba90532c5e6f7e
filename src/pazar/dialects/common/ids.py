"""Path ids: an id no row can have (beyond the id columns' range, or below 1) is refused before any query.

Id columns are ``INTEGER``: signed 32 bits on PostgreSQL, whose driver fails on a larger parameter
(a 500 before this existed), and 64 bits on SQLite. The smaller range holds on both. Each dialect
renders the validation failure of a path parameter as its own 404.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Path

MAX_ID: Final = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


def possible_id(value: int) -> bool:
    """Whether a row could have this id (for ids that arrive outside a path parameter)."""
    return 1 <= value <= MAX_ID
