"""The unit of work: one transaction, committed explicitly, rolled back otherwise.

Each bounded context declares its own narrow transaction protocol listing only the repositories
it needs (``OrdersTx``) and a unit-of-work protocol that opens such transactions. One SQL and one
in-memory adapter satisfy all of them structurally.

Two kinds of transaction exist:

* ``tenant(tenant_id)`` opens a transaction whose repositories are bound to one tenant: they
  cannot read or write any other tenant's rows (on PostgreSQL, row-level security backs this).
* ``platform()`` opens a transaction for platform-wide work (settings, plans, login by email,
  super-admin paths). Callers reach it only through explicit, audited use cases.
"""

from __future__ import annotations

from typing import Protocol


class Transaction(Protocol):
    """An open transaction. Leaving its ``async with`` block without ``commit`` rolls back."""

    async def commit(self) -> None:
        """Make every change of this transaction durable, atomically."""
        ...

    async def rollback(self) -> None:
        """Discard every change made since the transaction began."""
        ...
