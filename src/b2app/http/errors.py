"""The one error layer of the HTTP edge: every failure becomes the same sanitized JSON envelope.

Domain errors map to a status by their code (``STATUS_BY_CODE``) or, failing that, by their kind
(``STATUS_BY_KIND``). Litestar's own errors (routing, validation, body parsing, guards) get codes
of the same ``<area>.<reason>`` form. Anything else is a 500 whose details go to the log only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar import exceptions as litestar_exceptions
from litestar.types import ExceptionHandlersMap
from sqlalchemy import exc as sqlalchemy_errors

from b2core.shared import errors

log = structlog.get_logger("b2.http")

# Codes whose status differs from the one their kind implies.
STATUS_BY_CODE: dict[str, int] = {
    "request.malformed": 400,
    "webhook.bad_payload": 400,
    "request.too_large": 413,
    "media.link_expired": 410,
}

# Fallback by the error's class; the most specific class in the error's MRO wins.
STATUS_BY_KIND: dict[type[errors.DomainError], int] = {
    errors.InvalidInput: 422,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.ConcurrencyConflict: 409,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.LimitExceeded: 429,
    errors.NotConfigured: 501,
    errors.Unavailable: 503,
    # A bare DomainError is still a refusal made on purpose, so a client error.
    errors.DomainError: 400,
}

# Litestar's HTTP exceptions by status: our code and the message used when theirs is generic.
_HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("request.malformed", "the request could not be read"),
    401: ("auth.unauthenticated", "authentication is required"),
    403: ("auth.forbidden", "you are not allowed to do this"),
    404: ("route.not_found", "no route matches this path"),
    405: ("route.method_not_allowed", "this method is not allowed on this route"),
    413: ("request.too_large", "the request body is too large"),
    429: ("limit.exceeded", "too many requests; try again later"),
    503: ("service.unavailable", "the service is temporarily unavailable"),
}

INTERNAL_CODE = "internal.error"
INTERNAL_MESSAGE = "an unexpected error occurred; it has been logged"
BAD_JSON_MESSAGE = "the request body is not valid JSON"
UNAVAILABLE_CODE = "database.unavailable"
UNAVAILABLE_MESSAGE = "a backing service is unreachable; try again shortly"
_MAX_CHAIN = 10

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_MAX_MESSAGE = 300
_MISSING_PARAM = re.compile(r"^Missing required (\w+) parameter '([^']+)'")


def sanitize(message: str) -> str:
    """Make ``message`` safe for a client: ids redacted, first line only, bounded length."""
    lines = message.strip().splitlines()
    text = _UUID.sub("<id>", lines[0] if lines else "")
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response[dict[str, Any]]:
    """Build the one error envelope: ``{"error": {"code": ..., "message": ...}}``."""
    all_headers = dict(headers or {})
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return Response(
        {"error": {"code": code, "message": sanitize(message)}},
        status_code=status,
        headers=all_headers,
        media_type=MediaType.JSON,
    )


def status_for(error: errors.DomainError) -> int:
    """The HTTP status of a domain error: by its code first, then by its class."""
    if error.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[error.code]
    for kind in type(error).__mro__:
        if kind in STATUS_BY_KIND:
            return STATUS_BY_KIND[kind]
    return 400


def _retry_after(error: errors.DomainError) -> dict[str, str]:
    value = getattr(error, "retry_after", None)
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return {"Retry-After": str(math.ceil(value))}
    return {}


def handle_domain_error(
    _: Request[Any, Any, Any], exc: errors.DomainError
) -> Response[dict[str, Any]]:
    """Map a :class:`errors.DomainError` to its status, code and message."""
    status = status_for(exc)
    headers = _retry_after(exc) if status == 429 else {}
    return error_response(status, exc.code, exc.message, headers)


def _problem(item: dict[str, Any]) -> str:
    """One readable line from one of Litestar's validation entries."""
    text = str(item.get("message") or "is not valid").replace("`", "")
    key = item.get("key")
    source = getattr(item.get("source"), "value", item.get("source"))  # ParamType or str
    if key in (None, "data"):
        if text.strip("'") == "data":  # msgspec's KeyError for a missing body
            return "a JSON body is required"
        return f"body: {text[:1].lower()}{text[1:]}"
    where = f"{source} parameter {key!r}" if source and source != "body" else key
    return f"{where}: {text[:1].lower()}{text[1:]}"


def _validation_message(exc: litestar_exceptions.ValidationException) -> str:
    problems = [_problem(item) for item in exc.extra or [] if isinstance(item, dict)]
    if problems:
        return "; ".join(problems)
    if missing := _MISSING_PARAM.match(exc.detail):
        return f"missing required {missing.group(1)} parameter {missing.group(2)!r}"
    return "the request is not valid"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a non-standard status has no phrase
        return ""


def _is_body_decoding(exc: BaseException) -> bool:
    cause = exc.__cause__
    return isinstance(cause, litestar_exceptions.SerializationException | msgspec.DecodeError)


def handle_http_exception(
    request: Request[Any, Any, Any], exc: litestar_exceptions.HTTPException
) -> Response[dict[str, Any]]:
    """Map Litestar's HTTP exceptions (routing, validation, guards, limits) to the envelope."""
    if isinstance(exc, litestar_exceptions.ValidationException):
        return error_response(422, "request.invalid", _validation_message(exc))
    status = exc.status_code
    if status == 400 and _is_body_decoding(exc):
        return error_response(400, "request.malformed", BAD_JSON_MESSAGE)
    if status >= 500 and status != 503:
        return handle_unexpected(request, exc)
    code, default_message = _HTTP_ERRORS.get(status, ("request.rejected", "request refused"))
    generic = exc.detail in ("", _phrase(status))
    # 404/405 details come from the router and may echo the raw path; ours are enough.
    own_message = generic or status in (404, 405, 413)
    return error_response(status, code, default_message if own_message else exc.detail, exc.headers)


def lost_connection(exc: BaseException) -> bool:
    """True when ``exc`` or its causes mean a connection to a backing service was lost."""
    current: BaseException | None = exc
    for _ in range(_MAX_CHAIN):
        if current is None:
            return False
        if isinstance(current, sqlalchemy_errors.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, ConnectionError | TimeoutError):
            return True
        current = current.__cause__ or current.__context__
    return False


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """A malformed JSON body is the client's fault; everything else is a logged 500."""
    if isinstance(exc, litestar_exceptions.SerializationException) and _is_body_decoding(exc):
        return error_response(400, "request.malformed", BAD_JSON_MESSAGE)
    if lost_connection(exc):
        # The database (or another backing service) is unreachable: retryable, not a bug.
        log.warning("backend_unavailable", error_type=type(exc).__name__)
        return error_response(503, UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE)
    # The request id, method and path come from the bound context; the trace stays in the log.
    log.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
    return error_response(500, INTERNAL_CODE, INTERNAL_MESSAGE)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    errors.DomainError: handle_domain_error,
    litestar_exceptions.HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
