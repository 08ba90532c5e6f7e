"""`pazar webhooks listen`: its receiver verifies both signatures; the app's callback URL is set."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import orjson

from pazar.cli.listen import receiver_app
from pazar.services import accounts, webhook_delivery
from support import World, re_app

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _delivery() -> tuple[bytes, dict[str, str]]:
    payload = {
        "transaction_id": "e9a0b0c8-6aad-4a63-8679-501bd2d28761",
        "object_id": "9de9b5e3-1720-11e8-8790-0242ac110002",
        "flow": "publish_advert",
        "event_type": "advert_posted_success",
        "error_message": "",
        "data": {},
    }
    body = orjson.dumps(payload)
    headers = webhook_delivery.signed_headers(
        secret=SECRET, delivery_id="msg_1", payload=payload, body=body, sent_at=datetime.now(UTC)
    )
    return body, {**headers, "content-type": "application/json"}


async def test_the_receiver_accepts_signed_deliveries_and_refuses_forged_ones(capsys: object) -> None:
    transport = httpx.ASGITransport(app=receiver_app(SECRET, "/webhooks", verbose=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as client:
        body, headers = _delivery()
        good = await client.post("/webhooks", content=body, headers=headers)
        assert good.status_code == 200 and good.json() == {"status": "ok"}
        forged = await client.post("/webhooks", content=body, headers={**headers, "x-signature": "0" * 40})
        assert forged.status_code == 403
        tampered = await client.post(
            "/webhooks", content=body.replace(b"success", b"error__"), headers=headers
        )
        assert tampered.status_code == 403
        assert (await client.post("/webhooks", content=b"\xff\x00", headers=headers)).status_code == 403
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "publish_advert/advert_posted_success" in out
    assert "x-signature=ok webhook-signature=ok" in out and "x-signature=BAD" in out


async def test_set_webhook_url_points_an_app_at_the_receiver(world: World) -> None:
    app, _, _ = await re_app(world)
    async with world.app.runtime.db.transaction() as session:
        row = await accounts.set_webhook_url(
            session, client_id=app.client_id, webhook_url="http://127.0.0.1:8765/webhooks"
        )
        assert row.webhook_url == "http://127.0.0.1:8765/webhooks" and row.notification_secret
    async with world.app.runtime.db.transaction() as session:
        found = await accounts.find_app(session, app.client_id)
        assert found is not None and found.webhook_url == "http://127.0.0.1:8765/webhooks"
