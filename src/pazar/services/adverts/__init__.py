"""Advert use cases shared by every dialect: create, update, commands, delete, read.

Each use case validates through ``domain.adverts``, moves the status through ``domain.lifecycle``,
publishes its events on the bus (``services.events``) and enqueues its side effects (moderation,
expiry) in the caller's transaction. They flush; the caller commits.

- ``rules``: a site's advert rules and the ``Validator`` built from them;
- ``queries``: reads for the owner, and the look-ups writes make under lock;
- ``free_slots``: which changes take a free slot, and the check that one is free;
- ``writes``: create, update and delete, batch-shaped (one request is a batch of one);
- ``commands``: activate, deactivate, finish, extend;
- ``urls``: where an advert's public page lives.
"""

from pazar.services.adverts.commands import EXPIRE_JOB, apply_command, schedule_expiry
from pazar.services.adverts.free_slots import SLOT_STATUSES, ensure_free_slot, free_budget, takes_a_slot
from pazar.services.adverts.queries import (
    LEGACY_ID_KEY,
    LEGACY_SOURCES,
    ensure_writable_by,
    find_many_for_legacy_write,
    get_managed,
    get_owned,
    list_owned,
    locked_many,
    owned_by,
    owner_of,
)
from pazar.services.adverts.rules import (
    Validator,
    advert_rules,
    category_spec,
    city_spec,
    is_jobs_category,
    is_paid_only,
    moderation_delay,
    valid_days,
)
from pazar.services.adverts.urls import advert_path, slugify, to_base36
from pazar.services.adverts.writes import (
    ADVERTS,
    MODERATE_JOB,
    BulkResult,
    create_advert,
    create_adverts,
    delete_advert,
    delete_adverts,
    schedule_moderation_batch,
    update_advert,
    update_adverts,
)

__all__ = [
    "ADVERTS",
    "EXPIRE_JOB",
    "LEGACY_ID_KEY",
    "LEGACY_SOURCES",
    "MODERATE_JOB",
    "SLOT_STATUSES",
    "BulkResult",
    "Validator",
    "advert_path",
    "advert_rules",
    "apply_command",
    "category_spec",
    "city_spec",
    "create_advert",
    "create_adverts",
    "delete_advert",
    "delete_adverts",
    "ensure_free_slot",
    "ensure_writable_by",
    "find_many_for_legacy_write",
    "free_budget",
    "get_managed",
    "get_owned",
    "is_jobs_category",
    "is_paid_only",
    "list_owned",
    "locked_many",
    "moderation_delay",
    "owned_by",
    "owner_of",
    "schedule_expiry",
    "schedule_moderation_batch",
    "slugify",
    "takes_a_slot",
    "to_base36",
    "update_advert",
    "update_adverts",
    "valid_days",
]
