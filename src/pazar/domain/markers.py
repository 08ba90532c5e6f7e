"""Sandbox magic values: markers in an advert's text that decide its moderation, like test card numbers.

``pazar:accept`` publishes at once, ``pazar:reject`` (or ``pazar:reject:<reason>``) sends it back to
the owner, ``pazar:block`` blocks it, ``pazar:hold`` keeps it for a human. The first marker in the
title, then the description, wins. ``pazar:invalid:<field>`` makes an RE publish or update fail its
validation on that field (an ``advert_posted_error`` with that ``validation`` entry).
``pazar:image-failure`` makes every image download of an imported ad fail. Parsed by a linear scan
(no regular expression on user text).
"""

from __future__ import annotations

from pazar.domain.lifecycle import Action

PREFIX = "pazar:"
_ACTIONS = {"accept": Action.ACCEPT, "reject": Action.REJECT, "block": Action.BLOCK, "hold": None}
_DESCRIPTIONS = {
    "accept": None,
    "reject": "Rejected by a sandbox marker",
    "block": "Blocked by a sandbox marker",
    "hold": "Waiting for a moderator (sandbox marker)",
}
_REASON_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


def _word(text: str, start: int) -> str:
    end = start
    while end < len(text) and end - start < 64 and (text[end] in _REASON_CHARS or text[end] == ":"):
        end += 1
    return text[start:end]


def marker_in(*texts: str) -> tuple[str, Action | None, str | None, str | None] | None:
    """The first marker: (name, action, reason, description); None when the text has none."""
    for text in texts:
        lowered = text.lower()
        at = lowered.find(PREFIX)
        while at != -1:
            word = _word(lowered, at + len(PREFIX))
            name, _, reason = word.partition(":")
            if name in _ACTIONS:
                default_reason = {"accept": None, "hold": "review"}.get(
                    name, "rules" if name == "reject" else "illegal"
                )
                return name, _ACTIONS[name], reason.strip(":") or default_reason, _DESCRIPTIONS[name]
            at = lowered.find(PREFIX, at + len(PREFIX))
    return None


_FIELD_CHARS = _REASON_CHARS | frozenset(".")


def invalid_field_in(*texts: str) -> str | None:
    """The field a ``pazar:invalid:<field>`` marker names (the first one), or None."""
    needle = PREFIX + "invalid:"
    for text in texts:
        lowered = text.lower()
        at = lowered.find(needle)
        if at != -1:
            start = end = at + len(needle)
            while end < len(lowered) and end - start < 64 and lowered[end] in _FIELD_CHARS:
                end += 1
            return lowered[start:end].strip(".") or "title"
    return None


IMAGE_FAILURE = PREFIX + "image-failure"


def image_failure_in(*texts: str) -> bool:
    """Whether the text asks for failed image downloads (``pazar:image-failure``)."""
    return any(IMAGE_FAILURE in text.lower() for text in texts)
