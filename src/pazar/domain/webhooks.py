"""Advert notifications (seed 004): the envelope, its data, the x-signature and the retry schedule.

A notification tells a partner app what happened to one of its adverts. Its envelope
and its ``data`` are exactly seed 004's example (``ENVELOPE_KEYS``, ``STATE_KEYS``);
a failure carries ``{title, detail, validation}`` instead of the advert's state.

Flows and event names (digest B.3; the PUT/DELETE/activate/deactivate names come from
the integrator code cited in docs/re-partner-api.md):

* ``publish_advert``: the outcome of an asynchronous operation, with the operation's
  ``transaction_id`` (``advert_posted_success`` / ``advert_posted_error``,
  ``advert_put_*``, ``advert_deleted_*``, ``advert_activated_*``, ``advert_deactivated_*``);
* ``advert_lifecycle`` / ``advert_state_changed``: any later status change
  (moderation, expiry, a moderator, another dialect), ``data.code`` the new status.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pazar.domain.events import EventType

FLOW_PUBLISH: Final = "publish_advert"
FLOW_LIFECYCLE: Final = "advert_lifecycle"
STATE_CHANGED: Final = "advert_state_changed"

# Operation kinds (the async RE operations) and the event names of their outcomes.
POST, PUT, DELETE, ACTIVATE, DEACTIVATE = "post", "put", "delete", "activate", "deactivate"
OPERATION_KINDS: Final = (POST, PUT, DELETE, ACTIVATE, DEACTIVATE)
_OUTCOME_STEM: Final = {
    POST: "advert_posted",
    PUT: "advert_put",
    DELETE: "advert_deleted",
    ACTIVATE: "advert_activated",
    DEACTIVATE: "advert_deactivated",
}
# Operations whose outcome is the moderation verdict that follows them (the advert is `new` meanwhile).
AWAITS_MODERATION: Final = frozenset({POST, ACTIVATE})

ENVELOPE_KEYS: Final = (
    "destination",
    "timestamp",
    "event_timestamp",
    "transaction_id",
    "object_id",
    "flow",
    "data",
    "event_type",
)
STATE_KEYS: Final = (
    "activated_at",
    "recorded_at",
    "code",
    "moderation",
    "created_at",
    "modified_at",
    "ttl",
    "url",
)
ERROR_KEYS: Final = ("title", "detail", "validation")

# The RE codes of digest B.4 for the core's statuses that have another name there.
_WIRE_CODES: Final = {
    "limited": "unpaid",  # no free slot: not published until paid for
    "unconfirmed": "new",
    "disabled": "blocked",
    "deleted": "removed_by_user",  # gone from the profile (visible_in_profile: false)
}
_MODERATION_FAILURES: Final = frozenset(
    {
        EventType.REJECTED.value,
        EventType.BLOCKED.value,
        EventType.DISABLED.value,
        EventType.REMOVED_BY_MODERATOR.value,
    }
)
# The events that can settle an operation waiting for moderation (the verdicts).
VERDICTS: Final = frozenset({EventType.ACTIVATED.value}) | _MODERATION_FAILURES


def outcome_event(kind: str, *, ok: bool) -> str:
    """``advert_posted_success``, ``advert_put_error``, ..."""
    return f"{_OUTCOME_STEM[kind]}_{'success' if ok else 'error'}"


def wire_code(status: str) -> str:
    return _WIRE_CODES.get(status, status)


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def wire_time(moment: datetime | None, *, with_millis: bool = False) -> str | None:
    """``2019-11-05T15:56:19.000+0000`` (UTC), as seed 004 writes dates.

    Dates of the advert (created, activated, modified, ttl) are whole seconds, as the seed
    shows them; ``recorded_at`` keeps its milliseconds.
    """
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    ms = utc.microsecond // 1000 if with_millis else 0
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}+0000"


def advert_state(
    *,
    status: str,
    created_at: datetime,
    activated_at: datetime | None,
    modified_at: datetime,
    valid_to: datetime | None,
    recorded_at: datetime,
    moderation_reason: str | None,
    moderation_description: str | None,
    url: str,
) -> dict[str, Any]:
    """The ``data`` of a success or state-change notification, keys in seed 004's order."""
    return {
        "activated_at": wire_time(activated_at),
        "recorded_at": wire_time(recorded_at, with_millis=True),
        "code": wire_code(status),
        "moderation": {"reason": moderation_reason, "description": moderation_description},
        "created_at": wire_time(created_at),
        "modified_at": wire_time(modified_at),
        "ttl": wire_time(valid_to),
        "url": url,
    }


