"""Key naming: tenants are isolated by their hash tag, which no input can forge."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from redis.crc import key_slot

from b2adapters.redis import keys
from b2core.shared import errors

# Valid key segments: printable, no whitespace, no braces; separators and odd characters are
# drawn often because they are what could confuse a naive key builder.
segments = st.text(
    alphabet=st.sampled_from(":-_.@+/t") | st.characters(exclude_categories=("C", "Z")),
    min_size=1,
    max_size=12,
).filter(lambda s: "{" not in s and "}" not in s)
parts = st.lists(segments, max_size=4)
prefixes = segments
anything = st.text(max_size=16)


def hash_tag(key: str) -> str | None:
    """What Redis Cluster hashes: between the first '{' and the next '}', if non-empty."""
    start = key.find("{")
    end = key.find("}", start + 1)
    if start == -1 or end == -1 or end == start + 1:
        return None
    return key[start + 1 : end]


def test_key_shapes() -> None:
    space = keys.KeySpace("b2:")
    assert space.tenant("t1", "quota", "daily") == "b2:{t:t1}:quota:daily"
    assert space.tenant("t1") == "b2:{t:t1}"
    assert space.platform("kill", "global") == "b2:{p}:kill:global"
    assert space.plain("login", "x") == "b2:login:x"


@given(prefix=prefixes, first=segments, second=segments, a=parts, b=parts)
def test_different_tenants_never_share_a_key(
    prefix: str, first: str, second: str, a: list[str], b: list[str]
) -> None:
    assume(first != second)
    space = keys.KeySpace(prefix)
    assert space.tenant(first, *a) != space.tenant(second, *b)


@given(prefix=prefixes, tenant=segments, rest=parts)
def test_a_tenant_key_has_exactly_one_hash_tag_and_it_is_the_tenants(
    prefix: str, tenant: str, rest: list[str]
) -> None:
    key = keys.KeySpace(prefix).tenant(tenant, *rest)
    assert key.count("{") == 1
    assert key.count("}") == 1
    assert hash_tag(key) == f"t:{tenant}"
    assert key_slot(key.encode()) == key_slot(f"{{t:{tenant}}}".encode())


@given(prefix=prefixes, tenant=segments, rest=parts)
def test_the_prefix_always_comes_first(prefix: str, tenant: str, rest: list[str]) -> None:
    space = keys.KeySpace(prefix)
    built = [space.tenant(tenant, *rest), space.platform(*rest), space.plain(tenant, *rest)]
    assert all(key.startswith(prefix) for key in built)


@given(prefix=prefixes, a=parts, b=parts)
def test_platform_keys_share_one_slot(prefix: str, a: list[str], b: list[str]) -> None:
    space = keys.KeySpace(prefix)
    assert hash_tag(space.platform(*a)) == hash_tag(space.platform(*b)) == "p"


def build(make: Callable[[], str]) -> str | None:
    """The key ``make`` builds, or None when it rejects its input the documented way."""
    try:
        return make()
    except errors.InvalidInput as exc:
        rejected = exc
    assert rejected.code == keys.INVALID_KEY
    return None


@given(tenant=segments, hostile=st.lists(anything, min_size=1, max_size=3))
def test_no_input_can_move_a_key_into_another_slot(tenant: str, hostile: list[str]) -> None:
    key = build(lambda: keys.KeySpace("b2:").tenant(tenant, *hostile))
    assert key is None or hash_tag(key) == f"t:{tenant}"


@given(hostile=anything)
def test_no_tenant_id_can_forge_a_tag(hostile: str) -> None:
    key = build(lambda: keys.KeySpace("b2:").tenant(hostile, "x"))
    assert key is None or (key.count("{") == 1 and hash_tag(key) == f"t:{hostile}")


@pytest.mark.parametrize("bad", ["", "a}b", "{t:other}", "a b", "a\tb", "line\n", "\x00", "}", "{"])
def test_bad_parts_tenants_and_prefixes_are_rejected(bad: str) -> None:
    space = keys.KeySpace("b2:")
    for build in (
        lambda: space.tenant("t1", "ok", bad),
        lambda: space.tenant(bad, "ok"),
        lambda: space.platform(bad),
        lambda: space.plain("ok", bad),
        lambda: keys.KeySpace(bad),
    ):
        with pytest.raises(errors.InvalidInput) as caught:
            build()
        assert caught.value.code == keys.INVALID_KEY


def test_plain_needs_a_part() -> None:
    with pytest.raises(errors.InvalidInput):
        keys.KeySpace("b2:").plain()


@given(value=anything)
def test_digest_turns_any_value_into_a_safe_fixed_part(value: str) -> None:
    part = keys.digest(value)
    assert len(part) == 32
    assert keys.digest(value) == part
    assert keys.KeySpace("b2:").tenant("t1", "login", part).endswith(part)
