"""What the offline responder reads in a customer message: cues, a quantity, contact details."""

from __future__ import annotations

import re

import attrs

from b2core.ai import llm
from b2core.orders import catalog


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Handing over wins over everything: a person asked for, a complaint, an existing order.
HANDOFF_WORDS = _vocabulary(
    "human humans agent agents representative representatives operator manager supervisor"
    " complaint complaints complain complaining refund"
)
HANDOFF_PHRASES = (
    ("real", "person"),
    ("talk", "to", "someone"),
    ("speak", "to", "someone"),
    ("customer", "care"),
    ("my", "order"),
    ("order", "status"),
)
ORDER_WORDS = _vocabulary(
    "order book booking buy purchase reserve reservation appointment schedule"
)
LIST_WORDS = _vocabulary(
    "services service menu catalog catalogue offer offers offering list prices pricelist rates"
)
NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"), start=1
    )
}
SALAM_WORDS = _vocabulary(
    "salam salaam slm assalam assalamu asalam asalamu assalamualaikum asalamualaikum aoa"
    " السلام سلام"
)
GREETING_WORDS = SALAM_WORDS | _vocabulary(
    "hi hii hiii hello helo hey heya hiya greetings morning afternoon evening"
)
# Words that may stand beside a greeting or thanks without making it a question.
COURTESY_WORDS = _vocabulary(
    "o u wa w alaikum alaykum alaikom alykum walaikum wassalam عليكم good day there everyone"
    " all sir madam dear team ok okay thanks thank thx you so much very"
)
THANKS_WORDS = _vocabulary("thanks thank thx shukriya shukria jazakallah")
# Filler of questions and requests: left out when judging how exactly a service was named.
FILLER_WORDS = _vocabulary(
    "what whats is are the a an of for about tell me price cost costs how much do does you"
    " your have has please pls plz i im d ll want wanted to would like need can could get some"
    " info information details on it x and kindly we us our any"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s().-]{5,}\d(?!\w)")
_NAME = re.compile(r"\bmy name is ((?:[^\W\d_]+)(?: [^\W\d_]+){0,2})", re.IGNORECASE)
_QUANTITY = re.compile(r"x?(\d{1,4})x?")
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 7, 15
# Only the start of a very long message is read: it bounds the work, and the cues are there.
MAX_READ_CHARS = 2000


@attrs.frozen
class Reading:
    """The cues of one message. ``quantity`` is None when not said, 0 when unusable."""

    words: tuple[str, ...]
    quantity: int | None
    contact: dict[str, str] = attrs.field(hash=False)

    @property
    def wants_human(self) -> bool:
        """A person, a complaint or an existing order is asked about."""
        return bool(HANDOFF_WORDS.intersection(self.words)) or any(
            _has_run(self.words, phrase) for phrase in HANDOFF_PHRASES
        )

    @property
    def wants_order(self) -> bool:
        """An order or booking verb appears."""
        return bool(ORDER_WORDS.intersection(self.words))

    @property
    def asks_list(self) -> bool:
        """The catalog as a whole is asked about."""
        return bool(LIST_WORDS.intersection(self.words))

    @property
    def salam(self) -> bool:
        """The greeting is the Islamic one, which has its own answer."""
        return bool(SALAM_WORDS.intersection(self.words))

    def only(self, core: frozenset[str]) -> bool:
        """Whether the message is ``core`` words (at least one) and courtesy words only."""
        present = set(self.words)
        return bool(present & core) and present <= core | COURTESY_WORDS | GREETING_WORDS


def read(text: str) -> Reading:
    """The cues of ``text``; contact details are taken out before words are read."""
    contact, rest = _take_contact(text[:MAX_READ_CHARS])
    words = catalog.name_key(rest.replace("\u00d7", " x "))
    quantity, index = _quantity(words)
    if index is not None:
        words = words[:index] + words[index + 1 :]
    return Reading(words=words, quantity=quantity, contact=contact)


def singular(words: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` with a plural ``s`` taken off longer words ("haircuts" finds "Haircut")."""
    return tuple(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words
    )


def remainder(words: tuple[str, ...]) -> tuple[str, ...]:
    """What is left of ``words`` once filler, cues and greetings are set aside."""
    ignored = FILLER_WORDS | ORDER_WORDS | GREETING_WORDS | COURTESY_WORDS
    return tuple(word for word in words if word not in ignored)


def _has_run(words: tuple[str, ...], run: tuple[str, ...]) -> bool:
    size = len(run)
    return any(words[i : i + size] == run for i in range(len(words) - size + 1))


def _quantity(words: tuple[str, ...]) -> tuple[int | None, int | None]:
    """The first quantity (digits, ``2x``/``x2`` or one..ten) and where it stands."""
    for index, word in enumerate(words):
        if word in NUMBER_WORDS:
            return NUMBER_WORDS[word], index
        found = _QUANTITY.fullmatch(word)
        if found:
            value = int(found.group(1))
            return (value if 1 <= value <= llm.MAX_QUANTITY else 0), index
    return None, None


def _take_contact(text: str) -> tuple[dict[str, str], str]:
    contact: dict[str, str] = {}
    email = _EMAIL.search(text) if "@" in text else None
    if email:
        contact["email"] = email.group(0)
        text = text.replace(email.group(0), " ")
    for phone in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", phone.group(0))
        if _MIN_PHONE_DIGITS <= len(digits) <= _MAX_PHONE_DIGITS:
            contact["phone"] = phone.group(0).strip()
            text = text.replace(phone.group(0), " ")
            break
    name = _NAME.search(text)
    if name:
        contact["name"] = name.group(1).title()
        text = text.replace(name.group(0), " ")
    return contact, text
