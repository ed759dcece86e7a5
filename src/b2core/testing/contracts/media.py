"""Contract of ``MediaStorage``: round trips, tenant isolation, refusals, links, erasure.

Star-import it into a test module that defines a module-scoped fixture ``media_storage``
returning an async factory ``make(clock, secret) -> MediaStorage`` over an empty store::

    from b2core.testing.contracts.media import *  # noqa: F403
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2core.conversations import media
from b2core.shared import errors, ids
from b2core.testing.contracts import unique_token

__all__ = [
    "pytestmark",
    "test_a_link_expires",
    "test_a_link_from_another_secret_is_refused",
    "test_a_ref_cannot_name_another_tenants_file",
    "test_a_tampered_link_is_refused",
    "test_a_valid_link_names_its_file",
    "test_any_name_is_refused_or_stored_safely",
    "test_bad_names_types_and_sizes_are_refused_before_writing",
    "test_deleting_a_tenant_spares_the_others",
    "test_deleting_removes_the_file_and_is_idempotent",
    "test_put_files_under_the_month_and_round_trips",
    "test_putting_the_same_file_again_replaces_it",
    "test_reading_a_missing_file_is_not_found",
    "test_two_tenants_never_see_each_others_bytes",
]

pytestmark = pytest.mark.anyio
SECRET = "contract-secret-0123456789"
MOMENT = datetime(2026, 3, 14, 9, 26, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 10


@attrs.define
class StepClock:
    """A clock the suite moves by hand."""

    moment: datetime = MOMENT

    def now(self) -> datetime:
        """The current, hand-set instant."""
        return self.moment


def _tenant() -> ids.TenantId:
    return ids.TenantId(f"tenant-{unique_token()}")


def _message() -> ids.MessageId:
    return ids.MessageId(f"msg-{unique_token()}")


async def _make(media_storage: Any, clock: StepClock | None = None) -> media.MediaStorage:
    store: media.MediaStorage = await media_storage(clock or StepClock(), SECRET)
    return store


async def _code_of(awaitable: Any) -> str:
    with pytest.raises(errors.DomainError) as caught:
        await awaitable
    return caught.value.code


async def test_put_files_under_the_month_and_round_trips(media_storage: Any) -> None:
    store = await _make(media_storage)
    tenant, message = _tenant(), _message()
    ref = await store.put(tenant, message, "cake photo.png", PNG, "image/png")
    assert ref.tenant_id == tenant
    assert ref.key == f"{tenant}/2026-03/{message}/cake_photo.png"
    assert await store.get(ref) == PNG


async def test_putting_the_same_file_again_replaces_it(media_storage: Any) -> None:
    store = await _make(media_storage)
    tenant, message = _tenant(), _message()
    await store.put(tenant, message, "a.png", PNG, "image/png")
    ref = await store.put(tenant, message, "a.png", PNG + b"v2", "image/png")
    assert await store.get(ref) == PNG + b"v2"
    assert await store.delete_tenant(tenant) == 1


async def test_two_tenants_never_see_each_others_bytes(media_storage: Any) -> None:
    store = await _make(media_storage)
    one, two, message = _tenant(), _tenant(), _message()
    first = await store.put(one, message, "same.png", PNG + b"one", "image/png")
    second = await store.put(two, message, "same.png", PNG + b"two", "image/png")
    assert first != second
    assert await store.get(first) == PNG + b"one"
    assert await store.get(second) == PNG + b"two"


async def test_a_ref_cannot_name_another_tenants_file(media_storage: Any) -> None:
    store = await _make(media_storage)
    owner, intruder = _tenant(), _tenant()
    ref = await store.put(owner, _message(), "secret.png", PNG, "image/png")
    with pytest.raises(errors.NotFound):
        media.MediaRef(intruder, ref.key)
    forged = f"{intruder}/../{ref.key}"
    with pytest.raises(errors.DomainError):
        media.MediaRef(intruder, forged)
    # A ref whose validation was bypassed is still checked by the adapter.
    sneaky = object.__new__(media.MediaRef)
    object.__setattr__(sneaky, "tenant_id", intruder)
    object.__setattr__(sneaky, "key", ref.key)
    assert await _code_of(store.get(sneaky)) == "media.not_found"


async def test_bad_names_types_and_sizes_are_refused_before_writing(media_storage: Any) -> None:
    store = await _make(media_storage)
    tenant, message = _tenant(), _message()
    cases = [
        ("../../etc/passwd", PNG, "image/png", "media.bad_name"),
        ("a/b.png", PNG, "image/png", "media.bad_name"),
        ("..", PNG, "image/png", "media.bad_name"),
        ("x" * (media.MAX_FILENAME + 1), PNG, "image/png", "media.bad_name"),
        ("run.exe", b"MZ", "application/x-msdownload", "media.bad_type"),
        ("big.png", b"0" * (5 * media.MB + 1), "image/png", "media.too_large"),
        ("empty.pdf", b"", "application/pdf", "media.empty"),
    ]
    for name, content, mime, code in cases:
        assert await _code_of(store.put(tenant, message, name, content, mime)) == code
    bad_message = ids.MessageId("../other")
    assert await _code_of(store.put(tenant, bad_message, "a.png", PNG, "image/png")) == (
        "media.bad_name"
    )
    assert await store.delete_tenant(tenant) == 0


async def test_reading_a_missing_file_is_not_found(media_storage: Any) -> None:
    store = await _make(media_storage)
    tenant = _tenant()
    ref = media.MediaRef(tenant, f"{tenant}/2026-03/{_message()}/none.png")
    assert await _code_of(store.get(ref)) == "media.not_found"


async def test_deleting_removes_the_file_and_is_idempotent(media_storage: Any) -> None:
    store = await _make(media_storage)
    tenant = _tenant()
    kept = await store.put(tenant, _message(), "kept.pdf", b"%PDF-1.7", "application/pdf")
    gone = await store.put(tenant, _message(), "gone.ogg", b"OggS", "audio/ogg; codecs=opus")
    await store.delete(gone)
    await store.delete(gone)
    assert await _code_of(store.get(gone)) == "media.not_found"
    assert await store.get(kept) == b"%PDF-1.7"


async def test_deleting_a_tenant_spares_the_others(media_storage: Any) -> None:
    store = await _make(media_storage)
    erased, kept = _tenant(), _tenant()
    for n in range(3):
        await store.put(erased, _message(), f"f{n}.png", PNG, "image/png")
    other = await store.put(kept, _message(), "f0.png", PNG, "image/png")
    assert await store.delete_tenant(erased) == 3
    assert await store.delete_tenant(erased) == 0
    assert await store.get(other) == PNG


async def test_a_valid_link_names_its_file(media_storage: Any) -> None:
    store = await _make(media_storage)
    ref = await store.put(_tenant(), _message(), "a.png", PNG, "image/png")
    url = store.signed_url(ref, timedelta(minutes=5))
    assert store.verify_signed(url) == ref
    assert store.verify_signed(url.rsplit("/", 1)[-1]) == ref


async def test_a_link_expires(media_storage: Any) -> None:
    clock = StepClock()
    store = await _make(media_storage, clock)
    ref = await store.put(_tenant(), _message(), "a.png", PNG, "image/png")
    url = store.signed_url(ref, timedelta(minutes=5))
    clock.moment = MOMENT + timedelta(minutes=5)
    with pytest.raises(errors.Forbidden) as caught:
        store.verify_signed(url)
    assert caught.value.code == "media.link_expired"
    with pytest.raises(errors.InvalidInput):
        store.signed_url(ref, timedelta(days=8))


async def test_a_tampered_link_is_refused(media_storage: Any) -> None:
    store = await _make(media_storage)
    ref = await store.put(_tenant(), _message(), "a.png", PNG, "image/png")
    other = await store.put(_tenant(), _message(), "b.png", PNG, "image/png")
    url, other_url = (store.signed_url(r, timedelta(minutes=5)) for r in (ref, other))
    body, mac = url.rsplit("/", 1)[-1].split(".")
    other_body = other_url.rsplit("/", 1)[-1].split(".")[0]
    flipped = ("A" if body[3] != "A" else "B").join((body[:3], body[4:]))
    for forged in (f"{other_body}.{mac}", f"{flipped}.{mac}", f"{body}.{mac[:-2]}", "x", ""):
        with pytest.raises(errors.Forbidden) as caught:
            store.verify_signed(forged)
        assert caught.value.code == "media.bad_signature"


async def test_a_link_from_another_secret_is_refused(media_storage: Any) -> None:
    store = await _make(media_storage)
    ref = await store.put(_tenant(), _message(), "a.png", PNG, "image/png")
    foreign = media.LinkSigner("another-secret-0123456789").sign(ref, timedelta(minutes=5), MOMENT)
    with pytest.raises(errors.Forbidden):
        store.verify_signed(foreign)


@settings(max_examples=30, deadline=None)
@given(name=st.text(min_size=0, max_size=40))
async def test_any_name_is_refused_or_stored_safely(media_storage: Any, name: str) -> None:
    store = await _make(media_storage)
    tenant = _tenant()
    try:
        ref: media.MediaRef | None = await store.put(tenant, _message(), name, PNG, "image/png")
    except errors.InvalidInput as refused:
        ref, code = None, refused.code
    if ref is None:
        assert code == "media.bad_name"
        assert await store.delete_tenant(tenant) == 0
        return
    assert ref.parts[0] == tenant
    assert ".." not in ref.parts
    assert not set(ref.parts[3]) & set("/\\\x00")
    assert await store.get(ref) == PNG
    assert await store.delete_tenant(tenant) == 1
