"""Where an advert's public page lives."""

from __future__ import annotations

from pazar.db.models import Advert
from pazar.domain.taxonomy import fold


def advert_path(advert: Advert) -> str:
    """Where the public page of an advert lives (the ``url`` of the Advert schema)."""
    return f"/d/oferta/{slugify(advert.title)}-ID{to_base36(advert.id)}.html"


def to_base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def slugify(text: str) -> str:
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in fold(text)).split()
    return "-".join(words)[:60].strip("-") or "oferta"
