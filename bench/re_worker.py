"""How fast one worker applies queued RE operations (``POST /advert/v1``), alone: no API, no dispatcher.

1. Starts ``pazar serve`` with its embedded worker off on a fresh SQLite file (or the reset PostgreSQL
   database), makes a business user, an app with a callback URL (so every operation also writes its
   notification row) and a user token with the CLI, and POSTs ``--adverts`` adverts: they are queued
   (one ``re_operation`` job each), not applied. Then stops the server.
2. In this process, one ``pazar.worker.Worker`` (the one ``pazar serve`` embeds, moderation immediate)
   runs until no job is due, timed: operations/s, jobs run, CPU ms per operation, SQL statements and
   commits per operation (SQLAlchemy event hooks on its engine).

    .venv/bin/python bench/re_worker.py [--database sqlite|postgresql|both] [--adverts 1500]
        [--pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/pazar_re_bench]

Prints one line per database and writes the figures as JSON to ``bench/results/re_worker-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _procs import Processes, free_port
from sqlalchemy import event
from webhooks_delivery import DEFAULT_PG_URL, PAZAR, cli, publish, reset_postgres, say, user_headers

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


async def queue_operations(kind: str, db_url: str, adverts: int, work: Path) -> None:
    """Step 1: a server without a worker takes the POSTs; the operations stay queued."""
    port = free_port()
    env = {
        **os.environ,
        "PAZAR_DATABASE_URL": db_url,
        "PAZAR_PORT": str(port),
        "PAZAR_MODERATION_DELAY_SECONDS": "0",
        "PAZAR_WEBHOOK_ALLOW_PRIVATE": "true",
        "PAZAR_EMBEDDED_WORKER": "false",
        "PAZAR_LOG_LEVEL": "warning",
    }
    cli(["migrate"], env)
    cli(["seed", "--json"], env)
    user_args = ["users", "create", "--site", "imovirtual.com", "--email", "bench@example.pt"]
    user = cli([*user_args, "--password", "bench-pass", "--business", "--json"], env)
    app_args = ["apps", "create", "--site", "imovirtual.com", "--name", "Bench CRM"]
    hook = ["--webhook-url", "http://127.0.0.1:9/hook"]  # never called: no dispatcher runs here
    app = cli([*app_args, "--redirect-uri", "https://crm.example.pt/cb", *hook, "--json"], env)
    code = cli(["auth", "code", "--client-id", app["client_id"], "--user", user["email"], "--json"], env)[
        "code"
    ]
    processes = Processes()
    try:
        processes.start([PAZAR, "serve"], env=env, log=work / f"{kind}-serve.log")
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            headers = await user_headers(client, app, code)
            await publish(client, headers, 0, adverts, 16)
    finally:
        processes.close()


async def apply_operations(db_url: str) -> dict[str, Any]:
    """Step 2: the worker, in this process, until nothing is due."""
    from pazar.config import Settings
    from pazar.services.runtime import Runtime
    from pazar.services.secrets_store import server_secret_key
    from pazar.worker import Worker

    runtime = Runtime.from_settings(
        Settings(database_url=db_url, moderation_delay_seconds=0, webhook_allow_private=True)
    )
    async with runtime.db.transaction() as session:
        runtime.secret_key = await server_secret_key(session, "")
    statements: collections.Counter[str] = collections.Counter()
    commits = [0]

    def on_statement(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        statements[sql.split(None, 1)[0].upper()] += 1

    def on_commit(_conn: Any) -> None:
        commits[0] += 1

    engine = runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    worker = Worker(runtime)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        jobs = await worker.run_until_idle(max_rounds=1_000_000)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await runtime.db.dispose()
    return {
        "jobs": jobs,
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "statements": dict(statements),
        "commits": commits[0],
    }


async def run(kind: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    if kind == "sqlite":
        db_url = f"sqlite+aiosqlite:///{work / 're-worker.db'}"
    else:
        db_url = args.pg_url
        await reset_postgres(db_url)
    say(f"[{kind}] queueing {args.adverts} operations")
    await queue_operations(kind, db_url, args.adverts, work)
    say(f"[{kind}] applying them")
    applied = await apply_operations(db_url)
    n = args.adverts
    applied.update(
        database=kind,
        operations=n,
        operations_per_s=round(n / applied["seconds"], 1),
        cpu_ms_per_operation=round(1000 * applied["cpu_seconds"] / n, 2),
        statements_per_operation=round(sum(applied["statements"].values()) / n, 1),
        commits_per_operation=round(applied["commits"] / n, 2),
    )
    return applied


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--adverts", type=int, default=1500)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = []
    with tempfile.TemporaryDirectory(prefix="pazar-re-worker-") as tmp:
        for kind in kinds:
            results.append(asyncio.run(run(kind, args, Path(tmp))))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    for r in results:
        print(
            f"{r['database']:<10} {r['operations']} operations ({r['jobs']} jobs) in {r['seconds']} s: "
            f"{r['operations_per_s']}/s, CPU {r['cpu_ms_per_operation']} ms/operation, "
            f"{r['statements_per_operation']} statements and {r['commits_per_operation']} commits per operation"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"re_worker-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    print(f"written to {out.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
