"""Message templates: a tenant's reusable texts with declared variables, and their WhatsApp twin.

A template's content uses the syntax of :mod:`b2core.scheduling.templating`. The variables it
uses and the variables it declares must be the same set: using an undeclared one is
``template.undeclared_variable``, declaring one the content never uses is
``template.unused_variable``. Names are unique per tenant, ignoring case and outer spaces.

A WhatsApp Cloud API template (pre-approved by Meta, with positional ``{{1}}``, ``{{2}}``
parameters) may be attached: ``parameters`` lists the declared variables whose values fill those
positions, in order. It is what a scheduled message is sent as when the customer's 24-hour
service window is closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

import attrs

from b2core.scheduling import templating
from b2core.shared import errors, ids, time

MAX_NAME = 100
MAX_CONTENT = 4096
MAX_TEXT = 4096  # what WhatsApp accepts in one text message
MAX_VARIABLES = 20
MAX_VALUE = 1024
MAX_PARAMETERS = 50
_WA_NAME = re.compile(r"[a-z0-9_]{1,512}")
_WA_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
# Meta refuses template parameters with new lines, tabs or more than four spaces in a row.
_WA_BAD_PARAMETER = re.compile(r"[\n\r\t]| {5}")


def _invalid(message: str, code: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code=code)


def _declared(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _invalid("variables must be a list of names", "template.bad_variable")
    names = tuple(dict.fromkeys(templating.check_variable_name(v) for v in value))
    if len(names) > MAX_VARIABLES:
        raise _invalid(
            f"a template declares at most {MAX_VARIABLES} variables", "template.bad_variable"
        )
    return names


def _slots(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _invalid(
            "WhatsApp template parameters are a list of variable names",
            "template.bad_whatsapp_template",
        )
    return tuple(value)


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


@attrs.frozen
class WhatsAppTemplate:
    """A Meta-approved template: its name, language code and which variable fills each slot."""

    name: str
    language: str
    parameters: tuple[str, ...] = attrs.field(default=(), converter=_slots)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not _WA_NAME.fullmatch(self.name):
            raise _invalid(
                "a WhatsApp template name is lower-case letters, digits and '_'",
                "template.bad_whatsapp_template",
            )
        if not isinstance(self.language, str) or not _WA_LANGUAGE.fullmatch(self.language):
            raise _invalid(
                "a WhatsApp template language is a code such as 'en' or 'pt_BR'",
                "template.bad_whatsapp_template",
            )
        if len(self.parameters) > MAX_PARAMETERS:
            raise _invalid(
                f"a WhatsApp template has at most {MAX_PARAMETERS} parameters",
                "template.bad_whatsapp_template",
            )
        for name in self.parameters:
            templating.check_variable_name(name)


@attrs.frozen
class MessageTemplate:
    """A tenant's named text with ``{{ variable }}`` placeholders.

    ``version`` is the stored version this instance derives from; repositories compare it on
    ``save`` (optimistic concurrency) and bump it. Changes keep it as is.
    """

    id: ids.TemplateId
    tenant_id: ids.TenantId
    name: str = attrs.field(converter=_strip)
    content: str
    variables: tuple[str, ...] = attrs.field(converter=_declared)
    created_by: ids.UserId
    created_at: datetime
    updated_at: datetime
    whatsapp: WhatsAppTemplate | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not 1 <= len(self.name) <= MAX_NAME:
            raise _invalid(f"a template name has 1 to {MAX_NAME} characters", "template.bad_name")
        if not isinstance(self.content, str) or not self.content.strip():
            raise _invalid("a template needs some content", "template.bad_content")
        if len(self.content) > MAX_CONTENT:
            raise _invalid(
                f"a template has at most {MAX_CONTENT} characters", "template.bad_content"
            )
        self._check_variables()

    def _check_variables(self) -> None:
        used = templating.variables(templating.parse(self.content))
        slots = self.whatsapp.parameters if self.whatsapp else ()
        undeclared = [n for n in dict.fromkeys([*used, *slots]) if n not in self.variables]
        if undeclared:
            raise _invalid(
                f"declare the variable(s) the template uses: {', '.join(undeclared)}",
                "template.undeclared_variable",
            )
        unused = [n for n in self.variables if n not in used]
        if unused:
            raise _invalid(
                f"the content never uses the declared variable(s): {', '.join(unused)}",
                "template.unused_variable",
            )

    @classmethod
    def create(
        cls,
        template_id: ids.TemplateId,
        tenant_id: ids.TenantId,
        name: str,
        content: str,
        variables: Iterable[str],
        *,
        by: ids.UserId,
        at: datetime,
        whatsapp: WhatsAppTemplate | None = None,
    ) -> MessageTemplate:
        """A new template, validated."""
        moment = time.ensure_utc(at)
        return cls(
            template_id,
            tenant_id,
            name,
            content,
            _declared(variables),
            by,
            moment,
            moment,
            whatsapp,
        )

    @property
    def key(self) -> str:
        """The name as compared for uniqueness: case-folded."""
        return self.name.casefold()

    def update(
        self,
        at: datetime,
        *,
        name: str | None = None,
        content: str | None = None,
        variables: Iterable[str] | None = None,
        whatsapp: WhatsAppTemplate | None = None,
        remove_whatsapp: bool = False,
    ) -> MessageTemplate:
        """Apply the given changes at once (None leaves a field alone); no change returns self."""
        changed = attrs.evolve(
            self,
            name=self.name if name is None else name,
            content=self.content if content is None else content,
            variables=self.variables if variables is None else _declared(variables),
            whatsapp=None if remove_whatsapp else (whatsapp or self.whatsapp),
        )
        if changed == self:
            return self
        return attrs.evolve(changed, updated_at=time.ensure_utc(at))

    def render(self, values: Mapping[str, str]) -> str:
        """The message text for ``values``, inserted verbatim.

        Raises:
            errors.InvalidInput: ``template.unknown_variable`` (a value for an undeclared name),
                ``template.missing_variable``, ``template.bad_value``, ``template.too_long``,
                ``template.empty_message``.
        """
        self._check_values(values)
        text = templating.render(templating.parse(self.content), values)
        if len(text) > MAX_TEXT:
            raise _invalid(
                f"the rendered message is longer than {MAX_TEXT} characters", "template.too_long"
            )
        if not text.strip():
            raise _invalid("the rendered message is blank", "template.empty_message")
        return text

    def preview(self, samples: Mapping[str, str] | None = None) -> str:
        """The content rendered with ``samples``; a variable without one shows as ``[name]``."""
        given = dict(samples or {})
        return self.render({n: given.get(n, f"[{n}]") for n in self.variables} | given)

    def whatsapp_parameters(self, values: Mapping[str, str]) -> tuple[str, ...]:
        """The values of the WhatsApp template's slots, in order (empty without one).

        Raises:
            errors.InvalidInput: ``template.bad_parameter`` for a value Meta would refuse.
        """
        if self.whatsapp is None:
            return ()
        self._check_values(values)
        slots = tuple(values.get(name, "") for name in self.whatsapp.parameters)
        for value in slots:
            if not value.strip() or _WA_BAD_PARAMETER.search(value):
                raise _invalid(
                    "a WhatsApp template parameter cannot be blank, hold new lines or tabs, "
                    "or more than four spaces in a row",
                    "template.bad_parameter",
                )
        return slots

    def _check_values(self, values: Mapping[str, str]) -> None:
        unknown = [name for name in values if name not in self.variables]
        if unknown:
            raise _invalid(
                f"the template declares no variable(s): {', '.join(map(str, unknown))}",
                "template.unknown_variable",
            )
        if any(not isinstance(v, str) or len(v) > MAX_VALUE for v in values.values()):
            raise _invalid(
                f"variable values are text of at most {MAX_VALUE} characters",
                "template.bad_value",
            )
