"""Advert statuses and the one transition table every dialect goes through.

Statuses are the union of the Partner API v2 list (seed 003) and the RE Partner API
codes (digest B.4). ``transition()`` is the only way a status changes: it either
returns the next status or raises ``InvalidState`` with the message the v2 API
shows for that action.
"""

from __future__ import annotations

from enum import StrEnum

from pazar.domain.errors import InvalidState


class Status(StrEnum):
    NEW = "new"  # fresh, awaiting moderation
    ACTIVE = "active"
    LIMITED = "limited"  # over the user's free limit in the category
    REMOVED_BY_USER = "removed_by_user"
    OUTDATED = "outdated"  # valid_to passed
    UNCONFIRMED = "unconfirmed"
    UNPAID = "unpaid"
    MODERATED = "moderated"  # negative moderation, fixable by an edit
    BLOCKED = "blocked"
    DISABLED = "disabled"
    REMOVED_BY_MODERATOR = "removed_by_moderator"
    DELETED = "deleted"  # gone for the owner; kept for history


class Action(StrEnum):
    ACCEPT = "accept"  # moderation passed
    REJECT = "reject"  # moderation failed, fixable
    BLOCK = "block"  # moderation blocked it
    REMOVE = "remove"  # a moderator removed it
    UPDATE = "update"  # the owner edited it (PUT)
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"
    FINISH = "finish"
    EXTEND = "extend"
    EXPIRE = "expire"
    DELETE = "delete"
    DISABLE = "disable"  # a moderator disabled it (OLX: the account or the advert is suspended)
    UNCONFIRM = "unconfirm"  # it waits for its owner's confirmation (a site rule; the sandbox sets it)
    REQUIRE_PAYMENT = "require_payment"  # it waits for a payment (a paid-only category; the sandbox sets it)


S = Status
INACTIVE = frozenset({S.REMOVED_BY_USER, S.OUTDATED, S.LIMITED, S.UNPAID, S.UNCONFIRMED})
# Statuses an owner may still edit; an edit of a rejected advert sends it back to moderation.
EDITABLE = frozenset({S.NEW, S.ACTIVE, S.LIMITED, S.REMOVED_BY_USER, S.OUTDATED, S.MODERATED, S.UNPAID})
MODERATION_OPEN = frozenset({S.NEW, S.MODERATED, S.BLOCKED, S.DISABLED, S.ACTIVE})

_TABLE: dict[Action, dict[Status, Status]] = {
    # A confirmed advert is published as an accepted one.
    Action.ACCEPT: {s: S.ACTIVE for s in MODERATION_OPEN | {S.UNCONFIRMED}},
    Action.REJECT: {s: S.MODERATED for s in MODERATION_OPEN},
    Action.BLOCK: {s: S.BLOCKED for s in MODERATION_OPEN},
    Action.REMOVE: {s: S.REMOVED_BY_MODERATOR for s in MODERATION_OPEN | INACTIVE},
    Action.UPDATE: {s: (S.NEW if s == S.MODERATED else s) for s in EDITABLE},
    # Re-activation goes through moderation again (new), as a fresh posting would.
    Action.ACTIVATE: {S.REMOVED_BY_USER: S.NEW, S.OUTDATED: S.NEW, S.LIMITED: S.NEW, S.UNPAID: S.NEW},
    Action.DEACTIVATE: {S.ACTIVE: S.REMOVED_BY_USER},
    Action.FINISH: {S.LIMITED: S.REMOVED_BY_USER, S.UNPAID: S.REMOVED_BY_USER, S.OUTDATED: S.REMOVED_BY_USER},
    Action.EXTEND: {S.ACTIVE: S.ACTIVE},
    Action.EXPIRE: {S.ACTIVE: S.OUTDATED},
    Action.DELETE: {s: S.DELETED for s in Status if s not in (S.ACTIVE, S.DELETED)},
    Action.DISABLE: {s: S.DISABLED for s in MODERATION_OPEN},
    Action.UNCONFIRM: {S.NEW: S.UNCONFIRMED, S.ACTIVE: S.UNCONFIRMED},
    Action.REQUIRE_PAYMENT: {S.NEW: S.UNPAID, S.ACTIVE: S.UNPAID, S.LIMITED: S.UNPAID},
}

# The v2 API's wording when an action is not allowed (seed 002, publishing errors 18 and 19).
_REFUSAL = {
    Action.DEACTIVATE: "Ad has to be active",
    Action.EXTEND: "Ad has to be active",
    Action.DELETE: "Invalid status",
    Action.ACTIVATE: "Invalid status",
}


def can(action: Action, current: Status) -> bool:
    return current in _TABLE[action]


def transition(current: Status, action: Action) -> Status:
    """The status after ``action``; ``InvalidState`` if the table does not allow it."""
    following = _TABLE[action].get(current)
    if following is None:
        raise InvalidState(_REFUSAL.get(action, "Invalid status"), current=current.value, action=action.value)
    return following


def allowed_actions(current: Status) -> list[Action]:
    return [action for action in Action if current in _TABLE[action]]
