"""Where pazar's advert endpoints spend their time: SQL per request, a sampled profile, per-call costs.

Runs pazar in this process (the app ``pazar serve`` builds, on uvicorn with the same loop and HTTP
implementation), with SQLAlchemy event hooks on its engine, and drives it with wrk:

1. **SQL per request**: every statement the engine runs during a measured wrk run, grouped by
   verb and table, divided by the requests wrk completed; connections opened, pool check-outs,
   commits.
2. **Sampled profile** (``--py-spy``, default: ``py-spy`` beside this Python if installed,
   ``pip install py-spy``): py-spy records this process during the same run; the summary gives the
   share of the event-loop thread's samples spent under each hot spot (token look-up, reference
   snapshot, pydantic, domain validation, SQL, rendering, framework), and the split between threads
   (aiosqlite runs each connection's SQLite calls on a thread of its own).
3. **Per-call costs**: the request's pure-Python steps timed in a loop, without HTTP or SQL.

    .venv/bin/python bench/profile_adverts.py [--database sqlite|postgresql] [--duration 10]
        [--concurrency 16] [--endpoints POST GET] [--no-py-spy]

The embedded job worker is off here (PAZAR_EMBEDDED_WORKER=false) so that only requests run SQL.
Raw py-spy stacks (collapsed format, for flamegraph.pl or speedscope) and a JSON summary go to
``bench/results/profile_adverts-<timestamp>/``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adverts_vs_prism import (
    ADVERT,
    DEFAULT_PG_URL,
    RESULTS,
    _reset_postgres,
    cli_json,
    free_port,
    lua_script,
    parse_wrk,
)

# What a hot spot is: a frame whose "function (file)" contains this text. Shares are inclusive
# (time under the frame), so they overlap: "SQL" contains the token look-up's query, and so on.
HOT_SPOTS: list[tuple[str, str]] = [
    ("token look-up (services/oauth.py:authenticate_bearer)", "authenticate_bearer (pazar/services/oauth.py"),
    (
        "site snapshot (services/reference.py:ReferenceCache.get)",
        "ReferenceCache.get (pazar/services/reference.py",
    ),
    ("body read + JSON parse (common/body.py)", "(pazar/dialects/common/body.py"),
    ("pydantic AdvertIn (partner_v2/schemas.py:parse)", "parse (pazar/dialects/partner_v2/schemas.py"),
    ("AdvertIn -> draft (partner_v2/schemas.py:to_draft)", "to_draft (pazar/dialects/partner_v2/schemas.py"),
    ("domain validation (services/adverts.py:validate)", "validate (pazar/services/adverts.py"),
    ("free-slot count (services/adverts.py:_has_free_slot)", "_has_free_slot (pazar/services/adverts.py"),
    ("advert read (services/adverts.py:get_owned)", "get_owned (pazar/services/adverts.py"),
    ("flush: INSERTs (AsyncSession.flush)", "AsyncSession.flush (sqlalchemy/ext/asyncio/session.py"),
    ("commit (AsyncSession.commit)", "AsyncSession.commit (sqlalchemy/ext/asyncio/session.py"),
    ("all SQLAlchemy calls (greenlet_spawn)", "greenlet_spawn (sqlalchemy/util/concurrency.py"),
    (
        "session open/close (common/context.py:session_dependency)",
        "session_dependency (pazar/dialects/common/context.py",
    ),
    ("render advert (routes_adverts.py:_render)", "_render (pazar/dialects/partner_v2/routes_adverts.py"),
    ("orjson response (common/responses.py)", "(pazar/dialects/common/responses.py"),
    (
        "Version/Accept guard (security.py:require_version)",
        "require_version (pazar/dialects/partner_v2/security.py",
    ),
    ("FastAPI dependency solving (solve_dependencies)", "solve_dependencies (fastapi/dependencies/utils.py"),
    ("routing + middleware (Pazar.__call__)", "Pazar.__call__ (pazar/app.py"),
    ("uvicorn HTTP protocol (httptools_impl.py)", "(uvicorn/protocols/http/httptools_impl.py"),
]


# --- SQL accounting -----------------------------------------------------------------------------


class SqlCounter:
    """Statements, connections and commits seen by an engine (installed with SQLAlchemy events)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements: collections.Counter[str] = collections.Counter()
        self.connects = 0
        self.checkouts = 0
        self.commits = 0
        self.rollbacks = 0
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._statement)
        event.listen(sync, "commit", self._commit)
        event.listen(sync, "rollback", self._rollback)
        event.listen(sync.pool, "connect", self._connect)
        event.listen(sync.pool, "checkout", self._checkout)

    @staticmethod
    def kind(sql: str) -> str:
        text = " ".join(sql.split())
        verb = text.split(" ", 1)[0].upper()
        table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", text, re.I)
        extra = " FOR UPDATE" if "FOR UPDATE" in text.upper() else ""
        if verb == "SELECT" and re.match(r"SELECT count\(", text, re.I):
            verb = "SELECT count"
        return f"{verb} {table.group(1) if table else ''}{extra}".strip()

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements[self.kind(statement)] += 1

    def _commit(self, _conn: Any) -> None:
        self.commits += 1

    def _rollback(self, _conn: Any) -> None:
        self.rollbacks += 1

    def _connect(self, *_: Any) -> None:
        self.connects += 1

    def _checkout(self, *_: Any) -> None:
        self.checkouts += 1

    def reset(self) -> None:
        self.statements.clear()
        self.connects = self.checkouts = self.commits = self.rollbacks = 0

    def per_request(self, requests: int) -> dict[str, Any]:
        n = max(requests, 1)
        return {
            "statements_per_request": sum(self.statements.values()) / n,
            "by_kind_per_request": {k: v / n for k, v in self.statements.most_common()},
            "connections_opened_per_request": self.connects / n,
            "connections_opened": self.connects,
            "pool_checkouts_per_request": self.checkouts / n,
            "commits_per_request": self.commits / n,
            "rollbacks": self.rollbacks,
        }


