"""Money as integer minor units plus an ISO 4217 currency code; never a float."""

from __future__ import annotations

import re

import attrs

from b2core.shared import errors

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _check_currency(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not _CURRENCY.match(value):
        raise errors.InvalidInput(
            f"currency must be a 3-letter ISO 4217 code, got {value!r}", code="money.bad_currency"
        )


def _check_amount(_: object, __: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidInput(
            "amount must be an integer of minor units", code="money.bad_amount"
        )


@attrs.frozen(order=False)
class Money:
    """An amount of one currency, in minor units (cents, paisa)."""

    amount_minor: int = attrs.field(validator=_check_amount)
    currency: str = attrs.field(validator=_check_currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def times(self, quantity: int) -> Money:
        """Return this amount multiplied by a whole quantity."""
        return Money(self.amount_minor * quantity, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise errors.InvalidInput(
                f"cannot combine {self.currency} with {other.currency}",
                code="money.currency_mismatch",
            )
