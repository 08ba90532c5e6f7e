"""A real pazar server in a child process: a temporary SQLite database, a free port, a known admin key."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

from pazar.testing.client import DemoSite, SandboxClient


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PazarServer:
    """``start()`` serves a fresh sandbox and waits until it answers; ``stop()`` ends it."""

    def __init__(
        self, directory: Path, *, port: int | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.admin_key = "pzadm_" + secrets.token_hex(24)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite+aiosqlite:///{directory / 'pazar.db'}"
        self.extra_env = env or {}
        self.demo: dict[str, DemoSite] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout: float = 120.0) -> PazarServer:
        env = {
            **os.environ,
            "PAZAR_DATABASE_URL": self.database_url,
            "PAZAR_HOST": "127.0.0.1",
            "PAZAR_PORT": str(self.port),
            "PAZAR_SANDBOX": "true",
            "PAZAR_ADMIN_KEY": self.admin_key,
            "PAZAR_LOG_LEVEL": "warning",
            **self.extra_env,
        }
        self._log = (self.directory / "server.log").open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-c", "from pazar.cli import main; main()", "serve"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"pazar exited at start; see {self.directory / 'server.log'}")
            try:
                answer = httpx.get(
                    f"{self.base_url}/_pazar/v1/clock",
                    headers={"Authorization": f"Bearer {self.admin_key}"},
                    timeout=2,
                )
                if answer.status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"pazar did not answer within {timeout} s; see {self.directory / 'server.log'}")

    def client(self) -> SandboxClient:
        return SandboxClient(self.base_url, self.admin_key)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
