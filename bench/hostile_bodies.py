"""The worst known bodies against every parser, with the event loop's lag measured by a concurrent probe.

Builds pazar in-process on a fresh SQLite file (migrations + demo data, as the tests do), makes a v2
user token, then sends each hostile body (about 1 MB, the default limit) to each endpoint that parses a
body, one at a time, while a probe task sleeps 1 ms in a loop and records how late it wakes up. The
probe's worst lateness during a request is the longest stretch that request held the event loop.
Prints each request's status, duration and stall, and the worst stall per dialect (target < 100 ms).

    .venv/bin/python bench/hostile_bodies.py [--size 1048576]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from pazar.app import create_app
from pazar.config import Settings
from pazar.db.migrate import upgrade
from pazar.db.session import Database
from pazar.ports import ManualClock
from pazar.services import accounts, oauth, seed
from pazar.services.runtime import Runtime
from pazar.services.secrets_store import server_secret_key


def bodies(size: int) -> dict[str, bytes]:
    def fill(prefix: bytes, unit: bytes) -> bytes:
        return prefix + unit * ((size - len(prefix) - 64) // len(unit))

    return {
        "escaped quotes": fill(b'{"access_token": "', b'\\"'),
        "bare quotes": fill(b"", b'"'),
        "trailing commas": fill(b"[", b"[],"),
        "a trailing comma, then commas": fill(b'{"a": [1,], ', b","),
        "a trailing comma, then quotes": fill(b'{"a": [1,], "', b'\\"'),
        "10k trailing commas, then lists": fill(b"[" + b"[0,]," * 10_000, b"[],"),
        "deep nesting": fill(b"", b"["),
        "form fields": fill(b"", b"a=b&"),
        "tag openings in a title": fill(b'{"title": "', b"<a") + b'"}',
        "phone-like digits in a description": fill(b'{"description": "', b"1 ") + b'"}',
        "e-mail-like text in a description": fill(b'{"description": "', b"a@") + b'"}',
    }


class Probe:
    """Sleeps 1 ms at a time and keeps the worst lateness since the last ``take``."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.running = True

    async def run(self) -> None:
        while self.running:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            self.worst = max(self.worst, time.perf_counter() - started - 0.001)

    def take(self) -> float:
        worst, self.worst = self.worst, 0.0
        return worst


async def prepare(url: str) -> None:
    db = Database(url)
    await upgrade(db.engine)
    async with db.transaction() as session:
        key = await server_secret_key(session, "")
        await seed.seed(session, secret_key=key, password="pazar-demo", clock=ManualClock())
    await db.dispose()


async def v2_token(runtime: Runtime) -> str:
    clock = runtime.clock
    async with runtime.db.transaction() as session:
        user = await accounts.create_user(
            session, site_id="olx.pl", email="bench@example.com", password="secret-pass", clock=clock
        )
        made = await accounts.create_app(
            session,
            site_id="olx.pl",
            name="bench",
            redirect_uris=["https://bench.example.com/cb"],
            clock=clock,
        )
        issued = await oauth.grant_directly(
            session, app=made.app, user=user, scope="v2 read write", clock=clock, tokens=runtime.tokens
        )
        return issued.access_token


async def main(size: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="pazar-bench-"))
    url = f"sqlite+aiosqlite:///{work / 'pazar.db'}"
    await prepare(url)
    settings = Settings(
        database_url=url, seed_on_start=False, embedded_worker=False, max_body_bytes=max(size, 1_048_576)
    )
    runtime = Runtime.from_settings(settings, clock=ManualClock())
    app = create_app(settings, runtime=runtime)
    await app.startup()
    token = await v2_token(runtime)
    v2 = {"Version": "2.0", "Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    Endpoint = tuple[str, str, str, dict[str, str]]
    endpoints: list[Endpoint] = [
        ("autoupload", "PUT", "/autoupload/import", {"Host": "apps.olx.com.br"}),
        ("autoupload", "POST", "/oauth_api/basic_user_info", {"Host": "apps.olx.com.br"}),
        ("autoupload", "POST", "/oauth/token", {"Host": "auth.olx.com.br"}),
        ("partner_v2", "POST", "/api/open/oauth/token", {"Content-Type": "application/json"}),
        (
            "partner_v2",
            "POST",
            "/api/open/oauth/token",
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        ("partner_v2", "POST", "/api/partner/adverts", v2),
        (
            "re_v1",
            "POST",
            "/oauth/v1/token",
            {"Content-Type": "application/json", "Host": "api.olxgroup.com"},
        ),
        ("console", "POST", "/oauth/authorize/", {"Content-Type": "application/x-www-form-urlencoded"}),
    ]
    probe = Probe()
    probing = asyncio.create_task(probe.run())
    worst: dict[str, tuple[float, str]] = {}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    keep: Callable[[str, float, str], None] = lambda d, s, what: worst.__setitem__(  # noqa: E731
        d, max(worst.get(d, (0.0, "")), (s, what))
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl", timeout=600) as client:
        for dialect, method, path, headers in endpoints:
            for name, body in bodies(size).items():
                await asyncio.sleep(0.01)
                probe.take()
                started = time.perf_counter()
                response = await client.request(method, path, content=body, headers=headers)
                took = time.perf_counter() - started
                await asyncio.sleep(0.002)  # let the probe wake once more
                stall = probe.take()
                what = f"{method} {path} [{name}]"
                keep(dialect, stall, what)
                print(
                    f"{dialect:11} {what:75} {response.status_code}  {took * 1000:7.1f} ms  stall {stall * 1000:7.1f} ms"
                )
    probe.running = False
    await probing
    await app.shutdown()
    print("\nworst stall per dialect (target < 100 ms):")
    for dialect, (stall, what) in sorted(worst.items()):
        print(f"  {dialect:11} {stall * 1000:7.1f} ms  {what}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_048_576)
    asyncio.run(main(parser.parse_args().size))
