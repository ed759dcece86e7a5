"""WhatsApp Web chat ids (JIDs) and the channel's customer ids, both ways."""

from __future__ import annotations

PERSONAL_SUFFIXES = ("@c.us", "@s.whatsapp.net")
# Groups, broadcasts, status updates and newsletters are not customers writing to a business.
_IGNORED_SUFFIXES = ("@g.us", "@broadcast", "@newsletter")


def to_jid(customer_id: str, suffix: str) -> str:
    """The chat id of ``customer_id``: a phone number gets ``suffix``; a JID stays as it is."""
    if "@" in customer_id:
        return customer_id
    return digits(customer_id) + suffix


def digits(customer_id: str) -> str:
    """The phone number's digits (``+1 555-0100`` -> ``15550100``); a JID stays as it is."""
    if "@" in customer_id:
        return customer_id
    return "".join(c for c in customer_id if c.isdigit()) or customer_id


def customer_of(jid: object) -> tuple[str, str | None] | None:
    """(customer id, phone) for a personal chat id; None for groups, broadcasts and odd ids.

    A phone-number JID gives its digits as both; a privacy id (``...@lid``) is kept whole and
    has no phone, so it is never mistaken for a number.
    """
    if not isinstance(jid, str) or "@" not in jid or jid.endswith(_IGNORED_SUFFIXES):
        return None
    user, _, _ = jid.partition("@")
    user = user.split(":", 1)[0]  # a device suffix ("123:4@s.whatsapp.net") names the same user
    if jid.endswith(PERSONAL_SUFFIXES) and user.isdigit():
        return user, user
    return jid, None
