"""WAHA's HMAC and the per-channel secret: round trips and refusals (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2adapters.bridge import signatures
from b2core.shared import errors

keys = st.text(min_size=1, max_size=64)


@given(body=st.binary(max_size=2048), key=keys)
def test_a_signed_body_is_accepted(body: bytes, key: str) -> None:
    signature = signatures.sign_waha(body, key)
    signatures.verify_waha(body, signature, "sha512", key)
    signatures.verify_waha(body, signature.upper(), None, key)


@given(body=st.binary(max_size=512), key=keys, other=keys, extra=st.binary(min_size=1, max_size=8))
def test_another_key_or_body_is_refused(body: bytes, key: str, other: str, extra: bytes) -> None:
    signature = signatures.sign_waha(body, key)
    with pytest.raises(errors.Unauthenticated):
        signatures.verify_waha(body + extra, signature, "sha512", key)
    if other != key:
        with pytest.raises(errors.Unauthenticated):
            signatures.verify_waha(body, signature, "sha512", other)


@pytest.mark.parametrize(
    ("signature", "algorithm", "key"),
    [
        (None, "sha512", "k"),
        ("", None, "k"),
        ("abc", "sha512", "k"),
        ("x", "sha256", "k"),
        ("x", None, ""),
    ],
)
def test_missing_or_odd_signatures_are_refused(
    signature: str | None, algorithm: str | None, key: str
) -> None:
    if signature == "x":
        signature = signatures.sign_waha(b"{}", "k")
    with pytest.raises(errors.Unauthenticated) as raised:
        signatures.verify_waha(b"{}", signature, algorithm, key)
    assert raised.value.code == "webhook.bad_signature"


@given(secret=keys, given_secret=st.one_of(st.none(), keys))
def test_the_channel_secret_must_match_exactly(secret: str, given_secret: str | None) -> None:
    if given_secret == secret:
        signatures.verify_secret(given_secret, secret)
        return
    with pytest.raises(errors.Unauthenticated):
        signatures.verify_secret(given_secret, secret)
