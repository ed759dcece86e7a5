"""Redis key naming: one prefix, and one Cluster hash tag per tenant that no input can forge."""

from __future__ import annotations

import hashlib

import attrs

from b2core.shared import errors

INVALID_KEY = "redis.invalid_key_part"
SEPARATOR = ":"
PLATFORM_TAG = "{p}"


def _check(what: str, value: object) -> str:
    """Return ``value`` if it can sit in a key; braces would let it open a hash tag of its own."""
    if not isinstance(value, str) or not value:
        raise errors.InvalidInput(
            f"a Redis key {what} must be a non-empty string", code=INVALID_KEY
        )
    if "{" in value or "}" in value:
        raise errors.InvalidInput(f"a Redis key {what} must not contain braces", code=INVALID_KEY)
    if not value.isprintable() or any(c.isspace() for c in value):
        raise errors.InvalidInput(
            f"a Redis key {what} must not contain whitespace or control characters",
            code=INVALID_KEY,
        )
    return value


def _check_prefix(_: object, __: attrs.Attribute[str], value: str) -> None:
    _check("prefix", value)


def digest(value: str) -> str:
    """A short, fixed-length stand-in for a free-form value (an email, an IP address).

    Use it for a key part that comes from outside and may hold braces, spaces or separators:
    the key stays short and the value cannot shape it.
    """
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


@attrs.frozen
class KeySpace:
    """Builds every Redis key b2 uses, all under one ``prefix`` (e.g. ``"b2:"``).

    Redis Cluster hashes only the part of a key between the first ``{`` and the next ``}``
    (the hash tag). Every key of one tenant carries the tag ``{t:<tenant_id>}``, so they all
    live in one slot and a Lua script may touch several of them at once; platform-wide keys
    that scripts combine share the tag ``{p}``. Parts may not contain braces, whitespace or
    control characters, so no input can open another tenant's tag.
    """

    prefix: str = attrs.field(validator=_check_prefix)

    def tenant(self, tenant_id: str, *parts: str) -> str:
        """``<prefix>{t:<tenant_id>}:<part>:...``, in the tenant's own Cluster slot."""
        tag = "{t:" + _check("tenant id", tenant_id) + "}"
        return self._join(tag, parts)

    def platform(self, *parts: str) -> str:
        """``<prefix>{p}:<part>:...``, in the one slot shared by platform-wide keys."""
        return self._join(PLATFORM_TAG, parts)

    def plain(self, *parts: str) -> str:
        """``<prefix><part>:...`` with no hash tag: a key that no script combines with others."""
        if not parts:
            raise errors.InvalidInput("a plain Redis key needs at least one part", code=INVALID_KEY)
        return self.prefix + SEPARATOR.join(_check("part", part) for part in parts)

    def _join(self, tag: str, parts: tuple[str, ...]) -> str:
        checked = (_check("part", part) for part in parts)
        return self.prefix + SEPARATOR.join((tag, *checked))
