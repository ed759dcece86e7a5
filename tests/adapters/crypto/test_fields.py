"""Field encryption: round trips, key rotation, and no tampered value ever opens."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2adapters.crypto import fields
from b2core.shared import errors

OLD = bytes(range(32))
NEW = bytes(range(32, 64))
CIPHER = fields.FieldCipher([NEW, OLD])


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@given(st.text(max_size=300), st.text(max_size=40))
def test_what_is_sealed_opens_under_the_same_context(plain: str, context: str) -> None:
    token = CIPHER.encrypt(plain, context=context)
    assert token.startswith(f"b2f1.{CIPHER.current_key_id}.")
    assert CIPHER.decrypt(token, context=context) == plain


@given(st.text(min_size=1, max_size=100), st.data())
def test_any_changed_character_fails(plain: str, data: st.DataObject) -> None:
    token = CIPHER.encrypt(plain, context="ctx")
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=")
    )
    if token[position] == replacement:
        return
    tampered = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(fields.UndecryptableField):
        CIPHER.decrypt(tampered, context="ctx")


@given(st.binary(min_size=1, max_size=64), st.data())
def test_any_flipped_bit_of_the_sealed_bytes_fails(plain: bytes, data: st.DataObject) -> None:
    token = CIPHER.encrypt(plain.hex(), context="ctx")
    prefix, _, body = token.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= 1 << data.draw(st.integers(0, 7))
    forged = prefix + "." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(fields.UndecryptableField):
        CIPHER.decrypt(forged, context="ctx")


def test_a_value_moved_to_another_context_does_not_open() -> None:
    token = CIPHER.encrypt("secret", context="channel/t1/c1/access_token")
    with pytest.raises(fields.UndecryptableField):
        CIPHER.decrypt(token, context="channel/t2/c1/access_token")


def test_sealing_twice_gives_different_tokens() -> None:
    assert CIPHER.encrypt("same") != CIPHER.encrypt("same")


def test_old_keys_still_open_and_rotate_moves_values_to_the_current_key() -> None:
    old_cipher = fields.FieldCipher([OLD])
    old_token = old_cipher.encrypt("token-123", context="c")
    assert CIPHER.needs_rotation(old_token)
    assert CIPHER.decrypt(old_token, context="c") == "token-123"
    rotated = CIPHER.rotate(old_token, context="c")
    assert not CIPHER.needs_rotation(rotated)
    assert rotated.split(".")[1] == CIPHER.current_key_id == fields.key_id(NEW)
    assert CIPHER.rotate(rotated, context="c") == rotated
    # Once the old key is dropped, only the rotated value still opens.
    new_only = fields.FieldCipher([NEW])
    assert new_only.decrypt(rotated, context="c") == "token-123"
    with pytest.raises(fields.UndecryptableField):
        new_only.decrypt(old_token, context="c")


def test_keys_come_from_the_setting_current_first() -> None:
    cipher = fields.FieldCipher.from_setting(f" {_b64(NEW)} , {_b64(OLD)}")
    assert cipher.current_key_id == fields.key_id(NEW)
    assert cipher.decrypt(fields.FieldCipher([OLD]).encrypt("x")) == "x"
    assert _b64(NEW) not in repr(cipher)


@pytest.mark.parametrize(
    "setting",
    ["", " , ", "not base64!", _b64(bytes(range(16)))],  # the last: a 16-byte key, too short
)
def test_a_bad_setting_is_refused_without_echoing_it(setting: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        fields.FieldCipher.from_setting(setting)
    assert caught.value.code == "settings.bad_field_encryption_key"
    assert setting.strip(" ,") == "" or setting not in caught.value.message


@pytest.mark.parametrize(
    "garbage", ["", "plain", "b2f1..", "b2f1.kid.", "b2f1.nokey.AAAA", "x.y.z"]
)
def test_garbage_is_undecryptable_not_a_crash(garbage: str) -> None:
    with pytest.raises(fields.UndecryptableField) as caught:
        CIPHER.decrypt(garbage)
    assert caught.value.code == "crypto.undecryptable"
    assert isinstance(caught.value, errors.Unavailable)


def test_the_demo_key_is_derived_from_the_jwt_secret() -> None:
    first = fields.derive_demo_key("j" * 40)
    assert first == fields.derive_demo_key("j" * 40)
    assert first != fields.derive_demo_key("k" * 40)
    assert len(first) == fields.KEY_BYTES
