"""The domain's exception tree.

Every failure a use case can report is a ``DomainError`` with a stable ``code``.
No HTTP status lives here: each dialect owns one table that maps codes to its
status and wire body.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid field: ``field`` as the wire names it, ``title`` as the user reads it."""

    field: str
    title: str
    code: str = "invalid"
    detail: str | None = None


class DomainError(Exception):
    """Base of every business failure. ``code`` is stable; ``message`` is human text."""

    code: str = "domain_error"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    """One or more fields are invalid; all of them are reported together."""

    code = "validation_failed"

    def __init__(self, errors: Iterable[FieldError], message: str = "Data validation error occurred") -> None:
        super().__init__(message)
        self.errors: list[FieldError] = list(errors)


class BadRequest(DomainError):
    """The request as a whole cannot be honoured (e.g. an unknown category id)."""

    code = "bad_request"


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "permission_denied"


class InvalidState(DomainError):
    """A lifecycle transition that the transition table does not allow."""

    code = "invalid_state"

    def __init__(self, message: str, *, current: str = "", action: str = "") -> None:
        super().__init__(message)
        self.current = current
        self.action = action


class Conflict(DomainError):
    code = "conflict"


class RateLimited(DomainError):
    code = "rate_limited"


class OAuthError(DomainError):
    """An OAuth2 protocol error (RFC 6749 names): ``error`` and ``description`` go on the wire.

    ``status_hint`` is the family the seed documents for this error (``unauthorized``
    for an inactive client or a bad token, ``bad_request`` otherwise); the dialect
    turns it into an HTTP status.
    """

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status_hint: str = "bad_request",
        human_title: str | None = None,
    ) -> None:
        super().__init__(description, code=f"oauth.{error}")
        self.error = error
        self.description = description
        self.status_hint = status_hint
        self.human_title = human_title
