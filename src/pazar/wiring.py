"""The composition root's wiring: who hears advert events, which site checks and job handlers exist.

Called by every entry point that runs use cases (the ASGI app, the worker, the CLI) before the
first one runs; calling it again changes nothing. Nothing registers itself at import time: each
registry is listed here, whole.
"""

from __future__ import annotations

from functools import partial

from pazar.ports import Clock
from pazar.services import events, moderation_jobs, webhook_fanout
from pazar.services.adverts import EXPIRE_JOB, MODERATE_JOB
from pazar.services.autoupload import jobs as autoupload_jobs
from pazar.services.autoupload import processing as autoupload_processing
from pazar.services.autoupload import rules as brasil
from pazar.services.autoupload.imports import IMPORT_JOB
from pazar.services.realestate import checks as realestate
from pazar.services.realestate import operations as re_operations
from pazar.services.reference import SiteChecks
from pazar.services.runtime import JobHandler, Runtime


def wire_event_bus() -> None:
    events.subscribe(webhook_fanout.on_events)


def site_checks(clock: Clock) -> SiteChecks:
    """The check sets a site's ``rules.extra_checks`` may name (Brasil's vehicle years follow ``clock``)."""
    return SiteChecks(
        {
            brasil.EXTRA_CHECK_NAME: partial(brasil.extra_checks_for, clock=clock),
            realestate.NAME: realestate.realestate_checks,
        }
    )


def job_handlers() -> dict[str, JobHandler]:
    """The worker's handler of each job kind."""
    return {
        MODERATE_JOB: moderation_jobs.moderate,
        EXPIRE_JOB: moderation_jobs.expire,
        re_operations.RE_OPERATION_JOB: re_operations.run,
        IMPORT_JOB: autoupload_jobs.run_import,
        autoupload_processing.IMAGES_JOB: autoupload_jobs.fetch_images,
        autoupload_processing.REVIEW_JOB: autoupload_jobs.review,
    }


def wire_runtime(runtime: Runtime) -> None:
    """The event bus, and the site checks on the runtime's reference cache (once per runtime)."""
    wire_event_bus()
    if not runtime.reference.checks.factories:
        runtime.reference.use_checks(site_checks(runtime.clock))