def failure(title: str, detail: str, validation: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The ``data`` of an ``*_error`` notification."""
    return {"title": title, "detail": detail, "validation": [dict(v) for v in validation]}


def envelope(
    *,
    destination: str,
    timestamp: datetime,
    event_timestamp: datetime,
    transaction_id: str,
    object_id: str,
    flow: str,
    data: Mapping[str, Any],
    event_type: str,
) -> dict[str, Any]:
    """The notification: ``timestamp`` is when the change happened, ``event_timestamp`` when it was sent out."""
    return {
        "destination": destination,
        "timestamp": millis(timestamp),
        "event_timestamp": millis(event_timestamp),
        "transaction_id": transaction_id,
        "object_id": object_id,
        "flow": flow,
        "data": dict(data),
        "event_type": event_type,
    }


def for_the_wire(payload: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """The stored payload in the seed's key order (JSONB does not keep it), with an absolute ``url``."""
    data = dict(payload.get("data") or {})
    order = STATE_KEYS if "code" in data else ERROR_KEYS
    data = {k: data[k] for k in order if k in data} | {k: v for k, v in data.items() if k not in order}
    url = data.get("url")
    if isinstance(url, str) and url.startswith("/"):
        data["url"] = base_url.rstrip("/") + url
    body = {k: payload[k] for k in ENVELOPE_KEYS if k in payload}
    body.update({k: v for k, v in payload.items() if k not in ENVELOPE_KEYS})
    body["data"] = data
    return body


def x_signature(secret: str, object_id: str, transaction_id: str) -> str:
    """The RE platform's ``x-signature``: hex HMAC-SHA1 of ``"<object_id>,<transaction_id>"``.

    Keyed with the notification secret exactly as the app was given it (the whole
    ``whsec_...`` string), which is what integrators' verification code does.
    """
    message = f"{object_id},{transaction_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha1).hexdigest()


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """A failed delivery is tried again ``retries`` times, ``interval`` apart, then given up."""

    retries: int = 32
    interval: timedelta = timedelta(minutes=30)

    def next_attempt(self, *, attempts_made: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts_made`` failed attempts; None: give up."""
        if attempts_made > self.retries:
            return None
        return now + self.interval


@dataclass(frozen=True, slots=True)
class Notice:
    """Which notification an advert event produces, and whether it settles a waiting operation."""

    flow: str
    event_type: str
    settles: bool = False
    ok: bool = True


def after_event(
    *, event_type: str, previous_status: str | None, status: str, waiting_kind: str | None
) -> Notice | None:
    """The notification of an advert event that happened outside any operation of the app.

    A POST or an activation waits for its moderation verdict: acceptance settles it with
    ``*_success``, a refusal with ``*_error``. Every other status change is an
    ``advert_state_changed``; events that leave the status alone (edits, extensions) send nothing.
    """
    if waiting_kind in AWAITS_MODERATION:
        if event_type == EventType.ACTIVATED.value:
            return Notice(FLOW_PUBLISH, outcome_event(waiting_kind, ok=True), settles=True)
        if event_type in _MODERATION_FAILURES:
            return Notice(FLOW_PUBLISH, outcome_event(waiting_kind, ok=False), settles=True, ok=False)
    if previous_status is not None and previous_status == status:
        return None
    return Notice(FLOW_LIFECYCLE, STATE_CHANGED)
