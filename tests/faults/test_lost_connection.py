"""The HTTP edge maps a lost database connection to a clean 503, and only that to a 503."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from sqlalchemy import exc as sqlalchemy_errors

from b2app.http import errors as http_errors


def _chained(outer: Exception, cause: BaseException) -> Exception:
    try:
        raise outer from cause
    except Exception as exc:
        return exc


def _dbapi(invalidated: bool) -> sqlalchemy_errors.DBAPIError:
    return sqlalchemy_errors.DBAPIError(
        "SELECT 1", None, OSError("gone"), connection_invalidated=invalidated
    )


@pytest.mark.parametrize(
    ("exc", "lost"),
    [
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError(), True),
        (_dbapi(invalidated=True), True),
        (_chained(RuntimeError("wrapped"), ConnectionResetError()), True),
        (_dbapi(invalidated=False), False),  # e.g. a constraint or syntax error: a bug
        (ValueError("bad"), False),
        (KeyError("x"), False),
    ],
)
def test_only_lost_connections_count(exc: BaseException, lost: bool) -> None:
    assert http_errors.lost_connection(exc) is lost


def test_a_lost_connection_is_a_503_envelope_and_a_bug_stays_a_500() -> None:
    request: Any = None
    unavailable = http_errors.handle_unexpected(request, ConnectionResetError())
    assert unavailable.status_code == 503
    body = msgspec.json.decode(msgspec.json.encode(unavailable.content))
    assert body == {
        "error": {"code": "database.unavailable", "message": http_errors.UNAVAILABLE_MESSAGE}
    }
    bug = http_errors.handle_unexpected(request, ValueError("oops"))
    assert bug.status_code == 500
