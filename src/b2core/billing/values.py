"""Small helpers shared by billing's value types: foreign strings into enums, with clear codes."""

from __future__ import annotations

import enum
from typing import TypeVar

from b2core.shared import errors

E = TypeVar("E", bound=enum.Enum)


def to_enum(kind: type[E], value: object, code: str) -> E:
    """``value`` as a member of ``kind``; an unknown value is ``InvalidInput(code)``.

    The plain enum constructor raises ``ValueError``, which would surface as a 500.
    """
    try:
        return kind(value)
    except ValueError as exc:
        names = ", ".join(str(member.value) for member in kind)
        raise errors.InvalidInput(f"expected one of {names}", code=code) from exc
