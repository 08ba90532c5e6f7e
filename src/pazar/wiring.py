"""The composition root's wiring of the advert event bus: who hears advert events.

Called by every entry point that runs use cases (the ASGI app, the worker, the CLI) before the
first one runs; calling it again changes nothing.
"""

from __future__ import annotations

from pazar.services import events, webhook_fanout


def wire_event_bus() -> None:
    events.subscribe(webhook_fanout.on_events)
