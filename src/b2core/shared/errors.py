"""One error hierarchy for the whole domain, each error with a stable machine code."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base of every error the domain raises on purpose.

    ``code`` is stable (``<area>.<reason>``) and is what clients match on; ``message`` is for
    humans. The edge maps codes to transport statuses in one table; the error's kind (its class)
    gives the fallback status for codes the table does not name.
    """

    code: ClassVar[str] = "domain.error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]  # per-instance override of the class default

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InvalidInput(DomainError):
    """The request is malformed or breaks a rule of the domain (422)."""

    code = "request.invalid"


class NotFound(DomainError):
    """The thing does not exist, or not for this caller (404)."""

    code = "resource.not_found"


class Conflict(DomainError):
    """The request clashes with the current state: duplicates, illegal transitions (409)."""

    code = "resource.conflict"


class ConcurrencyConflict(Conflict):
    """Someone else changed the same thing first; retry with fresh state (409)."""

    code = "resource.concurrent_update"


class Unauthenticated(DomainError):
    """No valid credentials were presented (401)."""

    code = "auth.unauthenticated"


class Forbidden(DomainError):
    """The caller is known but not allowed to do this (403)."""

    code = "auth.forbidden"


class LimitExceeded(DomainError):
    """A quota, rate limit or lockout refuses the request for now (429)."""

    code = "limit.exceeded"


class NotConfigured(DomainError):
    """The feature needs configuration that this deployment does not have (501)."""

    code = "feature.not_configured"


class Unavailable(DomainError):
    """A dependency is down or timed out; the request may succeed later (503)."""

    code = "service.unavailable"
