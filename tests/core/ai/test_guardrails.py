"""Guardrails: the public API, its configuration and the documented edge decisions."""
# ruff: noqa: RUF001  (look-alike characters are what these tests feed in)

from __future__ import annotations

import attrs
import pytest

from b2core.ai import guardrails, textnorm
from b2core.shared import errors


def test_an_ordinary_reply_is_allowed() -> None:
    verdict = guardrails.check_reply("Thanks! A colleague will call you at 5.")

    assert verdict == guardrails.Verdict(blocked=False, rule=None, match=None)
    assert verdict == guardrails.ALLOWED


def test_verdict_names_the_rule_and_the_normalized_fragment() -> None:
    verdict = guardrails.check_reply("Only ＵＳＤ ５０ today")

    assert verdict == guardrails.Verdict(blocked=True, rule="price.currency_code", match="usd 50")


def test_verdict_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        guardrails.ALLOWED.blocked = True  # type: ignore[misc]


def test_prices_are_checked_before_phrases() -> None:
    verdict = guardrails.check_reply("Special offer: $5")

    assert verdict.rule == "price.currency_symbol"


def test_global_phrases_fire_before_tenant_phrases() -> None:
    verdict = guardrails.check_reply("A free gift inside", ["free gift", "inside"])

    assert verdict.rule == "phrase.global:free gift"


def test_tenant_phrase_rule_carries_the_normalized_phrase() -> None:
    verdict = guardrails.check_reply("We do Cash On Delivery", ["CASH ON DELIVERY"])

    assert verdict == guardrails.Verdict(
        blocked=True, rule="phrase.tenant:cash on delivery", match="cash on delivery"
    )


def test_a_bare_string_is_one_tenant_phrase_not_a_list_of_letters() -> None:
    assert guardrails.check_reply("We do delivery", "cod") == guardrails.ALLOWED
    assert guardrails.check_reply("We do COD", "cod").rule == "phrase.tenant:cod"


def test_unusable_tenant_phrases_are_skipped() -> None:
    assert guardrails.check_reply("Hello there", ["", "  ", "!!!", "x" * 500]).blocked is False


def test_custom_global_phrases_replace_the_defaults() -> None:
    rails = guardrails.Guardrails(phrases=["Bargain", "bargain ", "two for one"])

    assert rails.phrases == ("bargain", "two for one")
    assert rails.check("A real BARGAIN").rule == "phrase.global:bargain"
    assert rails.check("We have a discount") == guardrails.ALLOWED
    assert rails.check("That is 5 dollars").rule == "price.currency_word"


def test_guardrails_compare_by_their_phrases() -> None:
    assert guardrails.Guardrails() == guardrails.Guardrails(guardrails.DEFAULT_PHRASES)


@pytest.mark.parametrize("phrase", ["", "   ", "!!!", "\u200b", "x" * 201])
def test_an_unusable_global_phrase_is_refused(phrase: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        guardrails.Guardrails(phrases=[phrase])

    assert caught.value.code == "guardrails.invalid_phrase"


def test_normalize_phrase_gives_the_matching_form() -> None:
    assert guardrails.normalize_phrase("  Special\u200b  OFFER ") == "special offer"
    assert guardrails.normalize_phrase("x" * 200) == "x" * 200


@pytest.mark.parametrize(
    ("text", "blocked"),
    [
        # Inflections of the last word are the same word...
        ("big discounts", True),
        ("discounted rates", True),
        ("we are discounting", True),
        ("free gifts", True),
        # ...any other continuation or prefix is another word.
        ("we discountenance rudeness", False),
        ("not guaranteedly open", False),
        ("the guarantee card", False),
        ("megadiscount", False),
        ("see discountshop dot com", False),
        ("specially offered", False),
        ("your order confirmation", False),
    ],
)
def test_word_boundary_decisions(text: str, blocked: bool) -> None:
    assert guardrails.check_reply(text).blocked is blocked


@pytest.mark.parametrize(
    ("text", "blocked"),
    [
        ("hours 10", False),
        ("yours 5", False),
        ("colors 3", False),
        ("we have 2 offers", False),
        ("rs 10", True),
        ("Rs.10", True),
        ("10rs", True),
        ("mrs 10", False),
        ("2 hrs", False),
    ],
)
def test_rs_is_a_currency_only_as_a_word_of_its_own(text: str, blocked: bool) -> None:
    assert guardrails.check_reply(text).blocked is blocked


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("$5", "price.currency_symbol"),
        ("ca$h $5", "price.currency_symbol"),
        ("a $pecial offer", "phrase.global:special offer"),
        ("ca$h", None),
    ],
)
def test_dollar_is_leet_for_s_inside_words_but_a_price_before_digits(
    text: str, rule: str | None
) -> None:
    assert guardrails.check_reply(text).rule == rule


@pytest.mark.parametrize(
    "text",
    ["B2B leads", "H1N1 advice", "4x4 rental", "mp3 files", "1st floor", "r2d2 toy", "7up"],
)
def test_words_with_digits_are_not_taken_for_leetspeak_phrases(text: str) -> None:
    assert guardrails.check_reply(text) == guardrails.ALLOWED


def test_currency_sign_alone_or_word_alone_is_not_a_price() -> None:
    assert guardrails.check_reply("We take $, € and £ at the till") == guardrails.ALLOWED
    assert guardrails.check_reply("We take dollars and rupees") == guardrails.ALLOWED


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("ＤＩＳＣＯＵＮＴ", "discount"),
        ("d\u200bi\u00ads\u2060c\ufeffount", "discount"),
        ("dísçöùnt", "discount"),
        ("ԁіѕсоunt", "discount"),
        ("  many \t\n spaces ", "many spaces"),
        ("٥٠٠ ۵۰۰ ५००", "500 500 500"),
        ("Straße", "strasse"),
        ("₨500", "rs 500"),
    ],
)
def test_normalize(raw: str, normalized: str) -> None:
    assert textnorm.normalize(raw) == normalized


def test_currency_signs_cover_unicode_category_sc() -> None:
    assert {"$", "€", "£", "¥", "₹", "₽", "₩", "₺", "₦", "৳", "¢"} <= textnorm.CURRENCY_SIGNS
    # Compatibility forms normalize to their plain sign, or to a word ("₨" -> "rs").
    assert "＄" not in textnorm.CURRENCY_SIGNS
    assert "₨" not in textnorm.CURRENCY_SIGNS


@pytest.mark.parametrize(
    "text",
    [
        "1" * 2000,
        "1," * 1000,
        "d." * 1000,
        "$" * 2000,
        "d i s c o u n " * 140,
        "rupee" * 400,
        "one " * 500,
        "\u0301" * 2000,
    ],
)
def test_long_adversarial_replies_are_checked(text: str) -> None:
    # No timing assertion: the suite's timeout catches runaway backtracking.
    assert guardrails.check_reply(text).blocked is False


def test_a_long_reply_with_a_price_at_the_end_is_blocked() -> None:
    text = "Thanks for asking about our services. " * 55 + "It is Rs 500."

    assert len(text) > 2000
    assert guardrails.check_reply(text).match == "rs 500"
