"""Template syntax: literal text with ``{{ variable }}`` placeholders, parsed and never evaluated.

The whole language, on purpose tiny (no expressions, filters, loops or includes):

* ``{{ name }}`` is a placeholder. Spaces or tabs may surround the name; the name matches
  ``[a-z_][a-z0-9_]{0,39}`` (lower case, at most 40 characters).
* A backslash escapes a brace or a backslash: ``\\{`` is a literal ``{``, ``\\}`` a literal
  ``}``, ``\\\\`` a literal backslash. Any other backslash is literal text as it is.
* An unescaped ``{{`` must open a valid placeholder, otherwise the template is refused
  (``template.bad_syntax``, with the position). A single ``{`` and any ``}`` are literal.

Rendering inserts each value verbatim, once: a value holding ``{{ x }}`` stays exactly that
text in the output and is never parsed again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import attrs

from b2core.shared import errors

MAX_NAME_LENGTH = 40
NAME = re.compile(r"[a-z_][a-z0-9_]{0,39}")
_PLACEHOLDER = re.compile(r"\{\{[ \t]*([a-z_][a-z0-9_]{0,39})[ \t]*\}\}")
_ESCAPABLE = frozenset("{}\\")


@attrs.frozen
class Literal:
    """Text copied to the output as it is (escapes already resolved)."""

    text: str


@attrs.frozen
class Placeholder:
    """Where the value of variable ``name`` goes."""

    name: str


Segment = Literal | Placeholder


def is_variable_name(value: object) -> bool:
    """Whether ``value`` is a valid variable name."""
    return isinstance(value, str) and NAME.fullmatch(value) is not None


def check_variable_name(value: object) -> str:
    """Return ``value`` if it is a valid variable name, else raise ``template.bad_variable``."""
    if isinstance(value, str) and NAME.fullmatch(value):
        return value
    raise errors.InvalidInput(
        "variable names are lower-case letters, digits and '_', not starting with a digit, "
        f"at most {MAX_NAME_LENGTH} characters: {value!r}",
        code="template.bad_variable",
    )


def parse(source: str) -> tuple[Segment, ...]:
    """The segments of ``source``: adjacent literals merged, no empty literal.

    Raises:
        errors.InvalidInput: ``template.bad_syntax`` for a ``{{`` that opens no valid placeholder.
    """
    segments: list[Segment] = []
    text: list[str] = []
    i, size = 0, len(source)
    while i < size:
        char = source[i]
        if char == "\\" and i + 1 < size and source[i + 1] in _ESCAPABLE:
            text.append(source[i + 1])
            i += 2
        elif source.startswith("{{", i):
            found = _PLACEHOLDER.match(source, i)
            if found is None:
                raise _bad_syntax(i)
            if text:
                segments.append(Literal("".join(text)))
                text.clear()
            segments.append(Placeholder(found.group(1)))
            i = found.end()
        else:
            text.append(char)
            i += 1
    if text:
        segments.append(Literal("".join(text)))
    return tuple(segments)


def _bad_syntax(position: int) -> errors.InvalidInput:
    return errors.InvalidInput(
        f"'{{{{' at position {position} opens no valid placeholder: write {{{{ name }}}} with a "
        "lower-case variable name, or \\{{ for a literal brace",
        code="template.bad_syntax",
    )


def escape(text: str) -> str:
    """``text`` written so that :func:`parse` reads it back as one literal."""
    return text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")


def to_source(segments: Iterable[Segment]) -> str:
    """The canonical source of ``segments``: ``parse(to_source(s))`` gives ``s`` back (merged)."""
    return "".join(
        escape(s.text) if isinstance(s, Literal) else f"{{{{ {s.name} }}}}" for s in segments
    )


def variables(segments: Iterable[Segment]) -> tuple[str, ...]:
    """The variable names used, each once, in the order of first use."""
    return tuple(dict.fromkeys(s.name for s in segments if isinstance(s, Placeholder)))


def render(segments: Iterable[Segment], values: Mapping[str, str]) -> str:
    """The text with every placeholder replaced by its value, verbatim.

    Raises:
        errors.InvalidInput: ``template.missing_variable`` naming every variable without a value,
            ``template.bad_value`` for a value that is not a string.
    """
    parts = tuple(segments)
    missing = [name for name in variables(parts) if name not in values]
    if missing:
        raise errors.InvalidInput(
            f"no value for variable(s): {', '.join(missing)}", code="template.missing_variable"
        )
    if not all(isinstance(v, str) for v in values.values()):
        raise errors.InvalidInput("variable values must be text", code="template.bad_value")
    return "".join(s.text if isinstance(s, Literal) else values[s.name] for s in parts)
