"""A worker killed (SIGKILL) in the middle of an import loses no ad and duplicates none."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from pazar.config import Settings
from pazar.db.models import Advert, AdvertEvent, ImportBatch, Job
from pazar.ports import ManualClock
from pazar.services.runtime import Runtime
from pazar.worker import Worker
from support import Integrator, World, apartment_ad, car_ad, integrator

FAR = timedelta(days=3650)

_DOOMED = textwrap.dedent(
    """
    import asyncio, sys
    from pazar.config import Settings
    from pazar.services.runtime import Runtime
    from pazar.wiring import job_handlers
    from pazar.worker import Worker

    async def slow_import(session, payload, runtime):
        await job_handlers()["autoupload_import"](session, payload, runtime)  # every advert written, not committed
        print("in-job", flush=True)
        await asyncio.sleep(3600)                                        # killed here

    async def main():
        runtime = Runtime.from_settings(Settings(database_url=sys.argv[1], moderation_delay_seconds=0))
        await Worker(runtime, name="doomed", batch=1, handlers={"autoupload_import": slow_import}).run_once()

    asyncio.run(main())
    """
)


async def _only_these_due(world: World, tokens: list[str]) -> None:
    """Other tests' jobs wait far in the future, so the child process sees only this test's."""
    async with world.app.runtime.db.transaction() as session:
        batches = list(
            (await session.execute(select(ImportBatch.id).where(ImportBatch.token.in_(tokens)))).scalars()
        )
        await session.execute(
            update(Job).where(Job.status == "pending").values(run_at=world.clock.now() + FAR)
        )
        for job in (await session.execute(select(Job).where(Job.kind == "autoupload_import"))).scalars():
            if job.payload["batch_id"] in batches:
                job.run_at = world.clock.now() - FAR


async def _survivor(settings: Settings) -> int:
    later = ManualClock(datetime.now(UTC) + timedelta(days=1))  # past the dead worker's lease
    runtime = Runtime.from_settings(settings, clock=later)
    try:
        return await Worker(runtime, name="survivor").run_until_idle()
    finally:
        await runtime.db.dispose()


async def _counts(world: World, me: Integrator) -> dict[str, Any]:
    async with world.app.runtime.db.transaction() as session:
        adverts = (
            await session.execute(
                select(Advert.external_id, func.count())
                .where(Advert.user_id == me.user.id)
                .group_by(Advert.external_id)
            )
        ).all()
        events = (
            await session.execute(
                select(AdvertEvent.type, func.count())
                .join(Advert, Advert.id == AdvertEvent.advert_id)
                .where(Advert.user_id == me.user.id)
                .group_by(AdvertEvent.type)
            )
        ).all()
        active = await session.scalar(
            select(func.count()).where(Advert.user_id == me.user.id, Advert.status == "active")
        )
    return {"per_ref": dict(adverts), "events": dict(events), "active": active}


async def test_killed_inside_the_import_job(world: World, settings: Settings, tmp_path: Path) -> None:
    me = await integrator(world)
    ads = [car_ad(f"k{n}") if n % 2 else apartment_ad(f"k{n}") for n in range(50)]
    token = await me.imported(ads)
    await _only_these_due(world, [token])
    script = tmp_path / "doomed.py"
    script.write_text(_DOOMED)
    child = subprocess.Popen(
        [sys.executable, str(script), settings.database_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), timeout=60)
    assert line.strip() == b"in-job", child.stderr.read() if child.stderr else b""
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert (await _counts(world, me))["per_ref"] == {}  # nothing of the killed job committed
    assert (await me.status(token))["autoupload_status"] == "pending"

    assert await _survivor(settings) >= 2
    counts = await _counts(world, me)
    assert counts["per_ref"] == {f"k{n}": 1 for n in range(50)}
    assert counts["events"] == {"advert_posted": 50, "advert_activated": 50}
    status = await me.status(token)
    assert status["autoupload_status"] == "done"
    assert {ad["status"] for ad in status["ads"].values()} == {"accepted"}


async def test_a_real_worker_killed_at_random_loses_nothing(world: World, settings: Settings) -> None:
    me = await integrator(world)
    tokens = [
        await me.imported([car_ad(f"r{b}-{n}") if n % 2 else apartment_ad(f"r{b}-{n}") for n in range(200)])
        for b in range(4)
    ]
    await _only_these_due(world, tokens)
    env = {
        **os.environ,
        "PAZAR_DATABASE_URL": settings.database_url,
        "PAZAR_MODERATION_DELAY_SECONDS": "0",
        "PAZAR_WORKER_POLL_INTERVAL": "0.05",
        "PAZAR_LOG_LEVEL": "warning",
    }
    pazar = str(Path(sys.executable).parent / "pazar")
    child = subprocess.Popen([pazar, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # kill it once it is under way, not done
            counts = await _counts(world, me)
            if sum(counts["per_ref"].values()) >= 200:
                break
            await asyncio.sleep(0.02)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    await _survivor(settings)
    counts = await _counts(world, me)
    assert counts["per_ref"] == {f"r{b}-{n}": 1 for b in range(4) for n in range(200)}
    assert counts["events"] == {"advert_posted": 800, "advert_activated": 800}
    assert counts["active"] == 800
    for token in tokens:
        assert (await me.status(token))["autoupload_status"] == "done"
