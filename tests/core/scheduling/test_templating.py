"""The template syntax: parsing, escaping and rendering, never evaluating (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from b2core.scheduling import templating
from b2core.shared import errors
from tests.core.scheduling import strategies as s

L, P = templating.Literal, templating.Placeholder


def values_for(parts: tuple[templating.Segment, ...], data: st.DataObject) -> dict[str, str]:
    """A value for every variable ``parts`` use."""
    return {name: data.draw(s.any_text, label=name) for name in templating.variables(parts)}


@given(parts=s.segments)
def test_canonical_source_parses_back_to_the_same_segments(parts: list[templating.Segment]) -> None:
    assert templating.parse(templating.to_source(parts)) == s.normalized(parts)


@given(parts=s.segments, data=st.data())
def test_rendering_puts_literal_parts_and_values_back_in_order(
    parts: list[templating.Segment], data: st.DataObject
) -> None:
    parsed = templating.parse(templating.to_source(parts))
    values = values_for(parsed, data)
    rendered = templating.render(parsed, values)
    # Walk the output: every literal part of the parsed template is where it belongs, and
    # between them sits exactly the value of the variable, untouched.
    position = 0
    for part in parsed:
        piece = part.text if isinstance(part, L) else values[part.name]
        assert rendered[position : position + len(piece)] == piece
        position += len(piece)
    assert position == len(rendered)
    # And the rendered text, read back as a template once escaped, is one inert literal.
    assert templating.parse(templating.escape(rendered)) == ((L(rendered),) if rendered else ())


@given(parts=s.plain_segments, data=st.data())
def test_rendering_never_leaves_a_placeholder_behind(
    parts: list[templating.Segment], data: st.DataObject
) -> None:
    parsed = templating.parse(templating.to_source(parts))
    values = {n: data.draw(s.plain_text, label=n) for n in templating.variables(parsed)}
    assert "{{" not in templating.render(parsed, values)


@given(name=s.names, inner=s.names)
def test_values_are_inserted_verbatim_and_never_rendered_again(name: str, inner: str) -> None:
    assume(name != inner)
    sneaky = f"{{{{ {inner} }}}} and {{{{{inner}}}}}"
    parsed = templating.parse(f"<{{{{{name}}}}}>")
    assert templating.render(parsed, {name: sneaky, inner: "EVALUATED"}) == f"<{sneaky}>"


@given(parts=s.segments)
def test_variables_are_listed_once_in_order_of_first_use(parts: list[templating.Segment]) -> None:
    used = [p.name for p in parts if isinstance(p, P)]
    assert list(templating.variables(templating.parse(templating.to_source(parts)))) == list(
        dict.fromkeys(used)
    )


@given(parts=s.segments, data=st.data())
def test_a_missing_value_is_refused_naming_it(
    parts: list[templating.Segment], data: st.DataObject
) -> None:
    parsed = templating.parse(templating.to_source(parts))
    names = templating.variables(parsed)
    if not names:
        return
    missing = data.draw(st.sampled_from(names))
    values = {n: "x" for n in names if n != missing}
    with pytest.raises(errors.InvalidInput, match=missing) as caught:
        templating.render(parsed, values)
    assert caught.value.code == "template.missing_variable"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Hi {{name}}!", (L("Hi "), P("name"), L("!"))),
        ("{{  name \t}}", (P("name"),)),
        ("{{_x9}}{{_x9}}", (P("_x9"), P("_x9"))),
        (r"\{{name}}", (L("{{name}}"),)),
        (r"{\{name}}", (L("{{name}}"),)),
        (r"a \\ b \n \{ \}", (L(r"a \ b \n { }"),)),
        (r"\\{{name}}", (L("\\"), P("name"))),
        ("{ single } and }} closing", (L("{ single } and }} closing"),)),
        ("price: {5} {{ p }}", (L("price: {5} "), P("p"))),
        ("", ()),
    ],
)
def test_syntax_examples(source: str, expected: tuple[templating.Segment, ...]) -> None:
    assert templating.parse(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "{{Name}}",
        "{{ 1st }}",
        "{{ first-name }}",
        "{{ name",
        "{{}}",
        "{{ a b }}",
        "{{ name }",
        "{{ user.name }}",
        "{{ name|upper }}",
        "{{ __import__('os') }}",
        "{{ " + "a" * 41 + " }}",
        "ok {{ a }} then {{",
        "{{{name}}}",
    ],
)
def test_a_double_brace_that_opens_no_valid_placeholder_is_refused(source: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        templating.parse(source)
    assert caught.value.code == "template.bad_syntax"
    assert "position" in caught.value.message


def test_the_longest_variable_name_is_forty_characters() -> None:
    name = "a" * 40
    assert templating.parse(f"{{{{{name}}}}}") == (P(name),)
    assert templating.is_variable_name(name)
    assert not templating.is_variable_name(name + "a")


def test_values_must_be_text() -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        templating.render((P("n"),), {"n": 5})  # type: ignore[dict-item]
    assert caught.value.code == "template.bad_value"
