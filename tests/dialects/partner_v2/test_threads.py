"""Threads & messages through HTTP: a buyer writes on the public page, the partner reads and replies."""

from __future__ import annotations

import asyncio

from messaging_support import active_advert, api_post, browser, headers, log_in, not_found, page_path, write
from support import V2, World, bad_request, seller, validation


async def test_a_buyer_writes_the_partner_replies_the_buyer_sees_it_and_mark_as_read(world: World) -> None:
    me, advert = await active_advert(world)
    async with browser(world) as buyer:
        sent = await write(
            buyer, advert, "Czy telefon jest nadal dostępny?", name="Ola", email="ola@example.com"
        )
        assert sent.status_code == 303 and sent.headers["location"].endswith("#messages")
        assert "pazar_buyer" in sent.headers["set-cookie"]

        threads = await me.get("/threads")
        assert threads.status_code == 200
        [thread] = threads.json()["data"]
        assert thread == {
            "id": thread["id"],
            "advert_id": advert["id"],
            "interlocutor_id": thread["interlocutor_id"],
            "total_count": 1,
            "unread_count": 1,
            "created_at": thread["created_at"],
            "is_favourite": False,
        }
        assert thread["interlocutor_id"] != me.user.id
        who = await me.get(f"/users/{thread['interlocutor_id']}")
        assert who.json() == {"data": {"id": thread["interlocutor_id"], "name": "Ola", "avatar": None}}
        tid = thread["id"]
        assert (await me.get(f"/threads/{tid}")).json() == {"data": thread}

        [received] = (await me.get(f"/threads/{tid}/messages")).json()["data"]
        assert received == {
            "id": received["id"],
            "thread_id": tid,
            "created_at": thread["created_at"],
            "type": "received",
            "text": "Czy telefon jest nadal dostępny?",
            "is_read": False,
            "attachments": None,
            "cvs": [],
            "phone": "",
        }
        assert (await me.get(f"/threads/{tid}/messages/{received['id']}")).json() == {"data": received}

        reply = await api_post(
            world, me.token, f"/threads/{tid}/messages", {"text": "Tak, zapraszam <b>jutro</b>"}
        )
        assert reply.status_code == 200
        answer = reply.json()["data"]
        assert answer["type"] == "sent" and answer["is_read"] is False
        assert answer["text"] == "Tak, zapraszam <b>jutro</b>"  # stored as text

        page = await buyer.get(page_path(advert["url"]))
        assert "Tak, zapraszam &lt;b&gt;jutro&lt;/b&gt;" in page.text  # escaped on the page
        assert "<b>jutro</b>" not in page.text
        assert "Czy telefon jest nadal dostępny?" in page.text
        # The buyer has now read the reply.
        seen = (await me.get(f"/threads/{tid}/messages/{answer['id']}")).json()["data"]
        assert seen["is_read"] is True

        mark = await api_post(world, me.token, f"/threads/{tid}/commands", {"command": "mark-as-read"})
        assert mark.status_code == 204 and mark.content == b""
        after = (await me.get(f"/threads/{tid}")).json()["data"]
        assert after["unread_count"] == 0 and after["total_count"] == 2

        fav = await api_post(
            world, me.token, f"/threads/{tid}/commands", {"command": "set-favourite", "is_favourite": True}
        )
        assert fav.status_code == 204
        assert (await me.get(f"/threads/{tid}")).json()["data"]["is_favourite"] is True
        unfav = await api_post(
            world, me.token, f"/threads/{tid}/commands", {"command": "set-favourite", "is_favourite": False}
        )
        assert unfav.status_code == 204
        assert (await me.get(f"/threads/{tid}")).json()["data"]["is_favourite"] is False

        # The same guest writes again: the same thread.
        assert (await write(buyer, advert, "Super, będę o 10.")).status_code == 303
        again = (await me.get(f"/threads/{tid}")).json()["data"]
        assert (again["total_count"], again["unread_count"]) == (3, 1)


async def test_threads_filters_and_paging(world: World) -> None:
    me, advert = await active_advert(world)
    for n in range(3):
        async with browser(world) as buyer:
            assert (await write(buyer, advert, f"Pytanie {n}", email=f"b{n}@example.com")).status_code == 303
    every = (await me.get("/threads")).json()["data"]
    assert len(every) == 3 and [t["id"] for t in every] == sorted(t["id"] for t in every)
    assert (await me.get("/threads", params={"offset": 1, "limit": 1})).json()["data"] == [every[1]]
    who = every[2]["interlocutor_id"]
    assert (await me.get("/threads", params={"interlocutor_id": who})).json()["data"] == [every[2]]
    assert (await me.get("/threads", params={"advert_id": advert["id"]})).json()["data"] == every
    assert (await me.get("/threads", params={"advert_id": advert["id"] + 10_000})).json()["data"] == []
    bad = await me.get("/threads", params={"limit": "lots"})
    assert bad.json() == validation(("limit", "This value is not valid."))
    huge = await me.get("/threads", params={"advert_id": str(2**64)})
    assert huge.json() == validation(("advert_id", "This value is not valid."))