# --- py-spy summary -----------------------------------------------------------------------------


def summarize_stacks(raw: Path) -> dict[str, Any]:
    """Thread split and hot-spot shares of a py-spy ``--threads`` raw (collapsed) profile."""
    threads: collections.Counter[str] = collections.Counter()
    main_total = 0
    main_self_loop = 0
    hits: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        thread = frames[0]
        name = "event loop thread" if "MainThread" in thread else re.sub(r"^thread \(\d+\): ", "", thread)
        name = re.sub(r"Thread-\d+ ", "", name)
        threads[name] += n
        if "MainThread" not in thread:
            continue
        main_total += n
        if frames[-1].startswith("Runner.run ") or frames[-1].startswith("run (asyncio"):
            main_self_loop += n
        for label, needle in HOT_SPOTS:
            if any(needle in f for f in frames[1:]):
                hits[label] += n
    total = sum(threads.values()) or 1
    main = main_total or 1
    return {
        "samples": total,
        "threads": {k: round(100 * v / total, 1) for k, v in threads.most_common()},
        "event_loop_thread_samples": main_total,
        "event_loop_in_uvloop_run_self_pct": round(100 * main_self_loop / main, 1),
        "hot_spots_pct_of_event_loop_thread": {
            label: round(100 * hits[label] / main, 1) for label, _ in HOT_SPOTS if hits[label]
        },
    }


# --- per-call costs -----------------------------------------------------------------------------


async def per_call_costs(runtime: Any, advert_id: int, token: str, loops: int) -> dict[str, float]:
    """Microseconds per call of the request's pure-Python steps (no HTTP, no SQL)."""
    import orjson

    from pazar.db.models import Advert
    from pazar.dialects.common.responses import FastJSONResponse
    from pazar.dialects.partner_v2 import wire
    from pazar.dialects.partner_v2.schemas import AdvertIn, parse, to_draft
    from pazar.services import adverts
    from pazar.services.adverts.writes import _draft_columns
    from pazar.services.oauth import token_digest

    async with runtime.db.transaction(write=False) as session:
        site = await runtime.reference.get(session, "olx.pl")
        row = await session.get(Advert, advert_id)
    assert row is not None
    raw = json.dumps(ADVERT, ensure_ascii=False).encode()
    body = parse(AdvertIn, orjson.loads(raw))
    draft = to_draft(body)
    base = runtime.settings.base_url()

    def timeit(fn: Any) -> float:
        fn()
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        return round(1e6 * (time.perf_counter() - start) / loops, 2)

    zone = wire.site_zone(site)
    rendered = {"data": wire.advert(row, zone, base, adverts.advert_path(row))}
    return {
        "orjson.loads(body)": timeit(lambda: orjson.loads(raw)),
        "schemas.parse(AdvertIn)": timeit(lambda: parse(AdvertIn, orjson.loads(raw))),
        "schemas.to_draft": timeit(lambda: to_draft(body)),
        "adverts.advert_rules(site)": timeit(lambda: adverts.advert_rules(site)),
        "adverts.category_spec(site, 101)": timeit(lambda: adverts.category_spec(site, 101)),
        "adverts.city_spec(site, 627)": timeit(lambda: adverts.city_spec(site, 627)),
        "adverts.Validator (all of the above + check_advert)": timeit(
            lambda: adverts.Validator(site, external_url_allowed=False)(draft)
        ),
        "adverts.writes._draft_columns": timeit(lambda: _draft_columns(site, draft)),
        "oauth.token_digest(token)": timeit(lambda: token_digest(token)),
        "wire.site_zone(site)": timeit(lambda: wire.site_zone(site)),
        "wire.advert + advert_path": timeit(lambda: wire.advert(row, zone, base, adverts.advert_path(row))),
        "FastJSONResponse(rendered)": timeit(lambda: FastJSONResponse(rendered)),
    }


