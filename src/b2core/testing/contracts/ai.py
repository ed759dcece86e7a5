"""Contract of ``AiSettingsRepository`` and ``UsageLog`` (``b2core.ai.ports``), tenant-bound.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.ai import *  # noqa: F403

A tenant transaction of the UoW must offer ``ai_settings`` and ``usage``. Every example uses
fresh tenants and ids, so a store kept between calls of the factory is fine.

What the suite pins down beyond the port's docstrings:

* Every field of the settings (phrases, fallbacks, the pinned model, plan and anchor day) and
  of a usage record round-trips; saving settings again replaces them whole.
* A tenant-bound repository never shows another tenant's records and refuses to store one:
  ``errors.Forbidden`` ``ai.settings_wrong_tenant`` / ``ai.usage_wrong_tenant``.
* Usage pages run newest first (``at``, then id, descending; ids by code point), visit every
  record in ``since <= at < until`` exactly once, and refuse cursors that do not decode.
"""

from __future__ import annotations

import string
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2core.ai import model
from b2core.ai import settings as ai_settings
from b2core.shared import errors, ids, pagination
from b2core.testing import strategies
from b2core.testing.contracts import MOMENT, UowFactory, unique_id

__all__ = [
    "pytestmark",
    "test_a_tenant_sees_and_stores_only_its_own",
    "test_any_settings_round_trip_and_saving_again_replaces_them",
    "test_any_usage_record_round_trips",
    "test_changes_without_commit_are_discarded",
    "test_settings_are_absent_until_saved",
    "test_undecodable_cursors_are_invalid_input",
    "test_usage_pages_visit_the_range_once_newest_first",
]

pytestmark = pytest.mark.anyio

_COUNTS = st.integers(0, strategies.MAX_INT32)
_LIMITS = st.none() | _COUNTS
_CODES = st.text(string.ascii_uppercase, min_size=3, max_size=3)
_NAMES = strategies.texts(200).map(str.strip).filter(bool)


def model_specs() -> st.SearchStrategy[model.ModelSpec]:
    """Any valid model of the catalog (what a tenant may pin)."""
    return st.builds(
        model.ModelSpec,
        name=_NAMES,
        tier=st.sampled_from(model.AiTier),
        input_price_micro_per_1k=_COUNTS,
        output_price_micro_per_1k=_COUNTS,
        currency=_CODES,
    )


def settings_of(tenant_id: ids.TenantId) -> st.SearchStrategy[ai_settings.AiSettings]:
    """Any valid settings of ``tenant_id``, every optional field set or not."""
    speaking = [reason for reason in model.BlockReason if not reason.silent]
    return st.builds(
        ai_settings.AiSettings,
        tenant_id=st.just(tenant_id),
        ai_enabled=st.booleans(),
        plan=st.sampled_from(model.AiPlan),
        billing_anchor_day=st.none() | st.integers(1, 31),
        confidence_threshold=st.integers(0, 100),
        prohibited_phrases=st.lists(strategies.texts(60), max_size=5).map(tuple),
        fallbacks=st.dictionaries(st.sampled_from(speaking), strategies.texts(80), max_size=4),
        pinned_model=st.none() | model_specs(),
        daily_limit=_LIMITS,
        monthly_limit=_LIMITS,
        updated_at=st.none() | strategies.instants(),
    )


def usage_records(tenant_id: ids.TenantId) -> st.SearchStrategy[model.UsageRecord]:
    """Any valid usage record of ``tenant_id``."""
    return st.builds(
        model.UsageRecord,
        id=strategies.id_strings().map(model.UsageRecordId),
        tenant_id=st.just(tenant_id),
        at=strategies.instants(),
        model=_NAMES,
        tier=st.sampled_from(model.AiTier),
        input_tokens=_COUNTS,
        output_tokens=_COUNTS,
        cost_micro=st.integers(0, 2**62),
        currency=_CODES,
        latency_ms=_COUNTS,
        reason=st.none() | st.sampled_from(model.BlockReason),
        conversation_id=st.none() | strategies.id_strings().map(ids.ConversationId),
    )


def a_record(tenant_id: ids.TenantId, at: datetime = MOMENT) -> model.UsageRecord:
    """One answered call of ``tenant_id`` at ``at`` with a fresh id."""
    return model.UsageRecord.for_call(
        model.UsageRecordId(unique_id()),
        tenant_id,
        at,
        model.OFFLINE_MODEL,
        model.AiTier.FREE,
        input_tokens=120,
        output_tokens=30,
        latency_ms=15,
    )


def _id(record: model.UsageRecord) -> str:
    return record.id


# Fixed tenants for the @given tests: strategies are built before any fixture runs.
_SETTINGS_TENANT = ids.TenantId(unique_id())
_USAGE_TENANT = ids.TenantId(unique_id())


async def _store(uow: Any, tenant_id: ids.TenantId, *things: Any) -> None:
    async with uow.tenant(tenant_id) as tx:
        for thing in things:
            if isinstance(thing, ai_settings.AiSettings):
                await tx.ai_settings.save(thing)
            else:
                await tx.usage.add(thing)
        await tx.commit()


