"""The one cattrs converter of the HTTP edge: JSON bodies into attrs DTOs and results into JSON.

Structuring is strict: no silent coercion (``"5"`` is not an int, ``1`` is not a string, ``true``
is not a number), unknown fields are refused, and every problem is reported with its field path.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import cattrs
from cattrs.v import format_exception, transform_error

from b2core.shared import errors, money, time

T = TypeVar("T")


class _Refused(ValueError):
    """A value the converter refuses, with a message fit for the client."""


def _structure_enum(value: object, kind: type[Any]) -> Any:
    try:
        if isinstance(value, bool):  # True == 1 would otherwise pick an IntEnum member
            raise ValueError(value)
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in kind)
        raise _Refused(f"must be one of {allowed}") from None


def _unstructure_plain(value: Any) -> Any:
    # Enums mixed with str or int dispatch here through their base class.
    return value.value if isinstance(value, enum.Enum) else value


def _strict(kind: type[Any], label: str) -> Callable[[object, type[Any]], Any]:
    def structure(value: object, target: type[Any]) -> Any:
        # A str- or int-based enum dispatches here through its base class.
        if issubclass(target, enum.Enum):
            return _structure_enum(value, target)
        # bool is an int subclass in Python but never a number (or string) in an API.
        if isinstance(value, bool) and kind is not bool:
            raise _Refused(f"expected {label}")
        if kind is float and isinstance(value, int):
            return float(value)
        if not isinstance(value, kind):
            raise _Refused(f"expected {label}")
        return value

    return structure


def _structure_datetime(value: object, _: type[Any]) -> datetime:
    if not isinstance(value, str):
        raise _Refused("expected an ISO 8601 date-time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Refused("expected an ISO 8601 date-time string") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _Refused("the date-time needs a time zone, e.g. 2025-01-31T09:00:00Z")
    return moment.astimezone(UTC)


def _unstructure_money(amount: money.Money) -> dict[str, Any]:
    return {"amount_minor": amount.amount_minor, "currency": amount.currency}


def make_converter() -> cattrs.Converter:
    """A converter for request and response bodies (never use cattrs' global one)."""
    converter = cattrs.Converter(forbid_extra_keys=True)
    for kind, label in (
        (str, "a string"),
        (int, "an integer"),
        (float, "a number"),
        (bool, "true or false"),
    ):
        converter.register_structure_hook(kind, _strict(kind, label))
    converter.register_structure_hook(enum.Enum, _structure_enum)
    for base in (enum.Enum, str, int):
        converter.register_unstructure_hook(base, _unstructure_plain)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(
        datetime, lambda moment: time.ensure_utc(moment).isoformat()
    )
    converter.register_unstructure_hook(money.Money, _unstructure_money)
    return converter


converter = make_converter()


def _describe(exc: BaseException, kind: type[Any] | None) -> str:
    if isinstance(exc, _Refused):
        return str(exc)
    if isinstance(exc, errors.DomainError):
        return exc.message
    return format_exception(exc, kind)


def _field_problems(exc: BaseException) -> str:
    """``"price: expected an integer; name: required field missing"`` from cattrs' errors."""
    problems = []
    for line in transform_error(exc, path="$", format_exception=_describe):
        message, _, where = line.rpartition(" @ ")
        field = where.removeprefix("$").removeprefix(".")
        problems.append(f"{field}: {message}" if field else message)
    return "; ".join(problems)


def structure(data: object, cls: type[T]) -> T:
    """Turn a decoded JSON body into ``cls``.

    Raises ``errors.InvalidInput`` (code ``request.invalid``) naming each offending field.
    """
    if not isinstance(data, Mapping):
        raise errors.InvalidInput("the request body must be a JSON object", code="request.invalid")
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, errors.DomainError) as exc:
        raise errors.InvalidInput(_field_problems(exc), code="request.invalid") from exc


def unstructure(value: object) -> Any:
    """Turn a DTO (or a list or dict of them) into JSON-ready data."""
    return converter.unstructure(value)
