"""Webhook notifications of the RE Partner API, end to end: latency, throughput, and an outage.

Starts ``pazar serve`` (one process: API, embedded worker and webhook dispatcher) on a fresh
SQLite file and/or PostgreSQL database, with moderation immediate and loopback callback URLs
allowed, and a webhook receiver in its own process on 127.0.0.1 that records, for every request,
its arrival time, ``webhook-id``, ``object_id``, ``event_type`` and the payload's ``timestamp`` (the
moment of the status change, from the server's clock: same machine).

1. **Stream**: ``--adverts`` (10,000) ``POST /advert/v1`` at ``--concurrency``; every advert is
   moderated at once and its ``advert_posted_success`` delivered. Latency = arrival - timestamp
   (p50/p90/p99/max); deliveries/s over the arrival window.
2. **Outage**: the receiver is stopped, ``--outage-adverts`` more are published; their deliveries
   fail (connection refused) and are retried every ``--retry-interval`` s; after
   ``--outage-seconds`` the receiver comes back on the same port. Every notification must arrive
   (none lost); duplicates (same ``webhook-id`` twice) are counted; the recovery drain rate
   (deliveries/s from the first to the last arrival after the restart) is the engine's capacity
   on a backlog.

    .venv/bin/python bench/webhooks_delivery.py [--database sqlite|postgresql|both]
        [--adverts 10000] [--concurrency 32] [--outage-adverts 5000] [--outage-seconds 10]
        [--retry-interval 3] [--pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/pazar_re_bench]

Prints a table and writes the figures as JSON to ``bench/results/webhooks_delivery-<timestamp>.json``.
The receiver runs as ``python bench/webhooks_delivery.py --receiver PORT FILE`` (internal).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _procs import Processes, free_port

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PAZAR = str(REPO / ".venv" / "bin" / "pazar")
PYTHON = sys.executable
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/pazar_re_bench"
PROTECTED_DATABASES = {"test", "postgres", "template0", "template1", "pazar_re", "pazar_br"}
TARGETS = {"p99_ms": 100.0, "deliveries_per_s": 1000.0}


def advert(n: int) -> dict[str, Any]:
    return {
        "site_urn": "urn:site:imovirtualcom",
        "category_urn": "urn:concept:apartments-for-sale",
        "title": "Apartamento T2 renovado em Alvalade",
        "description": (
            "Apartamento com boa luminosidade, cozinha equipada, duas casas de banho e varanda. "
            "Perto de transportes, escolas e comércio, em rua calma."
        ),
        "price": {"value": 295000, "currency": "EUR"},
        "location": {"lat": 38.7531, "lon": -9.1447, "exact": True},
        "contact": {"name": "Joaquim Silva", "phone": "918888888", "email": "joaquim@example.pt"},
        "images": [{"url": "https://cdn.example.pt/photos/1.jpg"}],
        "attributes": [
            {"urn": "urn:concept:net-area-m2", "value": "85"},
            {"urn": "urn:concept:number-of-rooms", "value": "urn:concept:2"},
        ],
        "custom_fields": {"id": f"BENCH-{n}", "reference_id": None},
    }


# --- the receiver (its own process) -------------------------------------------------------------


async def receive(port: int, out: Path) -> None:
    """Answer 200 to every POST at once; one JSON line per request: arrival, id, payload facts."""
    sink = out.open("a", buffering=1 << 16)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                headers: dict[str, str] = {}
                while True:
                    raw = await reader.readline()
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                arrived = time.time()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}"
                )
                payload = json.loads(body)
                sink.write(
                    json.dumps(
                        [
                            arrived,
                            headers.get("webhook-id"),
                            payload["object_id"],
                            payload["event_type"],
                            payload["timestamp"],
                        ]
                    )
                    + "\n"
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def flush() -> None:  # the bench reads the file while we run
        while True:
            await asyncio.sleep(0.2)
            sink.flush()

    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=1024)
    flusher = asyncio.create_task(flush())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    flusher.cancel()
    sink.close()


# --- helpers ------------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def cli(args: list[str], env: dict[str, str]) -> Any:
    done = subprocess.run([PAZAR, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pazar {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout) if "--json" in args else done.stdout


async def reset_postgres(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    if name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to wipe database {name!r}")
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(plain.rsplit("/", 1)[0] + "/postgres")
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(plain)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


def read_records(*files: Path) -> list[list[Any]]:
    rows = []
    for path in files:
        if path.exists():
            rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def user_headers(client: httpx.AsyncClient, app: dict[str, Any], code: str) -> dict[str, str]:
    """Once the server answers: the headers of the RE API calls of the user who gave ``code``."""
    for _ in range(200):
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get("/advert/v1/meta")).status_code == 401:
                break
        await asyncio.sleep(0.1)
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    token = await client.post(
        "/oauth/v1/token",
        json={"grant_type": "authorization_code", "code": code},
        headers={"X-API-KEY": app["api_key"], "Authorization": f"Basic {basic}"},
    )
    token.raise_for_status()
    return {"X-API-KEY": app["api_key"], "Authorization": f"Bearer {token.json()['access_token']}"}


# --- one run --------------------------------------------------------------------------------------


async def publish(
    client: httpx.AsyncClient, headers: dict[str, str], first: int, count: int, concurrency: int
) -> tuple[list[str], float]:
    uuids: list[str] = []
    queue = iter(range(first, first + count))
    failures: list[str] = []

    async def worker() -> None:
        for n in queue:
            for attempt in range(3):  # a kept-alive connection the server closed meanwhile: again
                try:
                    response = await client.post("/advert/v1", json=advert(n), headers=headers)
                    break
                except httpx.TransportError:
                    if attempt == 2:
                        raise
            if response.status_code != 201:
                failures.append(f"{response.status_code} {response.text[:200]}")
                continue
            uuids.append(response.json()["data"]["uuid"])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} POSTs failed, e.g. {failures[0]}")
    return uuids, elapsed


async def wait_for(files: list[Path], wanted: set[str], timeout: float) -> float:
    """Seconds until every wanted object has an advert_posted_success on file (or the timeout)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        got = {r[2] for r in read_records(*files) if r[3] == "advert_posted_success"}
        if wanted <= got:
            return time.perf_counter() - started
        await asyncio.sleep(0.5)
    return float("nan")


