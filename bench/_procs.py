"""What the benchmark scripts share: the processes they start, free ports, CPU time read from /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


class Processes:
    """Every process we start, each in its own process group; ended (TERM, then KILL) on close."""

    def __init__(self, stop_timeout: float = 15.0) -> None:
        self.running: list[subprocess.Popen[bytes]] = []
        self.stop_timeout = stop_timeout

    def start(
        self, argv: list[str], *, env: dict[str, str] | None = None, log: Path | None = None
    ) -> subprocess.Popen[bytes]:
        out = log.open("ab") if log else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            if log:
                out.close()  # type: ignore[union-attr]  # the child holds its own descriptor
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float | None = None) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_timeout if timeout is None else timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        # Children of the group (uvicorn workers) may outlive the leader for a moment.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc in self.running:
            self.running.remove(proc)

    def close(self) -> None:
        for proc in reversed(list(self.running)):
            self.stop(proc)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(wanted: Callable[[str, list[str]], bool]) -> float:
    """User + system CPU of the live processes for which ``wanted(name, stat fields after the name)``."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        if wanted(raw[raw.index("(") + 1 : raw.rindex(")")], fields):
            total += int(fields[11]) + int(fields[12])
    return total / TICK


def group_cpu_seconds(pgid: int) -> float:
    """CPU time of the live processes of a process group (pgrp is the third field after the name)."""
    return _cpu_seconds(lambda _name, fields: int(fields[2]) == pgid)


def postgres_cpu_seconds() -> float:
    """CPU time of every process named ``postgres`` (the server and its backends)."""
    return _cpu_seconds(lambda name, _fields: name == "postgres")
