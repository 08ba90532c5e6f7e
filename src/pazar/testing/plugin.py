"""pytest fixtures for integrators (registered through the ``pytest11`` entry point as ``pazar``).

* ``pazar_server`` (session): a real pazar on a temporary SQLite database and a free port, reset to
  the freshly seeded marketplace once, its clean state saved as a snapshot;
* ``pazar`` (each test): a ``SandboxClient`` on that server, after bringing it back to the clean
  state (the snapshot, no faults, an empty journal, real time);
* ``pazar_demo``: the demo credentials per site (v2: ``olx.pl``; RE: ``imovirtual.com``;
  Autoupload: ``olx.com.br``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pazar.testing.client import DemoSite, SandboxClient
from pazar.testing.server import PazarServer

CLEAN = "pazar-testing-clean"


@pytest.fixture(scope="session")
def pazar_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PazarServer]:
    server = PazarServer(tmp_path_factory.mktemp("pazar")).start()
    try:
        with server.client() as control:
            server.demo = control.reset()
            control.save_snapshot(CLEAN)
        yield server
    finally:
        server.stop()


@pytest.fixture
def pazar(pazar_server: PazarServer) -> Iterator[SandboxClient]:
    with pazar_server.client() as control:
        control.restore(CLEAN)
        control.clear_faults()
        control.reset_clock()
        control.clear_requests()
        yield control


@pytest.fixture
def pazar_demo(pazar_server: PazarServer) -> dict[str, DemoSite]:
    return pazar_server.demo