# --- the run ------------------------------------------------------------------------------------


async def run_wrk_async(
    url: str, script: Path, *, connections: int, seconds: int, threads: int
) -> tuple[Any, str]:
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk not found: apt-get install wrk")
    argv = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=seconds + 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {err.decode()}")
    return parse_wrk(out.decode()), " ".join(argv)


async def py_spy(exe: str, out: Path, seconds: int, rate: int) -> None:
    argv = [exe, "record", "-p", str(os.getpid()), "-d", str(seconds), "-r", str(rate), "-t"]
    argv += ["-f", "raw", "-o", str(out), "--nonblocking"]
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), timeout=seconds + 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"py-spy failed: {err.decode()[-2000:]}")


async def profile(args: argparse.Namespace, env: dict[str, str], outdir: Path) -> dict[str, Any]:
    import httpx
    import uvicorn

    from pazar.app import create_app
    from pazar.config import Settings

    settings = Settings()
    app = create_app(settings)
    counter = SqlCounter(app.runtime.db.engine)
    port = int(env["PAZAR_PORT"])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, proxy_headers=True
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    report: dict[str, Any] = {"endpoints": {}}
    try:
        for _ in range(200):
            if server.started:
                break
            if serving.done():
                serving.result()
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("uvicorn did not start within 10 s")
        base = f"http://127.0.0.1:{port}"
        email = f"profile-{os.getpid()}@example.com"
        # The CLI in a thread: its own event loop, the same database.
        await asyncio.to_thread(
            cli_json, ["users", "create", "--email", email, "--password", "profile-pw"], env
        )
        made = await asyncio.to_thread(
            cli_json, ["apps", "create", "--name", "profile", "--redirect-uri", "http://localhost/cb"], env
        )
        token = (
            await asyncio.to_thread(
                cli_json, ["auth", "token", "--client-id", str(made["client_id"]), "--user", email], env
            )
        )["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Version": "2.0"}
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            created = await client.post("/api/partner/adverts", json=ADVERT, headers=headers)
            created.raise_for_status()
            advert_id = int(created.json()["data"]["id"])
            # One request of each kind, alone: its exact statements.
            for endpoint, call in (
                ("POST", lambda: client.post("/api/partner/adverts", json=ADVERT, headers=headers)),
                ("GET", lambda: client.get(f"/api/partner/adverts/{advert_id}", headers=headers)),
            ):
                counter.reset()
                (await call()).raise_for_status()
                report["endpoints"].setdefault(endpoint, {})["one_request"] = counter.per_request(1)

        body = json.dumps(ADVERT, ensure_ascii=False)
        scripts = {
            "POST": lua_script(outdir, "post.lua", method="POST", token=token, body=body),
            "GET": lua_script(outdir, "get.lua", method="GET", token=token, body=None),
        }
        urls = {"POST": f"{base}/api/partner/adverts", "GET": f"{base}/api/partner/adverts/{advert_id}"}
        for endpoint in args.endpoints:
            entry = report["endpoints"].setdefault(endpoint, {})
            await run_wrk_async(
                urls[endpoint],
                scripts[endpoint],
                connections=args.concurrency,
                seconds=2,
                threads=args.threads,
            )
            counter.reset()
            raw = outdir / f"{endpoint.lower()}-c{args.concurrency}.pyspy.txt"
            tasks = [
                run_wrk_async(
                    urls[endpoint],
                    scripts[endpoint],
                    connections=args.concurrency,
                    seconds=args.duration,
                    threads=args.threads,
                )
            ]
            if args.py_spy:
                tasks.append(py_spy(args.py_spy, raw, max(1, args.duration - 1), args.rate))
            usage0 = resource.getrusage(resource.RUSAGE_SELF)
            outcome = await asyncio.gather(*tasks)
            usage1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
            result, command = outcome[0]
            entry["wrk"] = {
                "command": command,
                "rps": result.rps,
                "requests": result.requests,
                "p50_ms": result.p50_ms,
                "p99_ms": result.p99_ms,
                "errors": result.errors,
            }
            n = max(result.requests, 1)
            entry["process_cpu_ms_per_request"] = round(1000 * cpu / n, 3)
            entry["process_user_ms_per_request"] = round(1000 * (usage1.ru_utime - usage0.ru_utime) / n, 3)
            entry["process_system_ms_per_request"] = round(1000 * (usage1.ru_stime - usage0.ru_stime) / n, 3)
            entry["context_switches_per_request"] = round(
                ((usage1.ru_nvcsw - usage0.ru_nvcsw) + (usage1.ru_nivcsw - usage0.ru_nivcsw)) / n, 1
            )
            entry["under_load"] = counter.per_request(result.requests)
            if args.py_spy:
                entry["profile"] = summarize_stacks(raw)
                entry["profile"]["raw"] = str(raw)
        report["per_call_us"] = await per_call_costs(app.runtime, advert_id, token, args.loops)
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(serving, timeout=30)
    return report


