"""Autoupload bulk import: 100 imports of 1,000 ads, processed to ``accepted`` by the worker.

For each database asked for, on a fresh database:

1. migrates and seeds it, makes one Brasil business user, a partner app and an ``autoupload`` token
   (in this process, through pazar's services);
2. starts ``pazar serve`` (one API process) and ``--workers`` ``pazar worker`` processes (default 2);
   with ``--workers 0`` the API process runs its embedded worker instead;
3. sends ``--imports`` PUT /autoupload/import of ``--batch`` ads each (cars and apartments, no
   images), one after the other, timing each answer;
4. waits until every ad's advert is ``active`` (counted in the database every 0.2 s);
5. prints PUT latency (p50, p99, max), end-to-end throughput (ads / seconds from the first PUT to the
   last advert accepted) and the peak RSS (VmHWM) of every pazar process, and checks the targets:
   p99 < 500 ms, >= 5,000 ads/s on SQLite, server peak RSS < 300 MB.

    .venv/bin/python bench/autoupload_import.py [--database sqlite|postgresql|both]
        [--imports 100] [--batch 1000] [--workers N] [--pg-url URL]

``--pg-url`` names a database that is dropped and created again (never ``test`` or ``postgres``).
Every process it starts runs in its own process group and is ended on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from _procs import free_port, postgres_cpu_seconds

REPO = Path(__file__).resolve().parent.parent
PAZAR = str(REPO / ".venv" / "bin" / "pazar")
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/pazar_br_bench"
PROTECTED = {"test", "postgres", "template0", "template1", "pazar_br", "pazar_re"}
TARGETS = {"put_p99_ms": 500.0, "sqlite_ads_per_s": 5000.0, "server_rss_mb": 300.0}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


TICK = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU time the whole machine spent busy (all processes), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


def process_seconds(pid: int) -> float:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def ads_of(batch: int, size: int) -> list[dict[str, Any]]:
    ads = []
    for i in range(size):
        ref = f"b{batch}-{i}"
        if i % 2:
            ads.append(
                {
                    "id": ref,
                    "operation": "insert",
                    "category": 2020,
                    "subject": f"Audi A1 1.4 TFSI {2010 + i % 10}",
                    "body": "Carro muito conservado, revisões em dia na concessionária, único dono.",
                    "phone": 11987654321,
                    "type": "s",
                    "price": 50000 + i,
                    "zipcode": "01310100",
                    "params": {
                        "vehicle_brand": "6",
                        "vehicle_model": "3",
                        "vehicle_version": "1",
                        "regdate": str(2010 + i % 10),
                        "gearbox": "2",
                        "fuel": "1",
                        "mileage": str(10000 + i),
                        "car_features": ["1", "5"],
                    },
                }
            )
        else:
            ads.append(
                {
                    "id": ref,
                    "operation": "insert",
                    "category": 1020,
                    "subject": f"Apartamento {1 + i % 5} quartos perto do metrô",
                    "body": "Apartamento reformado, com portaria 24 horas e área de lazer completa.",
                    "phone": "21998765432",
                    "type": "u",
                    "price": 2000 + i,
                    "zipcode": "22041001",
                    "params": {"apartment_type": "1", "rooms": str(1 + i % 5), "size": str(40 + i % 100)},
                }
            )
    return ads


async def prepare(database_url: str) -> str:
    """Schema, shipped data, one user and app; returns an autoupload access token."""
    sys.path.insert(0, str(REPO / "src"))
    from pazar.config import Settings
    from pazar.db.migrate import upgrade
    from pazar.domain.brasil import AUTOUPLOAD_SCOPES, AUTOUPLOAD_TOKEN_POLICY
    from pazar.services import accounts, oauth, seed
    from pazar.services.runtime import Runtime
    from pazar.services.secrets_store import server_secret_key

    runtime = Runtime.from_settings(Settings(database_url=database_url))
    try:
        await upgrade(runtime.db.engine)
        async with runtime.db.transaction() as session:
            key = await server_secret_key(session, "")
            await seed.seed(session, secret_key=key, password="pazar-demo", clock=runtime.clock)
            user = await accounts.create_user(
                session,
                site_id="olx.com.br",
                email="bench@example.com",
                password="bench-pass",
                clock=runtime.clock,
                name="Revenda Bench",
                is_business=True,
            )
            new = await accounts.create_app(
                session,
                site_id="olx.com.br",
                name="bench",
                redirect_uris=["http://localhost/cb"],
                clock=runtime.clock,
                scopes=list(AUTOUPLOAD_SCOPES),
                grant_types=["authorization_code"],
            )
            code = await oauth.issue_code(
                session,
                app=new.app,
                user=user,
                scope="basic_user_info autoupload",
                redirect_uri_sent=None,
                clock=runtime.clock,
                tokens=runtime.tokens,
            )
            issued = await oauth.exchange(
                session,
                site_id="olx.com.br",
                request=oauth.TokenRequest(
                    grant_type="authorization_code",
                    client_id=new.app.client_id,
                    client_secret=new.client_secret,
                    code=code,
                ),
                clock=runtime.clock,
                tokens=runtime.tokens,
                policy=AUTOUPLOAD_TOKEN_POLICY,
            )
            return issued.access_token
    finally:
        await runtime.db.dispose()


async def reset_postgres(url: str) -> None:
    import asyncpg

    parts = urlsplit(url.replace("+asyncpg", ""))
    name = parts.path.lstrip("/")
    if name in PROTECTED:
        raise SystemExit(f"refusing to drop database {name!r}")
    admin = urlunsplit(parts._replace(path="/postgres"))
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


class Counter:
    """Counts active adverts straight in the database (cheap; not through the API)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._loop = asyncio.new_event_loop()
        self._pg: Any = None
        if url.startswith("sqlite"):
            self._sqlite = sqlite3.connect(url.partition(":///")[2], timeout=30)
        else:
            import asyncpg

            self._pg = self._loop.run_until_complete(asyncpg.connect(url.replace("+asyncpg", "")))

    def active(self) -> int:
        sql = "SELECT count(*) FROM adverts WHERE status = 'active' AND source = 'autoupload'"
        if self._pg is not None:
            return int(self._loop.run_until_complete(self._pg.fetchval(sql)))
        return int(self._sqlite.execute(sql).fetchone()[0])

    def close(self) -> None:
        if self._pg is not None:
            self._loop.run_until_complete(self._pg.close())
        else:
            self._sqlite.close()
        self._loop.close()


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def put(url: str, body: bytes) -> tuple[float, dict[str, Any]]:
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": "application/json", "Host": "apps.olx.com.br"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    return (time.perf_counter() - started) * 1000, answer


