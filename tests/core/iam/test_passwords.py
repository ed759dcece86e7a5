"""Password policy and the bcrypt hasher's handling of long and Unicode passwords."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2adapters.crypto.passwords import BcryptPasswordHasher
from b2core.iam import passwords
from b2core.shared import errors

HASHER = BcryptPasswordHasher(cost=4)


async def test_long_unicode_password_round_trips():
    password = "ключ-密码-🔑" * 6 + "abcdefghij"  # 64 characters, far more than 72 bytes
    assert len(password) == 64
    hashed = await HASHER.hash(password)
    assert await HASHER.verify(password, hashed)
    assert not await HASHER.verify(password[:-1], hashed)


async def test_passwords_sharing_72_bytes_differ():
    common = "x" * 72
    hashed = await HASHER.hash(common + "first")
    assert not await HASHER.verify(common + "second", hashed)


async def test_malformed_hash_is_a_mismatch_not_an_error():
    assert not await HASHER.verify("whatever password", "not-a-bcrypt-hash")
    assert not await HASHER.verify_decoy("whatever password")


def test_default_cost_is_ten():
    assert BcryptPasswordHasher()._cost == 10


@pytest.mark.parametrize(
    ("password", "code"),
    [("short", "password.too_short"), ("aaaaaaaaaaaa", "password.too_simple")],
)
def test_policy_refuses_weak_passwords(password, code):
    with pytest.raises(errors.InvalidInput) as refused:
        passwords.check_policy(password)
    assert refused.value.code == code


@settings(max_examples=50)
@given(st.text(min_size=10, max_size=200).filter(lambda p: len(set(p)) >= 4))
def test_policy_accepts_varied_passwords(password):
    passwords.check_policy(password)
