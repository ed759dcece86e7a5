"""Text normalization for guardrails: one canonical form that evasion tricks cannot dodge."""

from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing (or as a blank) but split a word for a naive matcher. Format
# characters (category Cf: zero-width space/joiners, U+2060, U+FEFF, soft hyphen, bidi controls,
# tag characters) are added by the scan below; these are the invisible letters Unicode files
# elsewhere. Arabic tatweel only stretches a word ("ريـــال") and carries no meaning.
_INVISIBLE = "\u115f\u1160\u3164\uffa0\u0640\u2800"

# Look-alikes of Latin letters, keyed by their case-folded form, as (look-alikes, targets)
# pairs. One target per folded letter (never one for the capital and another for the small
# letter) so that mapping commutes with any change of case: a Cyrillic capital and its small
# letter always normalize alike.
_HOMOGLYPHS = (
    ("авекмнорстухѕіјһԁԛԝӏүьгп", "abekmhopctyxsijhdqwlybrn"),  # Cyrillic
    ("αβγεζηικμνορτυχωϲ", "abyeznikuvoptuxwc"),  # Greek
    ("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢıɑɡɩȷ", "abcdefghijklmnoprstuvwyziagij"),  # small caps
    ("օսհց", "ouhg"),  # noqa: RUF001  (Armenian; the look-alikes are the point)
    # Persian/Urdu letter forms folded onto the Arabic ones, so that a word typed on either
    # keyboard matches the same vocabulary.
    ("یىکہە", "ييكهه"),
)

# Enclosed and regional-indicator letters (🅓, 🇩) have no compatibility decomposition.
_LETTER_BLOCKS = (0x1F130, 0x1F150, 0x1F170, 0x1F1E6)

# Code points worth scanning: the BMP and the SMP hold every letter, mark, digit and currency
# sign; plane 14 holds tag characters and variation selectors. Planes 2-3 are only ideographs.
_SCAN = (range(0x20000), range(0xE0000, 0xE1000))

_WHITESPACE = re.compile(r"\s+")

# Leetspeak stand-ins, used by matchers (the text itself is never rewritten, so "$5" stays a
# price while "$pecial" still spells "special").
_LEET = {
    "a": "a4@",
    "e": "e3",
    "i": "i1!|",
    "l": "l1|",
    "o": "o0",
    "s": "s5$",
    "t": "t7+",
    "0": "0o",
    "1": "1il|!",
    "3": "3e",
    "4": "4a@",
    "5": "5s$",
    "7": "7t+",
}

# Scripts written without spaces between words (or with attached particles, as Korean), where
# a word boundary cannot be required around a match.
_SPACELESS_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR")


def _build_tables() -> tuple[dict[int, str | None], dict[int, str], frozenset[str]]:
    """Scan Unicode once: the main translation table, the pre-NFKC table and currency signs."""
    table: dict[int, str | None] = {ord(c): None for c in _INVISIBLE}
    pre: dict[int, str] = {}
    signs: set[str] = set()
    for block in _SCAN:
        for cp in block:
            char = chr(cp)
            category = unicodedata.category(char)
            if category in ("Cf", "Mn", "Me"):
                table[cp] = None
            elif category == "Nd" and cp > 0x7F:
                table[cp] = str(unicodedata.decimal(char))
            elif category == "Sc":
                expanded = unicodedata.normalize("NFKC", char)
                if unicodedata.category(expanded[0]) == "Sc":
                    signs.add(expanded)
                else:
                    # "₨" becomes "Rs" and "﷼" becomes "ریال" under NFKC: keep them separate
                    # words so a preceding letter cannot glue onto them and hide the price.
                    pre[cp] = f" {expanded} "
    for start in _LETTER_BLOCKS:
        for offset in range(26):
            table[start + offset] = chr(ord("a") + offset)
    for look_alikes, targets in _HOMOGLYPHS:
        table.update(zip(map(ord, look_alikes), targets, strict=True))
    return table, pre, frozenset(signs)


# CURRENCY_SIGNS: every currency sign (Unicode category Sc) as it can appear in normalized text.
_TABLE, _PRE_NFKC, CURRENCY_SIGNS = _build_tables()


def normalize(text: str) -> str:
    """The canonical form every guardrail matches against; idempotent.

    Steps: expand compatibility currency signs into words; NFKD (full-width, mathematical and
    circled letters, ligatures, superscripts, accents split off); one table pass that drops
    invisible characters and combining marks, maps every decimal digit to ASCII and folds
    homoglyphs onto Latin letters; case folding, then NFKD and the table pass again (folding can
    yield new marks or look-alikes); finally NFC and one space for any run of whitespace.
    """
    # Marks go before case folding too: folding turns U+0345 (a combining mark) into a Greek
    # iota, which would otherwise smuggle a letter into the word.
    text = unicodedata.normalize("NFKD", text.translate(_PRE_NFKC)).translate(_TABLE)
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_TABLE)
    text = unicodedata.normalize("NFC", text)
    return _WHITESPACE.sub(" ", text).strip()


def fuzzy_class(char: str) -> str:
    """A regex fragment matching ``char`` or one of its leetspeak stand-ins."""
    stand_ins = _LEET.get(char)
    if stand_ins is None:
        return re.escape(char)
    return "[" + re.escape(stand_ins) + "]"


def is_spaceless(char: str) -> bool:
    """Whether ``char`` belongs to a script whose words are not separated by spaces."""
    return unicodedata.name(char, "").startswith(_SPACELESS_SCRIPTS)
