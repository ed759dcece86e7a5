"""The history window sent to the model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.ai import history
from b2core.shared import errors

turns = st.builds(
    history.Turn,
    speaker=st.sampled_from(list(history.Speaker)),
    # Short random texts, and long ones (cheap to generate) that can overflow the budget alone.
    text=st.text(max_size=400)
    | st.builds(
        lambda fill, size, tail: fill * size + tail,
        st.sampled_from(["a", "\u00e9", "\U0001f600"]),
        st.integers(min_value=0, max_value=2600),
        st.text(max_size=10),
    ),
)
conversations = st.lists(turns, max_size=25)
windows = st.builds(
    history.HistoryWindow,
    max_messages=st.integers(min_value=1, max_value=12),
    max_chars=st.integers(min_value=1, max_value=2500),
)
DEFAULT = history.HistoryWindow()


@given(conversations)
def test_default_window_is_bounded_and_keeps_the_newest(
    conversation: list[history.Turn],
) -> None:
    selected = DEFAULT.select(conversation)

    assert len(selected) <= 10
    assert sum(len(turn.text) for turn in selected) <= 2000
    if conversation:
        newest = conversation[-1]
        assert selected[-1].speaker == newest.speaker
        assert newest.text.endswith(selected[-1].text.removeprefix(history.ELLIPSIS))


@given(conversations, windows)
def test_the_window_is_the_longest_unbroken_run_of_newest_messages_that_fits(
    conversation: list[history.Turn], window: history.HistoryWindow
) -> None:
    selected = window.select(conversation)

    assert len(selected) <= window.max_messages
    assert sum(len(turn.text) for turn in selected) <= window.max_chars
    if not conversation:
        assert selected == ()
        return
    if len(conversation[-1].text) > window.max_chars:
        assert len(selected) == 1
        return
    # Whole messages, newest last, no gaps: a suffix of the conversation...
    assert list(selected) == conversation[len(conversation) - len(selected) :]
    # ...and the next older message would not have fitted.
    if len(selected) < len(conversation) and len(selected) < window.max_messages:
        older = conversation[-len(selected) - 1]
        assert sum(len(t.text) for t in selected) + len(older.text) > window.max_chars


def test_a_newest_message_longer_than_the_budget_is_cut_from_the_start() -> None:
    text = "a" * 1500 + "b" * 1499 + "?"
    conversation = [history.Turn(history.Speaker.ASSISTANT, "hello"), _customer(text)]

    (only,) = DEFAULT.select(conversation)

    assert len(only.text) == 2000
    assert only.text == history.ELLIPSIS + text[-1999:]
    assert only.text.endswith("b?")


def test_messages_are_whole_and_oldest_first() -> None:
    conversation = [_customer("x" * 1000), _customer("first"), _customer("second")]

    selected = history.HistoryWindow(max_messages=10, max_chars=1010).select(conversation)

    assert [t.text for t in selected] == ["first", "second"]


def test_a_one_character_budget_keeps_the_last_character() -> None:
    assert history.HistoryWindow(max_chars=1).select([_customer("hi?")])[0].text == "?"


@pytest.mark.parametrize("bad", [0, -3])
def test_window_bounds_must_be_positive(bad: int) -> None:
    with pytest.raises(errors.InvalidInput):
        history.HistoryWindow(max_messages=bad)
    with pytest.raises(errors.InvalidInput):
        history.HistoryWindow(max_chars=bad)


def _customer(text: str) -> history.Turn:
    return history.Turn(history.Speaker.CUSTOMER, text)
