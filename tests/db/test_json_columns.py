"""JSON columns: written and read with orjson, with the standard library behind it for what orjson refuses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from pazar.db.models import Job
from pazar.db.session import json_dumps, json_loads
from pazar.services import jobs
from support import World, unique


async def test_a_document_round_trips_through_the_database(world: World) -> None:
    document = {
        "title": "Łódź — mieszkanie <b>'; DROP TABLE adverts; --",
        "nested": {"list": [1, 2.5, None, True], "emoji": "🏠"},
        "big": 2**70,  # beyond orjson: the standard library writes it
        7: "an integer key becomes a string, as JSON has it",
    }
    runtime, kind = world.app.runtime, unique("json")
    later = world.clock.now() + timedelta(days=3650)
    async with runtime.db.transaction() as session:
        job_id = await jobs.enqueue(session, kind=kind, payload=document, run_at=later, now=later)
    async with runtime.db.transaction() as session:
        stored = (await session.execute(select(Job.payload).where(Job.id == job_id))).scalar_one()
        raw = (
            await session.execute(text("SELECT payload FROM jobs WHERE id = :id"), {"id": job_id})
        ).scalar_one()
    assert stored == {**{k: v for k, v in document.items() if k != 7}, "7": document[7]}
    assert stored["big"] == 2**70  # read back as orjson reads a request body holding it
    assert "🏠" in (raw if isinstance(raw, str) else json_dumps(raw))  # UTF-8, not \\u escapes


def test_the_fallbacks() -> None:
    assert json_dumps({"a": 2**70}) == '{"a": 1180591620717411303424}'
    assert json_dumps({1: "x"}) == '{"1":"x"}'
    assert json_loads('{"a": NaN}')["a"] != json_loads('{"a": NaN}')["a"]  # NaN, read by the stdlib
    assert json_loads(b'{"a":[1,"\xc5\x81"]}') == {"a": [1, "Ł"]}
