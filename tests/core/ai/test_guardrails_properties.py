"""Invariants of the guardrails and their normalization, checked with Hypothesis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from b2core.ai import guardrails, textnorm
from tests.core.ai import guardrail_corpus as corpus

# Characters an attacker slips into a word to break a naive matcher: format characters,
# invisible fillers and combining marks (accents, overlays, enclosing marks, variation selectors).
INVISIBLES = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u2061", "\u180e",
    "\u3164", "\u0640", "\U000e0041",
]  # fmt: skip
MARKS = st.characters(categories=["Mn", "Me"])
INSERTABLE = st.one_of(st.sampled_from(INVISIBLES), MARKS)

BLOCKED_TEXTS = [case.text for case in corpus.BLOCKED if not case.extra]
BENIGN_SENTENCES = [case.text for case in corpus.BENIGN if not case.extra]
# Ordinary words with no digits, no currency and no word of any default phrase.
FILLER_WORDS = [
    "hello", "thanks", "please", "team", "booking", "tomorrow", "morning", "evening", "service",
    "we", "you", "will", "call", "back", "soon", "kindly", "share", "details", "our", "staff",
    "happy", "help", "with", "the", "a", "an", "and", "or", "for", "to", "of", "in", "on", "at",
    "appointment", "salon", "clinic", "visit", "today", "weekend", "friendly", "quick",
    "question", "answer", "colleague", "manager", "message", "reply", "address", "map", "parking",
    "nearby", "sure", "great", "wonderful", "regards", "best", "hours", "colors", "yours", "ours",
    "offers", "rooms", "people", "cars", "letters"
]  # fmt: skip


def _case_variants() -> st.SearchStrategy[str]:
    texts = st.sampled_from(BLOCKED_TEXTS + BENIGN_SENTENCES)
    flips = st.lists(st.booleans(), min_size=200, max_size=200)
    return st.builds(
        lambda text, flip: "".join(
            c.upper() if f else c.lower()
            for c, f in zip(text, flip + [False] * len(text), strict=False)
        ),
        texts,
        flips,
    )


@given(st.text())
def test_normalization_is_idempotent(text: str) -> None:
    once = textnorm.normalize(text)
    assert textnorm.normalize(once) == once


@given(
    st.text(st.sampled_from([*INVISIBLES, "a", "İ", "Σ", "ς", "ﬁ", "ß", "ǅ", "\u0345", "가", " "]))
)
def test_normalization_is_idempotent_on_tricky_characters(text: str) -> None:
    once = textnorm.normalize(text)
    assert textnorm.normalize(once) == once


@given(
    st.sampled_from(guardrails.DEFAULT_PHRASES + tuple(BLOCKED_TEXTS)),
    st.lists(st.tuples(st.integers(min_value=0), INSERTABLE), max_size=12),
)
def test_invisible_characters_and_marks_do_not_unblock(
    text: str, insertions: list[tuple[int, str]]
) -> None:
    before = guardrails.check_reply(text)
    assert before.blocked
    chars = list(text)
    for position, char in insertions:
        chars.insert(position % (len(chars) + 1), char)

    after = guardrails.check_reply("".join(chars))

    assert after == before


@given(_case_variants())
def test_changing_case_keeps_the_verdict(text: str) -> None:
    assert guardrails.check_reply(text) == guardrails.check_reply(text.lower())
    assert guardrails.check_reply(text.upper()) == guardrails.check_reply(text.swapcase())


@given(
    st.sampled_from(BENIGN_SENTENCES),
    st.lists(st.sampled_from(FILLER_WORDS), max_size=8),
    st.lists(st.sampled_from(FILLER_WORDS), max_size=8),
    st.sampled_from([" ", ", ", ". ", "! ", " - ", "\n"]),
)
def test_benign_sentence_wrapped_in_benign_words_passes(
    sentence: str, before: list[str], after: list[str], glue: str
) -> None:
    text = glue.join([*before, sentence, *after])

    assert guardrails.check_reply(text) == guardrails.ALLOWED


@given(
    st.text(),
    st.characters(categories=["Sc"]),
    st.text(st.characters(categories=["Nd"]), min_size=1, max_size=6),
    st.text(),
)
def test_currency_sign_followed_by_digits_is_blocked(
    prefix: str, sign: str, digits: str, suffix: str
) -> None:
    verdict = guardrails.check_reply(prefix + sign + digits + suffix)

    assert verdict.blocked
    assert verdict.rule is not None
    assert verdict.rule.startswith("price.")


@given(st.text(), st.lists(st.text(max_size=20), max_size=3))
def test_verdict_is_deterministic(text: str, extra: list[str]) -> None:
    first = guardrails.check_reply(text, extra)

    assert guardrails.check_reply(text, extra) == first
    assert guardrails.Guardrails().check(text, tuple(extra)) == first


@given(
    st.one_of(st.text(), st.sampled_from(BLOCKED_TEXTS + BENIGN_SENTENCES)),
    st.lists(st.one_of(st.text(max_size=20), st.sampled_from(FILLER_WORDS)), max_size=4),
)
def test_extra_phrases_only_add_blocks(text: str, extra: list[str]) -> None:
    without = guardrails.check_reply(text)
    with_extra = guardrails.check_reply(text, extra)

    if without.blocked:
        assert with_extra == without
    if not with_extra.blocked:
        assert not without.blocked


@given(
    st.sampled_from(BENIGN_SENTENCES),
    st.from_regex(r"[a-z]{3,10}( [a-z]{3,10}){0,2}", fullmatch=True),
)
def test_a_tenant_phrase_in_a_reply_is_blocked(sentence: str, phrase: str) -> None:
    verdict = guardrails.check_reply(f"{sentence} {phrase.upper()}!", [phrase])

    assert verdict.blocked
    assert verdict.rule is not None
    assert verdict.rule.startswith(("phrase.tenant:", "phrase.global:", "price."))
