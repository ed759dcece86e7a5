"""Reply guardrails: refuse AI replies that state a price or use a prohibited phrase."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import attrs

from b2core.ai import textnorm
from b2core.shared import errors

DEFAULT_PHRASES = (
    "discount",
    "special offer",
    "order confirmed",
    "order is confirmed",
    "free gift",
    "guaranteed",
    "100% free",
    "limited time offer",
    "payment received",
    "payment confirmed",
    "promo code",
    "% off",
    "percent off",
)
# Same bound as the tenant settings (b2core.ai.settings.MAX_PHRASE_CHARS), on the raw phrase.
MAX_PHRASE_LENGTH = 200

# Up to three non-alphanumeric characters may sit between two letters of a phrase: this catches
# "d.i.s.c.o.u.n.t", "d - i - s" and "free_gift" while a longer run (a sentence break plus
# quotes, say) ends the match. Underscore counts as a separator, not a letter.
_GAP = r"[\W_]{0,3}"
_NOT_AFTER_ALNUM = r"(?<![^\W_])"
_NOT_BEFORE_ALNUM = r"(?![^\W_])"
_NOT_AFTER_LETTER = r"(?<![^\W\d_])"
_NOT_BEFORE_LETTER = r"(?![^\W\d_])"
_ALNUM = re.compile(r"[^\W_]")
_PHRASE_TOKEN = re.compile(r"[^\W_]+|[^\w\s]")

# --- price vocabulary (all forms pass through textnorm.normalize before compiling) -----------
# Between an amount and its unit: spaces and the punctuation of price tags ("Rs. 500", "500/-",
# "USD: 20", "PKR-500"), never letters, so "hours 10" or "colors 3" stay ordinary text.
_JOIN = r"[\s.:\-/=]{0,3}"
_MAGNITUDES = "thousand million billion hundred crores crore lakhs lakh lacs lac mn bn cr k m b"
# Digits with grouping and decimal separators ("1,500", "1.500,00", "1'500"), optionally scaled
# ("5k", "2 lakh"). The look-behinds start a match only at the head of a number, never inside
# "1,500", which keeps the search linear on long digit strings.
_AMOUNT = (
    rf"(?<![0-9])(?<![0-9][.,'])[0-9]+(?:[.,'][0-9]+)*(?:\s?(?:{'|'.join(_MAGNITUDES.split())}))?"
)
_SPELLED = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
    " sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"
    " hundred thousand million billion lakh lac crore ہزار سو لاکھ کروڑ हज़ार सौ लाख करोड़ হাজার"
)
# ISO 4217 codes; those that are everyday English words (try, pen, cop, mad, all, rub, php, cad)
# are left out: "try 2 times" is not a price. They still block with their sign (C$, ₱, ₽).
_CODES = (
    "usd eur gbp jpy cny rmb inr pkr bdt lkr npr afn aed sar qar kwd bhd omr jod iqd irr egp"
    " tnd dzd uah kzt ngn kes ghs zar etb tzs ugx idr myr thb vnd krw sgd hkd aud nzd chf sek"
    " nok dkk pln czk huf brl mxn clp dhs"
)
# Local abbreviations. Only two letters, so no leetspeak and at most a dot inside ("R.s"); the
# three-letter codes above also take leetspeak and a dot or space between letters ("U.S.D").
_ABBREVIATIONS = "rs rp rm tk kr"
# Words that South Asian and Gulf price tags put before the amount as well ("Rupees 500").
_WORDS_EITHER_SIDE = (
    "rupee rupay rupaye rupaiya rupiya rupya rupiah taka paisa paise dirham dirhem riyal rial"
    " dinar ringgit روپے روپیہ روپیے روپئے روپیا روپوں پیسے ٹکا ریال ريالا ريالات درهم دراهم"
    " درهما دينار دنانير دينارا جنيه جنيها جنيهات دولار دولارا دولارات يورو ليرة ليرات تومان"
    " रुपये रुपया रुपए रुपयों रुपैया रु पैसे टका টাকা ரூபாய் ரூ 元 円 圓 원 บาท"
    " рубль рубля рублей руб"  # noqa: RUF001  (Russian words, not look-alikes)
)
# English-style words, which count only after an amount: "Euro 2024" is a football tournament.
_WORDS_AFTER = (
    "dollar buck euro pound quid cent pence yen yuan renminbi peso franc lira lire ruble rouble"
    " baht shilling rand naira cedi kwacha birr zloty hryvnia tenge toman afghani reais"
)


def _latin_word(word: str) -> str:
    # Leetspeak and inner separators for spelt-out words ("d0llars", "r.u.p.e.e.s"), plus plurals.
    s, e = textnorm.fuzzy_class("s"), textnorm.fuzzy_class("e")
    return _GAP.join(textnorm.fuzzy_class(c) for c in word) + f"(?:{s}|{e}{s})?"


def _unit(word: str, *, code: bool) -> str:
    """Regex for one unit, with the right-hand boundary its script needs."""
    if code and len(word) < 3:
        body = r"\.?".join(map(re.escape, word))
    elif code:
        body = r"[.\s]?".join(map(textnorm.fuzzy_class, word))
    elif word.isascii():
        body = _latin_word(word)
    else:
        body = re.escape(word)
    # Scripts without spaces glue the next word on ("5元一个"): no boundary can be required.
    return body if textnorm.is_spaceless(word[-1]) else body + _NOT_BEFORE_LETTER


def _units(words: str, *, code: bool = False) -> list[str]:
    forms = sorted({textnorm.normalize(w) for w in words.split()}, key=len, reverse=True)
    return [_unit(w, code=code) for w in forms]


def _any(units: list[str]) -> str:
    return "(?:" + "|".join(units) + ")"


def _spelled() -> str:
    words = sorted({textnorm.normalize(w) for w in _SPELLED.split()}, key=len, reverse=True)
    return f"{_NOT_AFTER_LETTER}(?:{'|'.join(map(re.escape, words))}){_NOT_BEFORE_LETTER}"


def _price_pattern(before: str, after: str) -> re.Pattern[str]:
    """Unit then amount ("USD 20", "rs500") or amount (digits or words) then unit ("5k PKR")."""
    amount_or_words = f"(?:{_AMOUNT}|{_spelled()})"
    return re.compile(
        rf"{_NOT_AFTER_ALNUM}{before}{_JOIN}{_AMOUNT}|{amount_or_words}{_JOIN}{after}"
    )


def _symbol_pattern() -> re.Pattern[str]:
    """Any currency sign (Unicode category Sc) attached or near to digits, on either side."""
    signs = "[" + "".join(re.escape(c) for c in sorted(textnorm.CURRENCY_SIGNS)) + "]"
    return re.compile(rf"{signs}{_JOIN}{_AMOUNT}|{_AMOUNT}{_JOIN}{signs}")


_CODE_UNITS = _any(_units(_CODES, code=True) + _units(_ABBREVIATIONS, code=True))
_PRICE_RULES = (
    ("price.currency_symbol", _symbol_pattern()),
    ("price.currency_code", _price_pattern(_CODE_UNITS, _CODE_UNITS)),
    (
        "price.currency_word",
        _price_pattern(
            _any(_units(_WORDS_EITHER_SIDE)),
            _any(_units(_WORDS_EITHER_SIDE) + _units(_WORDS_AFTER)),
        ),
    ),
)


@attrs.frozen
class Verdict:
    """The outcome of checking one reply.

    Attributes:
        blocked: whether the reply must not be sent.
        rule: the rule that fired ("price.currency_symbol", "price.currency_code",
            "price.currency_word", "phrase.global:<phrase>", "phrase.tenant:<phrase>").
        match: the offending fragment, in normalized form.
    """

    blocked: bool
    rule: str | None = None
    match: str | None = None


ALLOWED = Verdict(blocked=False)


def normalize_phrase(phrase: str) -> str:
    """The normalized form of a prohibited phrase; raises InvalidInput when it cannot match.

    A phrase needs at least one letter or digit and at most ``MAX_PHRASE_LENGTH`` characters.
    Settings code should call this when a tenant saves its phrase list.
    """
    normalized = textnorm.normalize(phrase)
    if not _ALNUM.search(normalized) or len(phrase) > MAX_PHRASE_LENGTH:
        raise errors.InvalidInput(
            f"a prohibited phrase needs 1 to {MAX_PHRASE_LENGTH} characters and a letter or digit",
            code="guardrails.invalid_phrase",
        )
    return normalized


@attrs.frozen
class _Phrase:
    text: str
    pattern: re.Pattern[str]


def _inflection() -> str:
    # English inflections of the last word still count ("discounts", "discounted", "free gifts");
    # any other continuation is another word ("discountenance", "guaranteedly") and passes.
    s, e, i = (textnorm.fuzzy_class(c) for c in "sei")
    return f"(?:{s}|{e}{s}|{e}d|d|{i}ng)?"


@functools.lru_cache(maxsize=4096)
def _compile_phrase(normalized: str) -> _Phrase:
    """Compile a normalized phrase once; tenants' lists hit this cache on every later call."""
    chars = [c for token in _PHRASE_TOKEN.findall(normalized) for c in token]
    body = _GAP.join(textnorm.fuzzy_class(c) for c in chars)
    first, last = chars[0], chars[-1]
    # Whole words only: a phrase glued inside a longer word is another word. Scripts written
    # without spaces cannot have that boundary.
    if _ALNUM.match(first) and not textnorm.is_spaceless(first):
        body = _NOT_AFTER_ALNUM + body
    if last.isascii() and last.isalpha():
        body += _inflection()
    if _ALNUM.match(last) and not textnorm.is_spaceless(last):
        body += _NOT_BEFORE_ALNUM
    return _Phrase(normalized, re.compile(body))