async def test_threads_are_owner_scoped(world: World) -> None:
    me, advert = await active_advert(world)
    async with browser(world) as buyer:
        await write(buyer, advert, "Hej")
    [thread] = (await me.get("/threads")).json()["data"]
    [message] = (await me.get(f"/threads/{thread['id']}/messages")).json()["data"]
    other = await seller(world)
    assert (await other.get("/threads")).json() == {"data": []}
    for path in (
        f"/threads/{thread['id']}",
        f"/threads/{thread['id']}/messages",
        f"/threads/{thread['id']}/messages/{message['id']}",
    ):
        response = await other.get(path)
        assert response.status_code == 404 and response.json() == not_found("Thread not found")
    posted = await api_post(world, other.token, f"/threads/{thread['id']}/messages", {"text": "Nie moje"})
    assert posted.json() == not_found("Thread not found")
    cmd = await api_post(world, other.token, f"/threads/{thread['id']}/commands", {"command": "mark-as-read"})
    assert cmd.json() == not_found("Thread not found")
    assert (await me.get("/threads/999999")).json() == not_found("Thread not found")
    assert (await me.get(f"/threads/{thread['id']}/messages/999999")).json() == not_found("Message not found")
    huge = await me.get(f"/threads/{2**64}")
    assert huge.status_code == 404 and huge.json() == not_found("Resource not found")
    # A client token has no user.
    client = (await world.client_token(me.app))["access_token"]
    assert (await world.get("/threads", client)).json() == bad_request("Invalid owner in token")


async def test_hostile_message_bodies(world: World) -> None:
    me, advert = await active_advert(world)
    async with browser(world) as buyer:
        await write(buyer, advert, "Hej")
    [thread] = (await me.get("/threads")).json()["data"]
    path = f"/threads/{thread['id']}/messages"
    blank = validation(("text", "This value should not be blank."))
    assert (await api_post(world, me.token, path, {"text": "   "})).json() == blank
    too_long = await api_post(world, me.token, path, {"text": "x" * 100_000})
    assert too_long.json() == validation(
        ("text", "This value is too long. It should have 4000 characters or less.")
    )
    assert (await api_post(world, me.token, path, {})).json() == validation(
        ("text", "This field is required")
    )
    assert (await api_post(world, me.token, path, {"text": 5})).json() == validation(
        ("text", "Invalid value")
    )
    assert (await api_post(world, me.token, path, {"text": "a\x00b"})).json() == validation(
        ("text", "Invalid value")
    )
    unknown = await api_post(world, me.token, path, {"text": "hi", "admin": True})
    assert unknown.json() == {"data": bad_request("Error while decoding JSON data: Syntax error")}
    bad_utf8 = await world.http.post(
        f"/api/partner{path}",
        content=b'{"text": "\xff"}',
        headers={**headers(me.token), "Content-Type": "application/json"},
    )
    assert bad_utf8.json() == bad_request("Error while decoding JSON data: Malformed UTF-8 characters")
    nested = await world.http.post(
        f"/api/partner{path}",
        content=b'{"text":' + b"[" * 5000 + b"]" * 5000 + b"}",
        headers={**headers(me.token), "Content-Type": "application/json"},
    )
    assert nested.status_code == 400 and "error" in nested.json().get("data", nested.json())
    phone = await api_post(world, me.token, path, {"text": "Zadzwoń", "phone": "601234567"})
    assert phone.json() == validation(("phone", "This field is not allowed in this category"))
    assert (await me.get(f"/threads/{thread['id']}")).json()["data"]["total_count"] == 1  # nothing was stored


async def test_thread_commands_errors(world: World) -> None:
    me, advert = await active_advert(world)
    async with browser(world) as buyer:
        await write(buyer, advert, "Hej")
    [thread] = (await me.get("/threads")).json()["data"]
    path = f"/threads/{thread['id']}/commands"
    missing = await api_post(world, me.token, path, {"command": "set-favourite"})
    assert missing.json() == validation(("is_favourite", "This field is required"))
    unknown = await api_post(world, me.token, path, {"command": "delete-everything"})
    assert unknown.json() == validation(("command", "Invalid value"))
    not_bool = await api_post(world, me.token, path, {"command": "set-favourite", "is_favourite": "yes"})
    assert not_bool.json() == validation(("is_favourite", "Invalid value"))
    read_only = (await world.user_token(me.app, me.user, scope="v2 read"))["access_token"]
    refused = await api_post(world, read_only, path, {"command": "mark-as-read"})
    assert refused.status_code == 401 and refused.json()["error"] == "insufficient_scope"


