"""Names of the events an advert goes through (stable: webhooks and change feeds read them)."""

from __future__ import annotations

from enum import StrEnum

from pazar.domain.lifecycle import Action


class EventType(StrEnum):
    POSTED = "advert_posted"
    UPDATED = "advert_updated"
    ACTIVATED = "advert_activated"  # became active (moderation accepted it)
    REJECTED = "advert_rejected"  # moderated: fixable
    BLOCKED = "advert_blocked"
    REMOVED_BY_MODERATOR = "advert_removed_by_moderator"
    DEACTIVATED = "advert_deactivated"
    REACTIVATION_REQUESTED = "advert_activation_requested"
    FINISHED = "advert_finished"
    EXTENDED = "advert_extended"
    OUTDATED = "advert_outdated"
    DELETED = "advert_deleted"
    DISABLED = "advert_disabled"
    UNCONFIRMED = "advert_unconfirmed"
    PAYMENT_REQUIRED = "advert_payment_required"


EVENT_FOR_ACTION: dict[Action, EventType] = {
    Action.ACCEPT: EventType.ACTIVATED,
    Action.REJECT: EventType.REJECTED,
    Action.BLOCK: EventType.BLOCKED,
    Action.REMOVE: EventType.REMOVED_BY_MODERATOR,
    Action.UPDATE: EventType.UPDATED,
    Action.ACTIVATE: EventType.REACTIVATION_REQUESTED,
    Action.DEACTIVATE: EventType.DEACTIVATED,
    Action.FINISH: EventType.FINISHED,
    Action.EXTEND: EventType.EXTENDED,
    Action.EXPIRE: EventType.OUTDATED,
    Action.DELETE: EventType.DELETED,
    Action.DISABLE: EventType.DISABLED,
    Action.UNCONFIRM: EventType.UNCONFIRMED,
    Action.REQUIRE_PAYMENT: EventType.PAYMENT_REQUIRED,
}
