"""Contract of ``SecretsProvider``: values read back, changes and deletions show, bad names fail.

Star-import it into a test module that defines a module-scoped fixture ``secrets_setup``
returning an async factory ``make() -> SecretsUnderTest``: a provider, and a ``put`` and
``delete`` that change the back-end behind it (a new version, a deletion)::

    from b2core.testing.contracts.secrets_provider import *  # noqa: F403
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2core.platform import secrets
from b2core.shared import errors
from b2core.testing.contracts import unique_token

__all__ = [
    "SecretsUnderTest",
    "pytestmark",
    "test_a_changed_secret_reads_its_new_value",
    "test_a_deleted_secret_reads_as_none",
    "test_a_missing_secret_is_none_and_required_fails",
    "test_a_stored_secret_reads_back",
    "test_any_text_value_round_trips",
    "test_bad_names_are_refused_before_any_lookup",
    "test_names_do_not_leak_into_each_other",
]

pytestmark = pytest.mark.anyio


@attrs.frozen
class SecretsUnderTest:
    """A provider and the back-end behind it."""

    provider: secrets.SecretsProvider
    put: Callable[[str, str], Awaitable[None]]
    delete: Callable[[str], Awaitable[None]]


def _name(stem: str = "secret") -> str:
    return f"{stem}_{unique_token()}"


async def _make(secrets_setup: Any) -> SecretsUnderTest:
    made: SecretsUnderTest = await secrets_setup()
    return made


async def test_a_stored_secret_reads_back(secrets_setup: Any) -> None:
    under_test, name = await _make(secrets_setup), _name("jwt_secret")
    await under_test.put(name, "s3cr3t-value-0123456789")
    assert await under_test.provider.get(name) == "s3cr3t-value-0123456789"
    assert await secrets.get_required(under_test.provider, name) == "s3cr3t-value-0123456789"


async def test_a_missing_secret_is_none_and_required_fails(secrets_setup: Any) -> None:
    under_test, name = await _make(secrets_setup), _name("never_written")
    assert await under_test.provider.get(name) is None
    with pytest.raises(errors.NotConfigured) as caught:
        await secrets.get_required(under_test.provider, name)
    assert caught.value.code == "secrets.missing"


async def test_a_changed_secret_reads_its_new_value(secrets_setup: Any) -> None:
    under_test, name = await _make(secrets_setup), _name("stripe_key")
    await under_test.put(name, "old-value")
    assert await under_test.provider.get(name) == "old-value"
    await under_test.put(name, "new-value")
    assert await under_test.provider.get(name) == "new-value"


async def test_a_deleted_secret_reads_as_none(secrets_setup: Any) -> None:
    under_test, name = await _make(secrets_setup), _name("gone")
    await under_test.put(name, "value")
    await under_test.delete(name)
    assert await under_test.provider.get(name) is None


async def test_names_do_not_leak_into_each_other(secrets_setup: Any) -> None:
    under_test, base = await _make(secrets_setup), _name("key")
    await under_test.put(base, "base")
    await under_test.put(base + "_2", "longer")
    assert await under_test.provider.get(base) == "base"
    assert await under_test.provider.get(base + "_2") == "longer"
    assert await under_test.provider.get(base + "_3") is None


_BAD_NAMES = [
    "",
    "1starts_with_digit",
    "has space",
    "slash/path",
    "../escape",
    "dot.ted",
    "a" * 129,
]


@given(name=st.sampled_from(_BAD_NAMES) | st.text(max_size=20).map(lambda n: "_" + n))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
async def test_bad_names_are_refused_before_any_lookup(secrets_setup: Any, name: str) -> None:
    under_test = await _make(secrets_setup)
    with pytest.raises(errors.InvalidInput) as caught:
        await under_test.provider.get(name)
    assert caught.value.code == "secrets.bad_name"


_values = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=200)


@given(value=_values)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
async def test_any_text_value_round_trips(secrets_setup: Any, value: str) -> None:
    under_test, name = await _make(secrets_setup), _name("any")
    await under_test.put(name, value)
    assert await under_test.provider.get(name) == value
