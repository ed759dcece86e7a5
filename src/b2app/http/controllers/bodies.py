"""Request and response bodies of the controllers: decoded by the codec, described in OpenAPI.

Handlers read a body as plain decoded JSON and structure it with the edge's strict codec (which
names every offending field); :data:`Json` still shows the DTO in the OpenAPI document.
Responses are unstructured DTOs; :func:`answers` documents their shape and the error envelope.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, TypeAlias, TypeVar

import attrs
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import BodyKwarg, SkipValidationMarker

from b2app.http import codec

T = TypeVar("T")

# Litestar only decodes the JSON (bad JSON is a 400); the handler structures it with
# ``codec.structure(data, T)``. The static type is what the client must send, not what arrives.
Json: TypeAlias = Annotated[
    T, SkipValidationMarker(), BodyKwarg(media_type=RequestEncodingType.JSON)
]


def dump(dto: object) -> dict[str, Any]:
    """The JSON object of a response DTO, through the edge's codec."""
    body: dict[str, Any] = codec.unstructure(dto)
    return body


@attrs.frozen
class ErrorDetail:
    """A stable machine code (``area.reason``) and a human message."""

    code: str
    message: str


@attrs.frozen
class Error:
    """The body of every error response."""

    error: ErrorDetail


_ERRORS = {
    400: "the body is not valid JSON",
    401: "no valid bearer token (auth.unauthenticated, auth.invalid_token, ...)",
    403: "the role may not do this, or the tenant is suspended",
    404: "no such resource for this caller",
    409: "the request clashes with the current state",
    422: "a field is missing or not valid; the message names it",
    429: "too many attempts; see Retry-After",
    501: "the feature is turned off",
}


def answers(
    status: int, shape: type[Any] | None, description: str, errors: Iterable[int] = ()
) -> dict[str, Any]:
    """Route decorator keywords: the success status and shape, plus the listed error answers."""
    responses = {
        code: ResponseSpec(data_container=Error, description=_ERRORS[code]) for code in errors
    }
    if shape is not None:
        responses[status] = ResponseSpec(data_container=shape, description=description)
    return {"status_code": status, "responses": responses}
