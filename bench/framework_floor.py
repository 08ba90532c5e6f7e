"""The floor under pazar's request rates: the same server stack with (almost) nothing to do.

Serves two tiny apps with uvicorn exactly as ``pazar serve`` runs (uvloop, httptools, no access log), on a
free loopback port, with 1 and 2 worker processes, and loads each with wrk like ``adverts_vs_prism.py``
(``wrk -t2 -cC -dDs``, an ``Authorization`` header, after a 2 s warm-up):

- ``raw``: a bare ASGI callable answering a fixed 18-byte JSON body;
- ``fastapi``: a FastAPI route with a path parameter and a required ``Authorization`` header, returning
  a small dict (FastAPI's routing, dependency solving, validation and JSON response, no database).

What pazar adds on top of the ``fastapi`` row (token check, site snapshot, SQL, validation, rendering) is
what its own benchmarks measure; this gives the ceiling no endpoint of this stack can pass on the box.

    .venv/bin/python bench/framework_floor.py [--duration 5] [--concurrency 16] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _procs import Processes, free_port

REPO = Path(__file__).resolve().parent.parent
UVICORN = str(REPO / ".venv" / "bin" / "uvicorn")
SERVE_LIKE_PAZAR = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]

APPS = {
    "raw": """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"data":{"id":1}}'})
""",
    "fastapi": """
from fastapi import FastAPI, Header

app = FastAPI()


@app.get("/adverts/{advert_id}")
async def advert(advert_id: int, authorization: str = Header()) -> dict:
    return {"data": {"id": advert_id}}
""",
}


def measure(name: str, workers: int, args: argparse.Namespace, work: Path) -> float:
    (work / f"floor_{name}.py").write_text(APPS[name])
    port = free_port()
    listen = ["--port", str(port), "--workers", str(workers)]
    processes = Processes()
    try:
        processes.start(
            [UVICORN, f"floor_{name}:app", "--app-dir", str(work), *SERVE_LIKE_PAZAR, *listen],
            log=work / f"{name}-{workers}.log",
        )
        url = f"http://127.0.0.1:{port}/adverts/5"
        for _ in range(100):
            try:
                if httpx.get(url, headers={"Authorization": "Bearer x"}).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        wrk = ["wrk", "-t2", f"-c{args.concurrency}", "-H", "Authorization: Bearer x"]
        subprocess.run([*wrk, "-d2s", url], capture_output=True, check=True)
        out = subprocess.run([*wrk, f"-d{args.duration}s", url], capture_output=True, text=True, check=True)
        found = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
        return float(found.group(1)) if found else float("nan")
    finally:
        processes.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pazar-floor-") as tmp:
        for name in APPS:
            for workers in args.workers:
                rate = measure(name, workers, args, Path(tmp))
                print(
                    f"{name:<8} workers={workers}  {rate:10.1f} req/s  (c={args.concurrency}, {args.duration} s)"
                )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