def summarize(records: list[list[Any]], wanted: set[str]) -> dict[str, Any]:
    mine = [r for r in records if r[2] in wanted and r[3] == "advert_posted_success"]
    first_by_id: dict[str, list[Any]] = {}
    for r in sorted(mine, key=lambda r: r[0]):
        first_by_id.setdefault(r[1], r)
    unique = list(first_by_id.values())
    latencies = [(r[0] - r[4] / 1000) * 1000 for r in unique]
    arrivals = sorted(r[0] for r in unique)
    window = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else float("nan")
    objects = {r[2] for r in unique}
    return {
        "expected": len(wanted),
        "delivered": len(objects & wanted),
        "lost": len(wanted - objects),
        "duplicates": len(mine) - len(unique),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p90": round(percentile(latencies, 90), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(max(latencies), 1) if latencies else None,
            "mean": round(statistics.fmean(latencies), 1) if latencies else None,
        },
        "arrival_window_s": round(window, 2),
        "deliveries_per_s": round(len(unique) / window, 1) if window and window == window else None,
    }


async def run(kind: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    processes = Processes(stop_timeout=20.0)
    try:
        if kind == "sqlite":
            db_url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        else:
            db_url = args.pg_url
            await reset_postgres(db_url)
        api_port, hook_port = free_port(), free_port()
        env = {
            **os.environ,
            "PAZAR_DATABASE_URL": db_url,
            "PAZAR_PORT": str(api_port),
            "PAZAR_MODERATION_DELAY_SECONDS": "0",
            "PAZAR_WEBHOOK_ALLOW_PRIVATE": "true",
            "PAZAR_WEBHOOK_RETRY_INTERVAL_SECONDS": str(args.retry_interval),
            "PAZAR_WORKER_POLL_INTERVAL": "0.05",
            "PAZAR_LOG_LEVEL": "warning",
            "PAZAR_MAX_BODY_BYTES": "1048576",
            "PAZAR_WORKERS": str(args.api_workers),
            "PAZAR_EMBEDDED_WORKER": "false" if args.worker_processes else "true",
        }
        hook_url = f"http://127.0.0.1:{hook_port}/webhooks"
        cli(["migrate"], env)
        cli(["seed", "--json"], env)
        user = cli(
            [
                "users",
                "create",
                "--site",
                "imovirtual.com",
                "--email",
                "bench@example.pt",
                "--password",
                "bench-pass",
                "--business",
                "--json",
            ],
            env,
        )
        app = cli(
            [
                "apps",
                "create",
                "--site",
                "imovirtual.com",
                "--name",
                "Bench CRM",
                "--redirect-uri",
                "https://crm.example.pt/cb",
                "--webhook-url",
                hook_url,
                "--json",
            ],
            env,
        )
        code = cli(["auth", "code", "--client-id", app["client_id"], "--user", user["email"], "--json"], env)[
            "code"
        ]

        files = [work / f"{kind}-receiver-{n}.jsonl" for n in (1, 2, 3)]
        receiver = processes.start(
            [PYTHON, __file__, "--receiver", str(hook_port), str(files[0])],
            env=env,
            log=work / f"{kind}-receiver.log",
        )
        server = processes.start([PAZAR, "serve"], env=env, log=work / f"{kind}-serve.log")
        workers = [
            processes.start([PAZAR, "worker"], env=env, log=work / f"{kind}-worker-{n}.log")
            for n in range(args.worker_processes)
        ]
        base = f"http://127.0.0.1:{api_port}"
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
            headers = await user_headers(client, app, code)

            # 1. the stream
            say(f"[{kind}] publishing {args.adverts} adverts")
            uuids, post_s = await publish(client, headers, 0, args.adverts, args.concurrency)
            say(f"[{kind}] published in {post_s:.1f} s; waiting for the notifications")
            drained_s = await wait_for(files[:1], set(uuids), timeout=args.timeout)
            stream = summarize(read_records(*files), set(uuids))
            stream.update(
                posts=len(uuids),
                posts_per_s=round(len(uuids) / post_s, 1),
                post_phase_s=round(post_s, 2),
                all_delivered_after_posts_s=round(drained_s, 2),
            )

            # 2. the outage
            outage: dict[str, Any] = {}
            if args.outage_adverts:
                say(f"[{kind}] receiver down; publishing {args.outage_adverts} more")
                processes.stop(receiver)
                down_at = time.time()
                more, post2_s = await publish(
                    client, headers, args.adverts, args.outage_adverts, args.concurrency
                )
                await asyncio.sleep(max(0.0, args.outage_seconds - (time.time() - down_at)))
                back_at = time.time()
                receiver = processes.start(
                    [PYTHON, __file__, "--receiver", str(hook_port), str(files[1])],
                    env=env,
                    log=work / f"{kind}-receiver.log",
                )
                say(f"[{kind}] receiver back")
                recovered_s = await wait_for(files[1:], set(more), timeout=args.timeout)
                outage = summarize(read_records(files[1]), set(more))
                outage.update(
                    posts=len(more),
                    receiver_down_s=round(back_at - down_at, 1),
                    post_phase_s=round(post2_s, 2),
                    all_delivered_after_back_s=round(recovered_s, 2),
                )
                # Latency here includes the outage by design; the drain rate is what matters.
                outage["drain_deliveries_per_s"] = outage.pop("deliveries_per_s")
            # 3. a backlog across a restart: the engine's own pace
            backlog: dict[str, Any] = {}
            if args.backlog_adverts:
                say(f"[{kind}] receiver down; publishing {args.backlog_adverts} more")
                processes.stop(receiver)
                first = args.adverts + args.outage_adverts
                pending, _ = await publish(client, headers, first, args.backlog_adverts, args.concurrency)
                while True:  # until every notification exists (and failed once)
                    rows = cli(
                        ["webhooks", "list", "--status", "pending", "--limit", "1000000", "--json"], env
                    )
                    if len({r["object_id"] for r in rows} & set(pending)) >= len(pending):
                        break
                    await asyncio.sleep(1)
                say(f"[{kind}] {len(pending)} deliveries pending; restarting the server")
                for proc in [server, *workers]:
                    processes.stop(proc)
                await asyncio.sleep(args.retry_interval + 1)  # every retry is due when it starts again
                receiver = processes.start(
                    [PYTHON, __file__, "--receiver", str(hook_port), str(files[2])],
                    env=env,
                    log=work / f"{kind}-receiver.log",
                )
                server = processes.start([PAZAR, "serve"], env=env, log=work / f"{kind}-serve.log")
                workers = [
                    processes.start([PAZAR, "worker"], env=env, log=work / f"{kind}-worker-{n}.log")
                    for n in range(args.worker_processes)
                ]
                drained = await wait_for(files[2:], set(pending), timeout=args.timeout)
                backlog = summarize(read_records(files[2]), set(pending))
                backlog.update(posts=len(pending), all_delivered_after_restart_s=round(drained, 2))
                backlog["drain_deliveries_per_s"] = backlog.pop("deliveries_per_s")
            failed = cli(["webhooks", "list", "--status", "failed", "--limit", "100000", "--json"], env)
        return {
            "database": kind,
            "stream": stream,
            "outage": outage,
            "backlog": backlog,
            "failed_for_good": len(failed),
        }
    finally:
        processes.close()


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"\nmachine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(
        f"adverts={args.adverts} concurrency={args.concurrency} outage_adverts={args.outage_adverts} "
        f"outage={args.outage_seconds}s retry_interval={args.retry_interval}s backlog={args.backlog_adverts} "
        f"api_workers={args.api_workers} worker_processes={args.worker_processes}\n"
    )
    for r in results:
        s, o = r["stream"], r["outage"]
        print(f"[{r['database']}]")
        print(
            f"  stream : {s['posts']} POSTs at {s['posts_per_s']}/s; delivered {s['delivered']}/{s['expected']}, "
            f"lost {s['lost']}, duplicates {s['duplicates']}"
        )
        lat = s["latency_ms"]
        print(
            f"           latency ms p50={lat['p50']} p90={lat['p90']} p99={lat['p99']} max={lat['max']}"
            f"  (target p99 < {TARGETS['p99_ms']:.0f})"
        )
        print(
            f"           {s['deliveries_per_s']} deliveries/s over {s['arrival_window_s']} s; all delivered "
            f"{s['all_delivered_after_posts_s']} s after the last POST answer"
        )
        if o:
            print(
                f"  outage : receiver down {o['receiver_down_s']} s, {o['posts']} POSTs meanwhile; delivered "
                f"{o['delivered']}/{o['expected']}, lost {o['lost']}, duplicates {o['duplicates']}"
            )
            print(
                f"           drain {o['drain_deliveries_per_s']} deliveries/s (target >= "
                f"{TARGETS['deliveries_per_s']:.0f}); all in {o['all_delivered_after_back_s']} s after it came back"
            )
        b = r["backlog"]
        if b:
            print(
                f"  backlog: {b['posts']} notifications pending across a server restart; delivered "
                f"{b['delivered']}/{b['expected']}, lost {b['lost']}, duplicates {b['duplicates']}"
            )
            print(
                f"           drain {b['drain_deliveries_per_s']} deliveries/s (target >= "
                f"{TARGETS['deliveries_per_s']:.0f}); all in {b['all_delivered_after_restart_s']} s after the restart"
            )
        print(f"  deliveries failed for good: {r['failed_for_good']}\n")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--receiver":
        asyncio.run(receive(int(sys.argv[2]), Path(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--adverts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--outage-adverts", type=int, default=5_000)
    parser.add_argument("--outage-seconds", type=float, default=10.0)
    parser.add_argument("--retry-interval", type=float, default=3.0)
    parser.add_argument("--backlog-adverts", type=int, default=10_000)
    parser.add_argument("--api-workers", type=int, default=1, help="`pazar serve` processes (PAZAR_WORKERS).")
    parser.add_argument(
        "--worker-processes",
        type=int,
        default=0,
        help="Separate `pazar worker` processes (then none embedded).",
    )
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--work-dir", type=Path, help="Keep the logs and receiver files here.")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = []
    with tempfile.TemporaryDirectory(prefix="pazar-webhooks-") as tmp:
        work = args.work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            results.append(asyncio.run(run(kind, args, work)))
    report(results, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"webhooks_delivery-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), "results": results}, indent=2, default=str))
    print(f"written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
