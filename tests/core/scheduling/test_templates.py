"""The MessageTemplate aggregate: declared vs used variables, rendering, WhatsApp slots."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.scheduling import templates, templating
from b2core.shared import errors, ids
from tests.core.scheduling import strategies as s
from tests.core.scheduling.support import T0

WA = templates.WhatsAppTemplate


def a_template(
    content: str = "Hi {{ name }}, see you at {{ time }}.",
    variables: Iterable[str] = ("name", "time"),
    whatsapp: templates.WhatsAppTemplate | None = None,
    name: str = "Reminder",
) -> templates.MessageTemplate:
    return templates.MessageTemplate.create(
        ids.TemplateId("t-1"),
        ids.TenantId("tenant-1"),
        name,
        content,
        variables,
        by=ids.UserId("u-1"),
        at=T0,
        whatsapp=whatsapp,
    )


def code_of(make: object) -> str:
    assert callable(make)
    with pytest.raises(errors.DomainError) as caught:
        make()
    return caught.value.code


@given(parts=s.segments, data=st.data())
def test_a_template_using_an_undeclared_variable_is_refused(
    parts: list[templating.Segment], data: st.DataObject
) -> None:
    source = templating.to_source(parts)
    used = templating.variables(templating.parse(source))
    if not used or not source.strip():
        return
    dropped = data.draw(st.sampled_from(used))
    declared = [n for n in used if n != dropped]
    assert code_of(lambda: a_template(source, declared)) == "template.undeclared_variable"


@given(parts=s.segments, extra=s.names)
def test_a_declared_variable_the_content_never_uses_is_refused(
    parts: list[templating.Segment], extra: str
) -> None:
    source = templating.to_source(parts)
    used = templating.variables(templating.parse(source))
    if extra in used or not source.strip():
        return
    assert code_of(lambda: a_template(source, [*used, extra])) == "template.unused_variable"


@given(parts=s.segments, data=st.data())
def test_rendering_a_valid_template_fills_every_declared_variable(
    parts: list[templating.Segment], data: st.DataObject
) -> None:
    source = templating.to_source(parts)
    used = templating.variables(templating.parse(source))
    if not source.strip():
        return
    template = a_template(source, used)
    values = {n: data.draw(s.plain_text.filter(str.strip), label=n) for n in used}
    expected = templating.render(templating.parse(source), values)
    if not expected.strip():  # whitespace-only literals with nothing else
        assert code_of(lambda: template.render(values)) == "template.empty_message"
    else:
        assert template.render(values) == expected


def test_render_refuses_missing_unknown_and_oversized_values() -> None:
    template = a_template()
    assert code_of(lambda: template.render({"name": "Ana"})) == "template.missing_variable"
    extra = {"name": "Ana", "time": "9h", "other": "x"}
    assert code_of(lambda: template.render(extra)) == "template.unknown_variable"
    big = {"name": "A" * 1025, "time": "9h"}
    assert code_of(lambda: template.render(big)) == "template.bad_value"
    huge = a_template("{{ a }}{{ b }}{{ c }}{{ d }}{{ e }}", list("abcde"))
    five = dict.fromkeys("abcde", "x" * 1000)
    assert code_of(lambda: huge.render(five)) == "template.too_long"
    blank = a_template("{{ a }}", ["a"])
    assert code_of(lambda: blank.render({"a": "   "})) == "template.empty_message"


def test_preview_uses_samples_and_shows_the_others_by_name() -> None:
    template = a_template()
    assert template.preview({"name": "Ana"}) == "Hi Ana, see you at [time]."
    assert template.preview() == "Hi [name], see you at [time]."


def test_declared_variables_are_deduplicated_and_validated() -> None:
    assert a_template(variables=["name", "time", "name"]).variables == ("name", "time")
    assert code_of(lambda: a_template(variables=["name", "Time"])) == "template.bad_variable"
    assert code_of(lambda: a_template(variables="name")) == "template.bad_variable"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "  "}, "template.bad_name"),
        ({"name": "x" * 101}, "template.bad_name"),
        ({"content": "   ", "variables": ()}, "template.bad_content"),
        ({"content": "x" * 4097, "variables": ()}, "template.bad_content"),
        ({"content": "Hi {{ Name }}"}, "template.bad_syntax"),
    ],
)
def test_bad_templates_are_refused(fields: dict[str, object], code: str) -> None:
    assert code_of(lambda: a_template(**fields)) == code  # type: ignore[arg-type]


def test_the_whatsapp_twin_names_declared_variables_in_slot_order() -> None:
    wa = WA("appointment_reminder", "pt_BR", ("time", "name", "time"))
    template = a_template(whatsapp=wa)
    assert template.whatsapp_parameters({"name": "Ana", "time": "9h"}) == ("9h", "Ana", "9h")
    assert a_template().whatsapp_parameters({"name": "Ana", "time": "9h"}) == ()
    stray = WA("appointment_reminder", "pt_BR", ("name", "city"))
    assert code_of(lambda: a_template(whatsapp=stray)) == "template.undeclared_variable"


@pytest.mark.parametrize("value", ["line\nbreak", "tab\there", "five     spaces", "  "])
def test_whatsapp_parameters_meta_would_refuse_are_refused(value: str) -> None:
    template = a_template(whatsapp=WA("reminder", "en", ("name",)))
    refused = code_of(lambda: template.whatsapp_parameters({"name": value, "time": "9h"}))
    assert refused == "template.bad_parameter"


@pytest.mark.parametrize(
    ("name", "language"), [("Reminder", "en"), ("re-minder", "en"), ("ok", "english"), ("ok", "")]
)
def test_whatsapp_template_names_and_languages_are_checked(name: str, language: str) -> None:
    assert code_of(lambda: WA(name, language)) == "template.bad_whatsapp_template"


def test_update_changes_fields_and_can_drop_the_whatsapp_twin() -> None:
    template = a_template(whatsapp=WA("reminder", "en", ("name",)))
    later = T0.replace(hour=13)
    assert template.update(later) is template
    renamed = template.update(later, name="Follow-up")
    assert (renamed.name, renamed.updated_at, renamed.created_at) == ("Follow-up", later, T0)
    assert template.update(later, remove_whatsapp=True).whatsapp is None
    changed = template.update(later, content="Bye {{ name }}", variables=["name"])
    assert changed.variables == ("name",)
    failed = code_of(lambda: template.update(later, content="Bye {{ name }}"))
    assert failed == "template.unused_variable"
