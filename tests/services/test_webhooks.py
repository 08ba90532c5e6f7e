"""The webhook delivery engine: signatures, attempts, retries on the schedule, restarts, replays, hand-over."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from pazar.config import Settings
from pazar.db.models import PartnerApp, WebhookAttempt, WebhookDelivery
from pazar.domain import webhooks as wire
from pazar.ports import ManualClock
from pazar.services import webhook_delivery, webhooks
from pazar.services.runtime import Runtime
from support import Receiver, World, dispatcher, quiet_outbox, re_app

pytestmark = pytest.mark.asyncio


async def _queue(
    world: World, client_id: str, *, count: int = 1, runtime: Runtime | None = None
) -> list[str]:
    """Write ``count`` notifications for an app, as an advert event would; their delivery ids."""
    runtime = runtime or world.app.runtime
    ids = []
    async with runtime.db.transaction() as session:
        app = (
            await session.execute(select(PartnerApp).where(PartnerApp.client_id == client_id))
        ).scalar_one()
        now = runtime.clock.now()
        for n in range(count):
            delivery = await webhooks.notify(
                session,
                app=app,
                object_id=str(uuid.uuid4()),
                transaction_id=str(uuid.uuid4()),
                flow=wire.FLOW_LIFECYCLE,
                event_type=wire.STATE_CHANGED,
                data={"code": "active", "n": n, "url": "/d/oferta/x-ID1.html"},
                event_at=now,
                now=now,
            )
            assert delivery is not None
            ids.append(delivery.delivery_id)
    return ids


async def _delivery(world: World, delivery_id: str) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    async with world.app.runtime.db.transaction() as session:
        row = (
            await session.execute(select(WebhookDelivery).where(WebhookDelivery.delivery_id == delivery_id))
        ).scalar_one()
        return row, await webhooks.attempts_of(session, row.id)


@pytest.fixture(autouse=True)
async def _quiet(world: World) -> None:
    await quiet_outbox(world)


@pytest.fixture
async def receiver() -> Any:
    server = await Receiver().start()
    yield server
    await server.stop()


async def test_a_delivery_is_signed_both_ways_and_recorded(world: World, receiver: Receiver) -> None:
    app, _, secret = await re_app(world, webhook_url=receiver.url)
    (delivery_id,) = await _queue(world, app.client_id)
    assert await dispatcher(world).run_until_idle() == 1

    (request,) = receiver.requests
    assert request.method == "POST" and request.path == "/webhooks"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "olx-group-api"
    assert request.headers["webhook-id"] == delivery_id
    # Standard Webhooks: the receiver verifies with the library and the secret it was given.
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["data"]["code"] == "active"
    assert payload["data"]["url"].startswith("http://") and payload["data"]["url"].endswith(
        "/d/oferta/x-ID1.html"
    )
    assert request.headers["x-signature"] == wire.x_signature(
        secret, payload["object_id"], payload["transaction_id"]
    )
    assert list(payload) == list(wire.ENVELOPE_KEYS)

    row, attempts = await _delivery(world, delivery_id)
    assert row.status == "delivered" and row.attempts == 1 and row.last_status == 200
    assert row.delivered_at is not None and row.locked_by is None
    (attempt,) = attempts
    assert attempt.status == 200 and attempt.error is None and attempt.latency_ms >= 0
    assert attempt.response_excerpt == '{"status":"ok"}'


async def test_a_forged_signature_does_not_verify(world: World, receiver: Receiver) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    await _queue(world, app.client_id)
    await dispatcher(world).run_until_idle()
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    with pytest.raises(Exception, match="signature"):
        Webhook(other).verify(receiver.requests[0].body, receiver.requests[0].headers)


async def test_failures_are_retried_on_the_schedule_with_the_same_webhook_id(
    world: World, receiver: Receiver
) -> None:
    app, _, secret = await re_app(world, webhook_url=receiver.url)
    (delivery_id,) = await _queue(world, app.client_id)
    receiver.script = [(500, 0.0), (503, 0.0)]
    sender = dispatcher(world, webhook_retries=3, webhook_retry_interval_seconds=60)

    assert await sender.run_once() == 1
    row, _ = await _delivery(world, delivery_id)
    assert row.status == "pending" and row.attempts == 1 and row.last_status == 500
    assert row.next_attempt_at == world.clock.now() + timedelta(seconds=60)
    assert await sender.run_once() == 0  # not due before the interval has passed

    world.clock.advance(timedelta(seconds=60))
    assert await sender.run_once() == 1
    world.clock.advance(timedelta(seconds=60))
    assert await sender.run_once() == 1
    row, attempts = await _delivery(world, delivery_id)
    assert row.status == "delivered" and row.attempts == 3
    assert [a.status for a in attempts] == [500, 503, 200]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery_id}
    for request in receiver.requests:  # every attempt is signed afresh
        Webhook(secret).verify(request.body, request.headers)


async def test_a_slow_receiver_times_out_and_is_retried(world: World, receiver: Receiver) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    (delivery_id,) = await _queue(world, app.client_id)
    receiver.script = [(200, 1.0)]  # answers, but too late
    sender = dispatcher(world, webhook_timeout_seconds=0.2, webhook_retry_interval_seconds=30)
    await sender.run_once()
    row, attempts = await _delivery(world, delivery_id)
    assert row.status == "pending" and row.attempts == 1 and row.last_status is None
    assert (
        attempts[0].status is None
        and attempts[0].error is not None
        and attempts[0].error.startswith("timeout")
    )
    world.clock.advance(timedelta(seconds=30))
    await sender.run_once()
    row, attempts = await _delivery(world, delivery_id)
    assert row.status == "delivered" and [a.status for a in attempts] == [None, 200]


async def test_a_receiver_down_then_back_gets_everything(world: World, receiver: Receiver) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    await receiver.stop()
    ids = await _queue(world, app.client_id, count=5)
    sender = dispatcher(world, webhook_retry_interval_seconds=10)
    assert await sender.run_once() == 5
    row, attempts = await _delivery(world, ids[0])
    assert (
        row.status == "pending" and attempts[0].error is not None and attempts[0].error.startswith("connect")
    )
    await receiver.start()  # the same port
    world.clock.advance(timedelta(seconds=10))
    assert await sender.run_until_idle() == 5
    assert sorted(r.headers["webhook-id"] for r in receiver.requests) == sorted(ids)


async def test_the_schedule_runs_out_then_an_operator_replays(world: World, receiver: Receiver) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    (delivery_id,) = await _queue(world, app.client_id)
    receiver.status = 500
    sender = dispatcher(world, webhook_retries=2, webhook_retry_interval_seconds=1)
    for _ in range(3):
        await sender.run_once()
        world.clock.advance(timedelta(seconds=1))
    assert await sender.run_once() == 0
    row, attempts = await _delivery(world, delivery_id)
    assert row.status == "failed" and row.attempts == 3 and len(attempts) == 3

    receiver.status = 200
    async with world.app.runtime.db.transaction() as session:
        listed = await webhooks.list_deliveries(session, client_id=app.client_id, status="failed")
        assert [v.delivery_id for v in listed] == [delivery_id]
        await webhooks.replay(session, delivery=delivery_id, now=world.clock.now())
    await sender.run_once()
    row, attempts = await _delivery(world, delivery_id)
    assert row.status == "delivered" and len(attempts) == 4


async def test_replay_failed_since_a_moment(world: World, receiver: Receiver) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    early = await _queue(world, app.client_id)
    world.clock.advance(timedelta(hours=1))
    since = world.clock.now()
    late = await _queue(world, app.client_id, count=2)
    receiver.status = 500
    await dispatcher(world, webhook_retries=0).run_until_idle()
    assert [(await _delivery(world, i))[0].status for i in early + late] == ["failed"] * 3

    receiver.status = 200
    async with world.app.runtime.db.transaction() as session:
        count = await webhooks.replay_failed(
            session, since=since, now=world.clock.now(), client_id=app.client_id
        )
    assert count == 2
    await dispatcher(world).run_until_idle()
    assert [(await _delivery(world, i))[0].status for i in early + late] == [
        "failed",
        "delivered",
        "delivered",
    ]


async def test_a_pending_delivery_survives_a_restart(
    world: World, receiver: Receiver, settings: Settings
) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    (waiting,) = await _queue(world, app.client_id)
    (crashed,) = await _queue(world, app.client_id)
    # A sender takes both with a lease and dies before recording anything.
    first = dispatcher(world)
    claimed = await first._claim(10)
    assert {c.delivery_id for c in claimed} == {waiting, crashed}

    # A new process: its own runtime on the same database.
    clock = ManualClock(world.clock.now())
    runtime = Runtime.from_settings(settings, clock=clock)
    try:
        fresh = webhook_delivery.Dispatcher(runtime, fetcher=dispatcher(world).fetcher, name="restarted")
        assert await fresh.run_once() == 0  # still leased to the dead one
        clock.advance(first.lease + timedelta(seconds=1))
        assert await fresh.run_until_idle() == 2
    finally:
        await runtime.db.dispose()
    assert sorted(r.headers["webhook-id"] for r in receiver.requests) == sorted([waiting, crashed])
    assert (await _delivery(world, crashed))[0].status == "delivered"


async def test_many_deliveries_are_in_flight_at_once(world: World, receiver: Receiver) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    await _queue(world, app.client_id, count=30)
    receiver.delay = 0.1
    assert await dispatcher(world).run_once() == 30
    assert receiver.max_in_flight > 10


async def test_private_addresses_are_refused_in_operator_mode(
    world: World, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    (delivery_id,) = await _queue(world, app.client_id)
    runtime = world.app.runtime
    operator = dataclasses.replace(runtime, settings=runtime.settings.model_copy(update={"sandbox": False}))
    sender = webhook_delivery.Dispatcher(
        operator, name="guarded"
    )  # operator mode: no loopback, no private targets
    try:
        await sender.run_once()
    finally:
        await sender.aclose()
    row, attempts = await _delivery(world, delivery_id)
    assert receiver.requests == []
    assert row.status == "pending" and attempts[0].error is not None
    assert attempts[0].error.startswith("blocked_address")
    # Loud, with the way out: a warning naming the URL, the reason and the setting.
    (warning,) = [r for r in caplog.records if r.levelname == "WARNING" and delivery_id in r.getMessage()]
    assert receiver.url in warning.getMessage() and "blocked_address" in warning.getMessage()
    assert "PAZAR_WEBHOOK_ALLOW_PRIVATE" in warning.getMessage()


async def test_the_sandbox_delivers_to_loopback_receivers(world: World, receiver: Receiver) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    (delivery_id,) = await _queue(world, app.client_id)
    assert world.app.runtime.settings.sandbox and not world.app.runtime.settings.webhook_allow_private
    sender = webhook_delivery.Dispatcher(world.app.runtime, name="sandboxed")
    try:
        await sender.run_once()
    finally:
        await sender.aclose()
    row, attempts = await _delivery(world, delivery_id)
    assert len(receiver.requests) == 1
    assert row.status == "delivered" and attempts[0].status == 200


async def test_an_app_without_a_callback_url_gets_no_delivery(world: World) -> None:
    app, _, _ = await re_app(world)
    async with world.app.runtime.db.transaction() as session:
        row = (
            await session.execute(select(PartnerApp).where(PartnerApp.client_id == app.client_id))
        ).scalar_one()
        now = world.clock.now()
        made = await webhooks.notify(
            session,
            app=row,
            object_id="o",
            transaction_id="t",
            flow=wire.FLOW_LIFECYCLE,
            event_type=wire.STATE_CHANGED,
            data={},
            event_at=now,
            now=now,
        )
    assert made is None


async def test_the_running_loop_sends_a_commit_at_once_without_polling(
    world: World, receiver: Receiver
) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    sender = dispatcher(world, webhook_poll_interval=3600)  # it would never poll during this test
    loop = asyncio.create_task(sender.run_forever())
    try:
        await asyncio.sleep(0.05)
        ids = await _queue(world, app.client_id, count=3)
        await receiver.wait_for(3, timeout=5)
        assert sorted(r.headers["webhook-id"] for r in receiver.requests) == sorted(ids)
    finally:
        sender.stop()
        await loop
    for delivery_id in ids:  # recorded before the loop stopped
        row, attempts = await _delivery(world, delivery_id)
        assert row.status == "delivered" and len(attempts) == 1


async def test_the_running_loop_picks_up_what_another_process_wrote(
    world: World, receiver: Receiver, settings: Settings
) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    sender = dispatcher(world, webhook_poll_interval=0.05)
    loop = asyncio.create_task(sender.run_forever())
    other = Runtime.from_settings(settings, clock=world.clock)  # writes on its own engine: no hand-over
    try:
        await asyncio.sleep(0.05)
        ids = await _queue(world, app.client_id, count=2, runtime=other)
        await receiver.wait_for(2, timeout=5)
        assert sorted(r.headers["webhook-id"] for r in receiver.requests) == sorted(ids)
    finally:
        sender.stop()
        await loop
        await other.db.dispose()


# --- batches: claims, results, leases ----------------------------------------------------------


async def test_concurrent_claims_never_hand_one_delivery_to_two_dispatchers(
    world: World, receiver: Receiver, settings: Settings
) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    ids = set(await _queue(world, app.client_id, count=60))
    other = Runtime.from_settings(settings, clock=world.clock)  # another process on the same database
    try:
        first = dispatcher(world)
        second = webhook_delivery.Dispatcher(other, fetcher=first.fetcher, name="other-process")
        a, b = await asyncio.gather(first._claim(40), second._claim(40))
        got_a, got_b = {c.delivery_id for c in a}, {c.delivery_id for c in b}
        assert not got_a & got_b
        assert len(a) == len(got_a) and len(b) == len(got_b)
        rest = {c.delivery_id for c in await dispatcher(world)._claim(100)}
        assert not rest & (got_a | got_b)
        assert got_a | got_b | rest == ids  # everything due was claimed exactly once
    finally:
        await other.db.dispose()


async def test_every_result_of_a_batch_is_recorded(world: World, receiver: Receiver) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    ids = await _queue(world, app.client_id, count=40)
    receiver.script = [(500, 0.0)] * 15  # some of the batch fail, the rest succeed
    sender = dispatcher(world)
    assert await sender.run_once() == 40
    rows = [await _delivery(world, i) for i in ids]
    assert all(len(attempts) == 1 and row.attempts == 1 for row, attempts in rows)
    assert all(row.locked_by is None and row.locked_until is None for row, _ in rows)
    statuses = sorted(row.status for row, _ in rows)
    assert statuses == ["delivered"] * 25 + ["pending"] * 15
    retry_at = world.clock.now() + timedelta(
        seconds=world.app.runtime.settings.webhook_retry_interval_seconds
    )
    assert all(row.next_attempt_at >= retry_at for row, _ in rows if row.status == "pending")
    assert await sender.run_once() == 0  # nothing due until the schedule says so


async def test_a_stopping_loop_gives_back_what_it_never_started(world: World, receiver: Receiver) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    receiver.delay = 0.3
    sender = dispatcher(world, webhook_concurrency=1, webhook_poll_interval=3600)
    loop = asyncio.create_task(sender.run_forever())
    try:
        await asyncio.sleep(0.05)
        ids = await _queue(world, app.client_id, count=4)  # handed over, leased to the loop
        await receiver.wait_for(1, timeout=5)
    finally:
        sender.stop()
        await loop
    sent = {r.headers["webhook-id"] for r in receiver.requests}
    unsent = [i for i in ids if i not in sent]
    assert unsent
    for delivery_id in unsent:
        row, attempts = await _delivery(world, delivery_id)
        assert (row.status, row.locked_by, attempts) == ("pending", None, [])
    receiver.delay = 0.0
    assert await dispatcher(world).run_until_idle() == len(unsent)  # at once: no lease to wait out
    assert sorted(r.headers["webhook-id"] for r in receiver.requests) == sorted(ids)


# --- the POST pool: keep-alive connections ----------------------------------------------------


class _RawReceiver:
    """Answers every POST with 200; counts connections; may close each one silently after answering."""

    def __init__(self, *, close_after_answer: bool = False, chunked: bool = False) -> None:
        self.close_after_answer = close_after_answer
        self.chunked = chunked
        self.connections = 0
        self.requests = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                await reader.readexactly(length)
                self.requests += 1
                if self.chunked:
                    writer.write(
                        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
                    )
                else:
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
                if self.close_after_answer:  # like a server whose keep-alive timeout is very short
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.mark.parametrize("chunked", [False, True])
async def test_posts_reuse_kept_alive_connections(chunked: bool) -> None:
    from pazar.fetcher import FetchPolicy, HttpFetcher

    server = _RawReceiver(chunked=chunked)
    url = await server.start()
    fetcher = HttpFetcher(FetchPolicy(allow_private=True, total_timeout=5))
    try:
        for _ in range(5):
            result = await fetcher.post_json(url, b"{}", headers={"webhook-id": "msg_1"})
            assert (result.status, result.excerpt) == (200, "abcde" if chunked else "ok")
        assert (server.requests, server.connections) == (5, 1)
    finally:
        await fetcher.aclose()
        await server.stop()


async def test_a_kept_alive_connection_the_server_closed_is_replaced() -> None:
    from pazar.fetcher import FetchPolicy, HttpFetcher

    server = _RawReceiver(close_after_answer=True)
    url = await server.start()
    fetcher = HttpFetcher(FetchPolicy(allow_private=True, total_timeout=5))
    try:
        for _ in range(3):
            await asyncio.sleep(0.02)  # the close reaches us, or not: either way the POST goes through
            assert (await fetcher.post_json(url, b"{}", headers={})).status == 200
        assert server.requests == 3 and server.connections == 3
    finally:
        await fetcher.aclose()
        await server.stop()


async def test_deliveries_claimed_while_the_loop_stops_are_sent_and_recorded(
    world: World, receiver: Receiver
) -> None:
    app, _, _ = await re_app(world, webhook_url=receiver.url)
    ids = await _queue(world, app.client_id, count=5, runtime=None)
    sender = dispatcher(world, webhook_poll_interval=3600)
    claim = sender._claim

    async def claim_then_stop(limit: int) -> list[Any]:  # the stop arrives while the claim runs
        sender.stop()
        sender._results_ready.set()  # and the results writer looks round meanwhile
        await asyncio.sleep(0.05)
        return await claim(limit)

    sender._claim = claim_then_stop
    await sender.run_forever()
    for delivery_id in ids:
        row, attempts = await _delivery(world, delivery_id)
        assert (row.status, row.locked_by, len(attempts)) == ("delivered", None, 1)


async def test_a_batch_hands_its_notifications_over_at_its_commit_without_the_rolled_back(
    world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pazar.worker
    from pazar.services import jobs
    from pazar.services.runtime import Session
    from pazar.worker import Worker

    monkeypatch.setattr(pazar.worker, "BATCH_SECONDS", 3600.0)  # the three jobs share one transaction

    app, _, _ = await re_app(world, webhook_url=receiver.url)
    kind = f"notify-{uuid.uuid4().hex[:8]}"
    sent_before_commit: list[str] = []

    async def notify_then_fail_on_one(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
        partner = (
            await session.execute(select(PartnerApp).where(PartnerApp.client_id == app.client_id))
        ).scalar_one()
        now = runtime.clock.now()
        await webhooks.notify(
            session,
            app=partner,
            object_id=f"job-{payload['n']}",
            transaction_id=str(uuid.uuid4()),
            flow=wire.FLOW_LIFECYCLE,
            event_type=wire.STATE_CHANGED,
            data={"n": payload["n"]},
            event_at=now,
            now=now,
        )
        if payload["n"] == 1:
            raise RuntimeError("rolled back after writing its notification")
        if payload["n"] == 2:
            await asyncio.sleep(0.3)  # time for a delivery handed over before the commit to arrive
            sent_before_commit.extend(r.json()["object_id"] for r in receiver.requests)

    sender = dispatcher(world, webhook_poll_interval=3600)  # only hand-overs reach it
    loop = asyncio.create_task(sender.run_forever())
    try:
        await asyncio.sleep(0.05)
        now = world.clock.now()
        async with world.app.runtime.db.transaction() as session:
            for n in range(3):
                await jobs.enqueue(session, kind=kind, payload={"n": n}, run_at=now, now=now)
        worker = Worker(
            world.app.runtime,
            handlers={kind: notify_then_fail_on_one},
            batched_kinds=frozenset({kind}),
        )
        assert await worker.run_once() == 3
        await receiver.wait_for(2, timeout=5)
        await asyncio.sleep(0.2)  # time for a third, wrongly handed-over delivery to arrive
    finally:
        sender.stop()
        await loop
    assert sent_before_commit == []  # released savepoints hand nothing over; the commit does
    assert sorted(r.json()["object_id"] for r in receiver.requests) == ["job-0", "job-2"]
    async with world.app.runtime.db.transaction() as session:
        rows = (
            await session.execute(
                select(WebhookDelivery.object_id).where(WebhookDelivery.object_id.like("job-%"))
            )
        ).scalars()
        assert sorted(rows) == ["job-0", "job-2"]