@functools.lru_cache(maxsize=4096)
def _tenant_phrase(phrase: str) -> _Phrase | None:
    # A stored phrase that cannot match is skipped rather than failing the reply path.
    try:
        return _compile_phrase(normalize_phrase(phrase))
    except errors.InvalidInput:
        return None


def _normalize_phrases(phrases: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normalize_phrase(p) for p in phrases))


@attrs.frozen
class Guardrails:
    """Price and phrase rules, compiled once and safe to share between threads and tenants.

    Args:
        phrases: the platform-wide prohibited phrases; InvalidInput
            (``guardrails.invalid_phrase``) when one has no letter or digit or is too long.
    """

    phrases: tuple[str, ...] = attrs.field(default=DEFAULT_PHRASES, converter=_normalize_phrases)
    _compiled: tuple[_Phrase, ...] = attrs.field(init=False, repr=False, eq=False)

    @_compiled.default
    def _compile(self) -> tuple[_Phrase, ...]:
        return tuple(_compile_phrase(p) for p in self.phrases)

    def check(self, text: str, extra_phrases: Iterable[str] = ()) -> Verdict:
        """Check a reply; the first rule that fires wins, prices before phrases.

        ``extra_phrases`` is the tenant's own list; it can only add blocks. A bare string is
        taken as one phrase, not as a list of letters.
        """
        normalized = textnorm.normalize(text)
        for rule, pattern in _PRICE_RULES:
            found = pattern.search(normalized)
            if found:
                return Verdict(blocked=True, rule=rule, match=found.group(0))
        verdict = _first_phrase(normalized, self._compiled, "global")
        if verdict.blocked:
            return verdict
        if isinstance(extra_phrases, str):
            extra_phrases = (extra_phrases,)
        tenant = (p for p in map(_tenant_phrase, extra_phrases) if p is not None)
        return _first_phrase(normalized, tenant, "tenant")


def _first_phrase(normalized: str, phrases: Iterable[_Phrase], scope: str) -> Verdict:
    for phrase in phrases:
        found = phrase.pattern.search(normalized)
        if found:
            return Verdict(blocked=True, rule=f"phrase.{scope}:{phrase.text}", match=found.group(0))
    return ALLOWED


_DEFAULT = Guardrails()


def check_reply(text: str, extra_phrases: Iterable[str] = ()) -> Verdict:
    """Check a reply against the default guardrails plus the tenant's ``extra_phrases``."""
    return _DEFAULT.check(text, extra_phrases)
