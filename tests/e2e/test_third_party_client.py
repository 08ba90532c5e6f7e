"""An existing OLX client, unmodified, against a real pazar server: only its base URL changes.

The client is ``olx-api-wrapper`` (PyPI, sync, ``requests``). Its threads and messages calls follow the
seed; its business calls use a path the seed does not have (``/user-business/me``), so only threads,
messages and advert logos are driven here. It sends ``Content-Type: application/json`` on GETs, which
the real API refuses (developer FAQ) and pazar too by default: this server runs with
``strict_get_content_type=False``, the setting that exists for such clients.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from messaging_support import active_advert, browser, page_path, write
from pazar.app import create_app
from pazar.config import Settings
from pazar.ports import ManualClock
from support import World

partner = pytest.importorskip("olx.partner")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import uvicorn

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    port = _free_port()
    # The server's own configuration (not the client's): requests to 127.0.0.1 are olx.pl's.
    hosts = {**settings.host_map, "127.0.0.1": "olx.pl"}
    app = create_app(
        settings.model_copy(update={"strict_get_content_type": False, "host_map": hosts}), clock=clock
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # Start-up migrates and seeds a fresh database: generous on a loaded CI machine, but a server
    # whose thread died is reported at once.
    deadline = time.monotonic() + 90
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start (see its log above)"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


def _client(kind: Any, token: str, base: str) -> Any:
    client = kind(access_token=token, country_code="pl")
    client.url = base  # the only change: the base URL
    return client


async def test_the_client_lists_reads_replies_marks_read_and_sets_favourite(
    world: World, server: str
) -> None:
    me, advert = await active_advert(world)
    async with browser(world) as buyer:
        assert (await write(buyer, advert, "Czy mogę odebrać dziś?")).status_code == 303
        olx = _client(partner.ThreadsMessages, me.token, server)

        threads = await asyncio.to_thread(olx.get_threads)
        assert isinstance(threads, list), threads
        [thread] = threads
        assert (thread.advert_id, thread.total_count, thread.unread_count) == (advert["id"], 1, 1)
        assert thread.is_favourite is False
        [question] = await asyncio.to_thread(olx.get_messages, thread.id)
        assert (question.type, question.text, question.is_read) == (
            "received",
            "Czy mogę odebrać dziś?",
            False,
        )
        one = await asyncio.to_thread(olx.get_message, thread.id, question.id)
        assert one == question

        reply = await asyncio.to_thread(olx.post_message, thread.id, "Tak, po 17.")
        assert (reply.type, reply.text) == ("sent", "Tak, po 17.")
        assert "Tak, po 17." in (await buyer.get(page_path(advert["url"]))).text

    await asyncio.to_thread(olx.action_on_thread, thread.id, "mark-as-read")
    await asyncio.to_thread(olx.action_on_thread, thread.id, "set-favourite", True)
    after = await asyncio.to_thread(olx.get_thread, thread.id)
    assert (after.unread_count, after.total_count, after.is_favourite) == (0, 2, True)
    only_this = await asyncio.to_thread(olx.get_threads, advert["id"])
    assert [t.id for t in only_this] == [thread.id]
