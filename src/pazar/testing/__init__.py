"""Testing against pazar: a real server per test session, a clean marketplace per test, typed clients.

``pip install pazar`` registers the pytest plugin (fixtures ``pazar_server``, ``pazar``,
``pazar_demo``); the clients work on their own too::

    from pazar.testing import SandboxClient
    with SandboxClient("http://127.0.0.1:8080", admin_key) as control:
        control.advance("31d")
"""

from pazar.testing.client import AsyncSandboxClient, ClockState, ControlError, DemoSite, SandboxClient
from pazar.testing.server import PazarServer

__all__ = ["AsyncSandboxClient", "ClockState", "ControlError", "DemoSite", "PazarServer", "SandboxClient"]