async def _error_code(action: Any) -> str:
    with pytest.raises(errors.DomainError) as raised:
        await action
    return raised.value.code


async def test_settings_are_absent_until_saved(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    async with uow.tenant(ids.TenantId(unique_id())) as tx:
        assert await tx.ai_settings.get() is None
        assert (await tx.usage.page(pagination.PageRequest())).items == ()


@settings(max_examples=20, deadline=None)
@given(first=settings_of(_SETTINGS_TENANT), second=settings_of(_SETTINGS_TENANT))
async def test_any_settings_round_trip_and_saving_again_replaces_them(
    uow_factory: UowFactory, first: ai_settings.AiSettings, second: ai_settings.AiSettings
) -> None:
    uow = await uow_factory()
    for saved in (first, second):
        await _store(uow, _SETTINGS_TENANT, saved)
        async with uow.tenant(_SETTINGS_TENANT) as tx:
            assert await tx.ai_settings.get() == saved


@settings(max_examples=20, deadline=None)
@given(records=st.lists(usage_records(_USAGE_TENANT), min_size=1, max_size=3, unique_by=_id))
async def test_any_usage_record_round_trips(
    uow_factory: UowFactory, records: list[model.UsageRecord]
) -> None:
    uow = await uow_factory()
    await _store(uow, _USAGE_TENANT, *records)
    async with uow.tenant(_USAGE_TENANT) as tx:
        page = await tx.usage.page(pagination.PageRequest())
    assert sorted(page.items, key=lambda r: r.id) == sorted(records, key=lambda r: r.id)


@settings(max_examples=25, deadline=None)
@given(
    minutes=st.lists(st.integers(0, 5), max_size=10),
    limit=st.integers(1, 4),
    since=st.none() | st.integers(0, 5),
    until=st.none() | st.integers(0, 6),
)
async def test_usage_pages_visit_the_range_once_newest_first(
    uow_factory: UowFactory, minutes: list[int], limit: int, since: int | None, until: int | None
) -> None:
    uow = await uow_factory()
    tenant = ids.TenantId(unique_id())
    # Few distinct instants, so that ties (broken by id, descending) are common.
    records = [a_record(tenant, MOMENT + timedelta(minutes=m)) for m in minutes]
    if records:
        await _store(uow, tenant, *records)
    start = None if since is None else MOMENT + timedelta(minutes=since)
    end = None if until is None else MOMENT + timedelta(minutes=until)
    seen: list[str] = []
    pages, cursor = 0, None
    async with uow.tenant(tenant) as tx:
        while pages == 0 or cursor is not None:
            request = pagination.PageRequest(limit=limit, cursor=cursor)
            page = await tx.usage.page(request, since=start, until=end)
            seen.extend(r.id for r in page.items)
            pages, cursor = pages + 1, page.next_cursor
    wanted = [
        r for r in records if (start is None or r.at >= start) and (end is None or r.at < end)
    ]
    newest_first = sorted(wanted, key=lambda r: (r.at, r.id), reverse=True)
    assert seen == [r.id for r in newest_first]
    assert pages == max(1, -(-len(wanted) // limit))


async def test_a_tenant_sees_and_stores_only_its_own(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    owner, intruder = ids.TenantId(unique_id()), ids.TenantId(unique_id())
    mine = ai_settings.AiSettings(owner, ai_enabled=False, updated_at=MOMENT)
    await _store(uow, owner, mine, a_record(owner))
    async with uow.tenant(intruder) as tx:
        assert await tx.ai_settings.get() is None
        assert (await tx.usage.page(pagination.PageRequest())).items == ()
        assert await _error_code(tx.ai_settings.save(mine)) == "ai.settings_wrong_tenant"
        assert await _error_code(tx.usage.add(a_record(owner))) == "ai.usage_wrong_tenant"
        await tx.ai_settings.save(attrs.evolve(mine, tenant_id=intruder, ai_enabled=True))
        await tx.commit()
    async with uow.tenant(owner) as tx:
        assert await tx.ai_settings.get() == mine
        assert len((await tx.usage.page(pagination.PageRequest())).items) == 1


async def test_changes_without_commit_are_discarded(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = ids.TenantId(unique_id())
    async with uow.tenant(tenant) as tx:
        await tx.ai_settings.save(ai_settings.AiSettings(tenant))
        await tx.usage.add(a_record(tenant))
    async with uow.tenant(tenant) as tx:
        assert await tx.ai_settings.get() is None
        assert (await tx.usage.page(pagination.PageRequest())).items == ()


async def test_undecodable_cursors_are_invalid_input(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    async with uow.tenant(ids.TenantId(unique_id())) as tx:
        for cursor in ("%%%", pagination.encode_cursor("only-one-part")):
            request = pagination.PageRequest(cursor=cursor)
            assert await _error_code(tx.usage.page(request)) == "pagination.bad_cursor"
