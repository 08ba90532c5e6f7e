"""Checking a received notification as a partner app would: both signatures, and what it says.

Used by ``pazar webhooks listen``; the same checks an integrator writes (the RE ``x-signature``
and the Standard Webhooks ``webhook-signature``), so a receiver can be tried against pazar.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from pazar.domain import webhooks as wire


@dataclass(frozen=True, slots=True)
class Verdict:
    x_signature: bool
    webhook_signature: bool
    payload: dict[str, Any] | None

    @property
    def valid(self) -> bool:
        return self.x_signature and self.webhook_signature and self.payload is not None

    def summary(self) -> str:
        body = self.payload or {}
        return (
            f"{body.get('flow', '?')}/{body.get('event_type', '?')} object={body.get('object_id', '?')} "
            f"x-signature={'ok' if self.x_signature else 'BAD'} "
            f"webhook-signature={'ok' if self.webhook_signature else 'BAD'}"
            + (f" error={body['error_message']!r}" if body.get("error_message") else "")
        )


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> Verdict:
    try:
        loaded = orjson.loads(body)
    except orjson.JSONDecodeError:
        loaded = None
    payload = loaded if isinstance(loaded, dict) else None
    expected = wire.x_signature(
        secret, str((payload or {}).get("object_id", "")), str((payload or {}).get("transaction_id", ""))
    )
    x_ok = payload is not None and hmac.compare_digest(headers.get("x-signature", ""), expected)
    try:
        Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})
        standard_ok = True
    except (WebhookVerificationError, ValueError):
        standard_ok = False
    return Verdict(x_ok, standard_ok, payload)