def run(database: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    else:
        url = args.pg_url
        asyncio.run(reset_postgres(url))
    workers = args.workers
    token = asyncio.run(prepare(url))
    port = free_port()
    env = {
        **os.environ,
        "PAZAR_DATABASE_URL": url,
        "PAZAR_PORT": str(port),
        "PAZAR_LOG_LEVEL": "warning",
        "PAZAR_MODERATION_DELAY_SECONDS": "0",
        "PAZAR_AUTOUPLOAD_RATE_LIMIT": "0",
        "PAZAR_AUTOUPLOAD_SLOTS": "0",
        "PAZAR_WORKER_POLL_INTERVAL": "0.05",
        "PAZAR_EMBEDDED_WORKER": "true" if workers == 0 else "false",
        "PAZAR_SEED_ON_START": "false",
    }
    server = start([PAZAR, "serve"], env, workdir / f"serve-{database}.log")
    others = [start([PAZAR, "worker"], env, workdir / f"worker-{database}-{i}.log") for i in range(workers)]
    counter = Counter(url)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/", timeout=2).read()
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((workdir / f"serve-{database}.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        bodies = [
            json.dumps({"access_token": token, "ad_list": ads_of(b, args.batch)}).encode()
            for b in range(args.imports)
        ]
        total = args.imports * args.batch
        latencies: list[float] = []
        ours = [server.pid, *(p.pid for p in others), os.getpid()]
        busy0, ours0, pg0 = busy_seconds(), sum(map(process_seconds, ours)), postgres_cpu_seconds()
        started = time.perf_counter()
        for body in bodies:
            elapsed, answer = put(f"{base}/autoupload/import", body)
            if answer["statusCode"] != 0:
                raise RuntimeError(f"import refused: {str(answer)[:500]}")
            latencies.append(elapsed)
        sent = time.perf_counter() - started
        active = 0
        while active < total:
            active = counter.active()
            if time.perf_counter() - started > args.timeout:
                raise RuntimeError(f"only {active} of {total} accepted after {args.timeout} s")
            if active < total:
                time.sleep(0.2)
        finished = time.perf_counter() - started
        busy = busy_seconds() - busy0
        pazar_cpu = sum(map(process_seconds, ours)) - ours0
        database_cpu = postgres_cpu_seconds() - pg0 if database == "postgresql" else 0.0
        others_share = max(0.0, busy - pazar_cpu - database_cpu) / (finished * (os.cpu_count() or 1))
        rss = {"serve": peak_rss_mb(server.pid)} | {
            f"worker-{i}": peak_rss_mb(p.pid) for i, p in enumerate(others)
        }
    finally:
        counter.close()
        for proc in [*others, server]:
            stop(proc)
    latencies.sort()
    return {
        "database": database,
        "workers": "embedded worker of `pazar serve`"
        if env["PAZAR_EMBEDDED_WORKER"] == "true"
        else f"{workers} x `pazar worker`",
        "ads": total,
        "imports": args.imports,
        "put_p50_ms": round(statistics.median(latencies), 1),
        "put_p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 1),
        "put_max_ms": round(latencies[-1], 1),
        "all_puts_answered_s": round(sent, 2),
        "end_to_end_s": round(finished, 2),
        "ads_per_s": round(total / finished),
        "peak_rss_mb": {k: round(v, 1) for k, v in rss.items()},
        "pazar_cpu_s": round(pazar_cpu, 1),
        "postgres_cpu_s": round(database_cpu, 1),
        # Other programs' share of the machine during the run: above ~5% the figures are disturbed.
        "other_programs_cpu_share": round(others_share, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--imports", type=int, default=100)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="pazar worker processes (0: embedded)")
    parser.add_argument("--pg-url", default=os.environ.get("PAZAR_BENCH_DATABASE_URL", DEFAULT_PG_URL))
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="pazar-bench-") as tmp:
        for database in databases:
            result = run(database, args, Path(tmp))
            results.append(result)
            print(json.dumps(result, indent=2))
    out = (
        REPO
        / "bench"
        / "results"
        / f"autoupload_import-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"machine": platform.node(), "cpus": os.cpu_count(), "results": results}, indent=2)
    )
    print(f"written to {out.relative_to(REPO)}")
    for r in results:
        server_rss = r["peak_rss_mb"]["serve"]
        checks = [
            f"PUT p99 {r['put_p99_ms']} ms < {TARGETS['put_p99_ms']:.0f}: {r['put_p99_ms'] < TARGETS['put_p99_ms']}",
            f"server peak RSS {server_rss} MB < {TARGETS['server_rss_mb']:.0f}: {server_rss < TARGETS['server_rss_mb']}",
        ]
        if r["database"] == "sqlite":
            ok = r["ads_per_s"] >= TARGETS["sqlite_ads_per_s"]
            checks.append(f"{r['ads_per_s']} ads/s >= {TARGETS['sqlite_ads_per_s']:.0f}: {ok}")
        print(f"{r['database']}: " + "; ".join(checks))


if __name__ == "__main__":
    main()
