"""The history window: which recent messages of a conversation the model gets to see."""

from __future__ import annotations

import enum
from collections.abc import Sequence

import attrs

from b2core.shared import errors

DEFAULT_MAX_MESSAGES = 10
DEFAULT_MAX_CHARS = 2000
ELLIPSIS = "\u2026"


class Speaker(enum.StrEnum):
    """Who wrote a message, as the model is told."""

    CUSTOMER = "CUSTOMER"
    ASSISTANT = "ASSISTANT"
    AGENT = "AGENT"


@attrs.frozen
class Turn:
    """One message of a conversation, reduced to what the model needs."""

    speaker: Speaker
    text: str


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.InvalidInput(f"{attribute.name} must be at least 1", code="ai.bad_history")


@attrs.frozen
class HistoryWindow:
    """At most ``max_messages`` messages and ``max_chars`` characters, newest kept first.

    Characters are Python ``str`` characters (code points), counted over message texts only.
    """

    max_messages: int = attrs.field(default=DEFAULT_MAX_MESSAGES, validator=_positive)
    max_chars: int = attrs.field(default=DEFAULT_MAX_CHARS, validator=_positive)

    def select(self, turns: Sequence[Turn]) -> tuple[Turn, ...]:
        """The newest messages that fit, oldest first, as the model should read them.

        Walking back from the newest, whole messages are taken while both budgets hold; the
        first one that does not fit ends the window, so the result is always an unbroken run
        ending with the newest message. The newest message is always included: when it alone
        is longer than ``max_chars`` it is cut from the START, keeping its last
        ``max_chars - 1`` characters behind a leading ``…`` (the end of a customer message is
        usually the question), and it is then the only message sent.
        """
        if not turns:
            return ()
        newest = turns[-1]
        if len(newest.text) > self.max_chars:
            return (attrs.evolve(newest, text=_keep_tail(newest.text, self.max_chars)),)
        chosen = [newest]
        used = len(newest.text)
        for turn in reversed(turns[:-1]):
            if len(chosen) >= self.max_messages or used + len(turn.text) > self.max_chars:
                break
            chosen.append(turn)
            used += len(turn.text)
        chosen.reverse()
        return tuple(chosen)


def _keep_tail(text: str, max_chars: int) -> str:
    if max_chars == 1:
        return text[-1:]
    return ELLIPSIS + text[len(text) - (max_chars - 1) :]
