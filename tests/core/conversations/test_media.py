"""Media rules: safe names, allowed types per kind, size limits, keys and signed links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.conversations import channel, media
from b2core.shared import errors, ids

MOMENT = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
K = channel.MediaType


@given(st.text(max_size=300))
def test_a_name_is_refused_or_safe_and_stable(name: str) -> None:
    try:
        safe = media.safe_filename(name)
    except errors.InvalidInput as refused:
        safe, code = "", refused.code
    if not safe:
        assert code == "media.bad_name"
        return
    assert not safe.startswith(".")
    assert not set(safe) & set("/\\\x00 ")
    assert len(safe.encode()) <= media.MAX_FILENAME
    assert media.safe_filename(safe) == safe


@pytest.mark.parametrize(
    ("mime", "size", "kind", "code"),
    [
        ("image/gif", 10, None, "media.bad_type"),
        ("application/pdf", 10, K.IMAGE, "media.bad_type"),
        ("image/png", 5 * media.MB + 1, None, "media.too_large"),
        ("audio/amr", 16 * media.MB + 1, K.AUDIO, "media.too_large"),
        ("video/3gpp", 16 * media.MB + 1, None, "media.too_large"),
        ("application/pdf", 100 * media.MB + 1, None, "media.too_large"),
        ("audio/ogg", 0, None, "media.empty"),
    ],
)
def test_refusals_carry_their_code(mime: str, size: int, kind: K | None, code: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        media.check_media(mime, size, kind)
    assert caught.value.code == code


def test_limits_are_inclusive_and_parameters_ignored() -> None:
    assert media.check_media("Image/JPEG", 5 * media.MB, K.IMAGE) == "image/jpeg"
    assert media.check_media("audio/ogg; codecs=opus", 16 * media.MB) == "audio/ogg"
    assert media.kind_of("application/pdf") is K.DOCUMENT


def test_keys_use_the_month_of_the_clock() -> None:
    ref = media.make_ref(ids.TenantId("t1"), "m1", "Photo 1.jpg", MOMENT)
    assert ref.key == "t1/2026-12/m1/Photo_1.jpg"
    assert media.MediaRef.from_key(ref.key) == ref


@pytest.mark.parametrize(
    "key", ["t2/2026-12/m1/a.png", "t1/2026-12/../a.png", "t1/2026-12/m1/a/b.png", "t1/x/m1/a"]
)
def test_a_ref_names_only_a_safe_key_of_its_tenant(key: str) -> None:
    with pytest.raises(errors.DomainError):
        media.MediaRef(ids.TenantId("t1"), key)


def test_links_sign_verify_and_expire() -> None:
    signer = media.LinkSigner("s" * 16, base_url="https://b2.example/media")
    ref = media.make_ref(ids.TenantId("t1"), "m1", "a.png", MOMENT)
    url = signer.sign(ref, timedelta(seconds=60), MOMENT)
    assert url.startswith("https://b2.example/media/")
    assert signer.verify(url + "?download=1", MOMENT + timedelta(seconds=59)) == ref
    with pytest.raises(errors.Forbidden, match="expired"):
        signer.verify(url, MOMENT + timedelta(seconds=60))
    with pytest.raises(errors.InvalidInput):
        signer.sign(ref, timedelta(0), MOMENT)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(errors.NotConfigured):
        media.LinkSigner("short")
