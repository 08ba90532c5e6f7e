"""``pazar messages send``: a buyer's message from the command line lands in the owner's threads."""

from __future__ import annotations

import json

from messaging_support import active_advert
from pazar.config import Settings
from support import World
from test_cli import pazar


async def test_messages_send_as_a_guest_then_as_a_registered_user(world: World, settings: Settings) -> None:
    me, advert = await active_advert(world)
    first = await pazar(
        settings,
        "messages",
        "send",
        "--advert",
        str(advert["id"]),
        "--from",
        "Kasia@Example.com",
        "--text",
        "Czy cena do negocjacji?",
        "--json",
    )
    assert first.returncode == 0, first.stderr
    sent = json.loads(first.stdout)
    again = await pazar(
        settings,
        "messages",
        "send",
        "--advert",
        str(advert["id"]),
        "--from",
        "kasia@example.com",
        "--text",
        "Halo?",
        "--json",
    )
    assert json.loads(again.stdout)["thread_id"] == sent["thread_id"]  # the same guest, the same thread

    visitor = await world.user()
    third = await pazar(
        settings,
        "messages",
        "send",
        "--advert",
        str(advert["id"]),
        "--from",
        visitor.email,
        "--text",
        "Dzień dobry",
    )
    assert third.returncode == 0 and third.stdout.startswith("message ")

    threads = (await me.get("/threads")).json()["data"]
    assert (threads[0]["id"], threads[0]["total_count"], threads[0]["unread_count"]) == (
        sent["thread_id"],
        2,
        2,
    )
    assert threads[1]["interlocutor_id"] == visitor.id
    messages = (await me.get(f"/threads/{sent['thread_id']}/messages")).json()["data"]
    assert [m["text"] for m in messages] == ["Czy cena do negocjacji?", "Halo?"]
    assert all(m["type"] == "received" for m in messages)


async def test_messages_send_refuses_bad_input_in_one_line(world: World, settings: Settings) -> None:
    _, advert = await active_advert(world)
    empty = await pazar(
        settings, "messages", "send", "--advert", str(advert["id"]), "--from", "a@b.pl", "--text", " "
    )
    assert empty.returncode == 1 and empty.stderr.strip() == "error: text: This value should not be blank."
    unknown = await pazar(
        settings, "messages", "send", "--advert", "99999999", "--from", "a@b.pl", "--text", "Hej"
    )
    assert unknown.returncode == 1 and unknown.stderr.strip() == "error: Advert not found"
    private = await pazar(
        settings,
        "messages",
        "send",
        "--advert",
        str(advert["id"]),
        "--from",
        "a@b.pl",
        "--text",
        "Hej",
        "--attach",
        "http://127.0.0.1/x.png",
    )
    assert private.returncode == 1 and private.stderr.strip() == "error: Image error: Remote file not exists"