def print_report(report: dict[str, Any]) -> None:
    for endpoint, entry in report["endpoints"].items():
        print(f"\n== {endpoint}")
        one = entry.get("one_request")
        if one:
            kinds = ", ".join(f"{k} x{v:g}" for k, v in one["by_kind_per_request"].items())
            print(f"  SQL of one request alone: {one['statements_per_request']:g} statements ({kinds})")
            print(
                f"    commits {one['commits_per_request']:g}, connections opened {one['connections_opened']}"
            )
        if "wrk" not in entry:
            continue
        w = entry["wrk"]
        print(
            f"  under load: {w['rps']:.1f} req/s, p50 {w['p50_ms']:.1f} ms, p99 {w['p99_ms']:.1f} ms, "
            f"errors {w['errors']}; this process's CPU {entry['process_cpu_ms_per_request']:.2f} ms/request "
            f"(user {entry['process_user_ms_per_request']:.2f}, system {entry['process_system_ms_per_request']:.2f}), "
            f"{entry['context_switches_per_request']:.1f} context switches/request"
        )
        load = entry["under_load"]
        print(
            f"  SQL under load: {load['statements_per_request']:.2f} statements/request, "
            f"{load['connections_opened_per_request']:.3f} new connections/request "
            f"({load['connections_opened']} opened), {load['pool_checkouts_per_request']:.2f} pool check-outs/request"
        )
        prof = entry.get("profile")
        if prof:
            threads = ", ".join(f"{k} {v}%" for k, v in list(prof["threads"].items())[:6])
            print(f"  py-spy: {prof['samples']} samples; threads: {threads}")
            print(
                f"  event-loop thread: {prof['event_loop_in_uvloop_run_self_pct']}% in uvloop's run loop itself "
                "(I/O polling, callbacks in C); under each hot spot (inclusive, overlapping):"
            )
            for label, pct in sorted(
                prof["hot_spots_pct_of_event_loop_thread"].items(), key=lambda kv: -kv[1]
            ):
                print(f"    {pct:5.1f}%  {label}")
    print("\n== per call, no HTTP and no SQL (µs)")
    for name, us in report["per_call_us"].items():
        print(f"  {us:9.2f}  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--endpoints", nargs="+", choices=["POST", "GET"], default=["POST", "GET"])
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--loops", type=int, default=2000, help="iterations per per-call timing")
    parser.add_argument("--no-py-spy", dest="py_spy", action="store_false")
    parser.add_argument("--py-spy-path", help="py-spy executable (default: beside this Python, or PATH)")
    parser.add_argument("--force-postgres-reset", action="store_true")
    args = parser.parse_args()
    if args.py_spy:
        beside = Path(sys.executable).parent / "py-spy"
        args.py_spy = args.py_spy_path or (str(beside) if beside.exists() else shutil.which("py-spy"))
        if not args.py_spy:
            print("py-spy not found (pip install py-spy): profiling without it", file=sys.stderr)

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    outdir = RESULTS / f"profile_adverts-{stamp}"
    outdir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="pazar-profile-"))
    try:
        if args.database == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp / 'profile.db'}"
        else:
            url = os.environ.get("PAZAR_BENCH_DATABASE_URL", DEFAULT_PG_URL)
            asyncio.run(_reset_postgres(url, args.force_postgres_reset))
        port = free_port()
        env = {
            **os.environ,
            "PAZAR_DATABASE_URL": url,
            "PAZAR_ACCESS_LOG": "false",
            "PAZAR_LOG_LEVEL": "warning",
            "PAZAR_MODERATION_DELAY_SECONDS": "3600",
            "PAZAR_EMBEDDED_WORKER": "false",
            "PAZAR_PORT": str(port),
        }
        os.environ.update(env)
        cli_json(["seed"], env)  # migrates, then loads the shipped sites
        import uvicorn

        # The loop `pazar serve` gets (uvloop when installed).
        loop_factory = uvicorn.Config("pazar.app:create_app").get_loop_factory()
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            report = runner.run(profile(args, env, outdir))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report["database"] = args.database
    report["concurrency"] = args.concurrency
    print_report(report)
    (outdir / "summary.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
