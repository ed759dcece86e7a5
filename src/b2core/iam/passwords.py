"""Password policy: what a password must be before it is hashed."""

from __future__ import annotations

from b2core.shared import errors

MIN_LENGTH = 10
MAX_LENGTH = 1024


def check_policy(password: str) -> None:
    """Refuse passwords that are too short, too long, or made of one repeated character."""
    if len(password) < MIN_LENGTH:
        raise errors.InvalidInput(
            f"password must have at least {MIN_LENGTH} characters", code="password.too_short"
        )
    if len(password) > MAX_LENGTH:
        raise errors.InvalidInput(
            f"password must have at most {MAX_LENGTH} characters", code="password.too_long"
        )
    if len(set(password)) < 4:
        raise errors.InvalidInput(
            "password must use at least 4 different characters", code="password.too_simple"
        )
