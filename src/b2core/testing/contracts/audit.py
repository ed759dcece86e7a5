"""Contract of ``b2core.shared.audit.AuditLog``: entries come back as appended, per tenant.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.audit import *  # noqa: F403

The UoW must satisfy ``b2core.iam.ports.AccountsUoW``. The port only appends, so the suite reads
back through the log's ``all()`` method (every entry it may show, oldest first), which an
adapter must offer to be held to this suite. Examples keep apart by fresh ids and tenants, so a
store kept between calls of the factory is fine.

What the suite pins down beyond the port's docstrings:

* Every field round-trips, metadata included (JSON-compatible: str keys, lists, no floats).
* A tenant-bound log shows only its tenant's entries and refuses to append any other
  (another tenant's, or a platform entry without tenant): ``errors.Forbidden``
  ``audit.wrong_tenant``. A platform log shows and takes every entry.
* Appending an id twice is ``errors.Conflict`` ``audit.conflict``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2core.iam import model, ports
from b2core.shared import audit, errors, ids
from b2core.testing import strategies
from b2core.testing.contracts import MOMENT, UowFactory, unique_id

__all__ = [
    "pytestmark",
    "test_a_tenant_log_refuses_other_entries",
    "test_a_tenant_log_shows_only_its_tenants_entries",
    "test_an_id_is_appended_once",
    "test_any_entry_round_trips",
    "test_entries_come_back_oldest_first",
    "test_entries_without_commit_are_discarded",
]

pytestmark = pytest.mark.anyio

_SHORT = strategies.texts(60)


def json_values() -> st.SearchStrategy[Any]:
    """JSON-compatible values: what an audit entry's metadata may hold."""
    scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | strategies.texts(60)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_SHORT, inner, max_size=4),
        max_leaves=12,
    )


def actors() -> st.SearchStrategy[audit.Actor]:
    """The system, the AI, or a user with a role."""
    user = st.builds(
        audit.Actor.user, strategies.user_ids(), st.sampled_from([r.value for r in model.Role])
    )
    return st.just(audit.Actor.system()) | st.just(audit.Actor.ai()) | user


def entries() -> st.SearchStrategy[audit.AuditEntry]:
    """Any audit entry, in a tenant or on the platform."""
    optional = st.none() | strategies.texts(40)
    return st.builds(
        audit.AuditEntry,
        id=strategies.id_strings().map(ids.AuditId),
        at=strategies.instants(),
        actor=actors(),
        action=strategies.texts(100).filter(bool),
        tenant_id=st.none() | strategies.tenant_ids(),
        target_type=optional,
        target_id=optional,
        metadata=st.dictionaries(_SHORT, json_values(), max_size=5),
        ip=st.none() | st.ip_addresses().map(str),
    )


def entry(tenant_id: ids.TenantId | None, minutes: int = 0) -> audit.AuditEntry:
    """A user's action in ``tenant_id`` (None: on the platform), ``minutes`` after MOMENT."""
    return audit.AuditEntry(
        id=ids.AuditId(unique_id()),
        at=MOMENT + timedelta(minutes=minutes),
        actor=audit.Actor.user(ids.UserId(unique_id()), model.Role.TENANT_ADMIN.value),
        action="team.member_invited",
        tenant_id=tenant_id,
        target_type="user",
        target_id=unique_id(),
        metadata={"role": "STAFF", "tags": ["a", "b"], "nested": {"n": 1, "ok": True}},
        ip="203.0.113.7",
    )


def _tenant() -> ids.TenantId:
    return ids.TenantId(unique_id())


async def _fresh(uow_factory: UowFactory) -> ports.AccountsUoW:
    uow: ports.AccountsUoW = await uow_factory()
    return uow


async def _append(uow: ports.AccountsUoW, *appended: audit.AuditEntry) -> None:
    async with uow.platform() as tx:
        for one in appended:
            await tx.audit.append(one)
        await tx.commit()


async def _read(uow: ports.AccountsUoW, tenant_id: ids.TenantId | None) -> list[audit.AuditEntry]:
    scope = uow.platform() if tenant_id is None else uow.tenant(tenant_id)
    async with scope as tx:
        entries: list[audit.AuditEntry] = await tx.audit.all()  # type: ignore[attr-defined]
    return entries


@settings(max_examples=30, deadline=None)
@given(appended=entries())
async def test_any_entry_round_trips(uow_factory: UowFactory, appended: audit.AuditEntry) -> None:
    uow = await _fresh(uow_factory)
    appended = attrs.evolve(appended, id=ids.AuditId(unique_id()))
    await _append(uow, appended)
    assert [e for e in await _read(uow, None) if e.id == appended.id] == [appended]


async def test_entries_come_back_oldest_first(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    tenant_id = _tenant()
    first, second, third = entry(tenant_id, 1), entry(tenant_id, 2), entry(tenant_id, 3)
    await _append(uow, first, second)
    await _append(uow, third)
    assert await _read(uow, tenant_id) == [first, second, third]
    assert [e for e in await _read(uow, None) if e.tenant_id == tenant_id] == [
        first,
        second,
        third,
    ]


async def test_a_tenant_log_shows_only_its_tenants_entries(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    ours, theirs = _tenant(), _tenant()
    mine, other, platform = entry(ours, 1), entry(theirs, 2), entry(None, 3)
    await _append(uow, mine, other, platform)
    assert await _read(uow, ours) == [mine]
    assert await _read(uow, theirs) == [other]
    everything = await _read(uow, None)
    assert all(one in everything for one in (mine, other, platform))


async def test_a_tenant_log_refuses_other_entries(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    ours = _tenant()
    async with uow.tenant(ours) as tx:
        for stranger in (entry(_tenant()), entry(None)):
            with pytest.raises(errors.Forbidden) as caught:
                await tx.audit.append(stranger)
            assert caught.value.code == "audit.wrong_tenant"
        mine = entry(ours)
        await tx.audit.append(mine)
        await tx.commit()
    assert await _read(uow, ours) == [mine]


async def test_an_id_is_appended_once(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    first = entry(None)
    await _append(uow, first)
    with pytest.raises(errors.Conflict) as caught:
        await _append(uow, attrs.evolve(first, action="something.else"))
    assert caught.value.code == "audit.conflict"
    assert [e for e in await _read(uow, None) if e.id == first.id] == [first]


async def test_entries_without_commit_are_discarded(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    ours = _tenant()
    async with uow.tenant(ours) as tx:
        await tx.audit.append(entry(ours))
    assert await _read(uow, ours) == []