async def test_html_from_a_buyer_is_stored_as_text_and_escaped_on_every_page(world: World) -> None:
    me, advert = await active_advert(world)
    evil = "<script>alert(1)</script>'; DROP TABLE messages; --"
    async with browser(world) as buyer:
        assert (await write(buyer, advert, evil, name="<img src=x onerror=alert(1)>")).status_code == 303
        page = await buyer.get(page_path(advert["url"]))
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    [thread] = (await me.get("/threads")).json()["data"]
    [message] = (await me.get(f"/threads/{thread['id']}/messages")).json()["data"]
    assert message["text"] == evil


async def test_buyer_form_errors(world: World) -> None:
    me, advert = await active_advert(world)
    async with browser(world) as buyer:
        empty = await write(buyer, advert, "  ")
        assert empty.status_code == 400 and "text: This value should not be blank." in empty.text
        no_mail = await buyer.post(f"/offers/{advert['id']}/messages", data={"text": "Hej", "name": "Ola"})
        assert no_mail.status_code == 400 and "email: Invalid e-mail address" in no_mail.text
        gone = await buyer.post(
            "/offers/99999999/messages", data={"text": "Hej", "name": "O", "email": "o@x.pl"}
        )
        assert gone.status_code == 404
        huge = await buyer.post(f"/offers/{2**64}/messages", data={"text": "Hej"})
        assert huge.status_code == 404
        bad = await buyer.post(
            f"/offers/{advert['id']}/messages",
            content=b"text=\xff\xfe",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert bad.status_code == 400
    # The owner sees no form of their own.
    async with browser(world) as owner:
        await log_in(world, owner, me, me.user)
        page = await owner.get(page_path(advert["url"]))
        assert "This is your advert" in page.text
        own = await owner.post(
            f"/offers/{advert['id']}/messages", data={"text": "Hej", **_csrf_of(page.text)}
        )
        assert own.status_code == 400
    assert (await me.get("/threads")).json() == {"data": []}


def _csrf_of(page: str) -> dict[str, str]:
    from messaging_support import hidden

    return {k: v for k, v in hidden(page).items() if k == "csrf"}


async def test_a_forged_form_is_refused_when_the_buyer_has_a_cookie(world: World) -> None:
    me, advert = await active_advert(world)
    async with browser(world) as buyer:
        await write(buyer, advert, "Hej")
        forged = await buyer.post(
            f"/offers/{advert['id']}/messages", data={"text": "Spam", "name": "O", "email": "o@example.com"}
        )
        assert forged.status_code == 400 and "expired" in forged.text
    [thread] = (await me.get("/threads")).json()["data"]
    assert thread["total_count"] == 1


async def test_a_registered_buyer_racing_with_themself_gets_one_thread(world: World) -> None:
    me, advert = await active_advert(world)
    visitor = await world.user(name="Kupujący")
    async with browser(world) as buyer:
        await log_in(world, buyer, me, visitor)
        page = await buyer.get(page_path(advert["url"]))
        assert "name='email'" not in page.text  # a registered user writes as themself
        form = {**_csrf_of(page.text)}
        results = await asyncio.gather(
            *(
                buyer.post(f"/offers/{advert['id']}/messages", data={**form, "text": f"Wiadomość {n}"})
                for n in range(6)
            )
        )
        assert [r.status_code for r in results] == [303] * 6
    [thread] = (await me.get("/threads")).json()["data"]
    assert thread["interlocutor_id"] == visitor.id
    assert (thread["total_count"], thread["unread_count"]) == (6, 6)


async def test_an_inactive_advert_takes_no_messages(world: World) -> None:
    me = await seller(world)
    advert = await me.create()  # still new: no public page
    async with browser(world) as buyer:
        response = await buyer.post(
            f"/offers/{advert['id']}/messages", data={"text": "Hej", "name": "O", "email": "o@example.com"}
        )
        assert response.status_code == 404
    assert (await world.get("/threads", me.token)).json() == {"data": []}
    assert V2  # the Version header is part of every partner call above


async def test_the_shared_v2_guards_hold_on_messaging_routes(world: World) -> None:
    me, advert = await active_advert(world)
    async with browser(world) as buyer:
        await write(buyer, advert, "Hej")
    [thread] = (await me.get("/threads")).json()["data"]
    no_version = await world.http.get("/api/partner/threads", headers={"Authorization": f"Bearer {me.token}"})
    assert no_version.json() == {"data": bad_request("Missing required 'Version' header!")}
    anonymous = await world.http.get("/api/partner/threads", headers=V2)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_token"
    huge = await world.http.post(
        f"/api/partner/threads/{thread['id']}/messages",
        content=b'{"text": "' + b"x" * 300_000 + b'"}',
        headers={**headers(me.token), "Content-Type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["error"]["title"] == "Payload Too Large"
    listed = await world.http.post(
        f"/api/partner/threads/{thread['id']}/messages", json=["text"], headers=headers(me.token)
    )
    assert listed.status_code == 400 and "error" in listed.json().get("data", listed.json())
    assert (await me.get(f"/threads/{thread['id']}")).json()["data"]["total_count"] == 1
