"""Media of the inbox: a signed link for staff, and the public route the link points to.

``GET /conversations/{id}/messages/{id}/media`` (staff and admins of the tenant) answers a
short-lived signed link; ``GET /media/{token}`` serves the file to whoever holds a genuine,
unexpired link, without a bearer token (an ``<img src>`` cannot send one). A string that is
not a link at all is ``media.not_found`` (404); a forged or altered link is
``media.bad_signature`` (403); an expired one ``media.link_expired`` (410).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

import attrs
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath

from b2app.http import auth, deps
from b2app.http.controllers import bodies, services
from b2core.conversations import media, media_jobs
from b2core.iam import permissions, tokens
from b2core.shared import errors, ids

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,2048}\.[A-Za-z0-9_-]{43}")
_INLINE = ("image/", "audio/", "video/")


@attrs.frozen
class MediaLinkView:
    """A signed link to one message's file; it stops working at ``expires_at``."""

    url: str
    expires_at: datetime


def _resolve(state: State, key: Any) -> Any:
    found = deps.resolve_optional(deps.container_of(state), key)
    if found is None:
        raise errors.NotConfigured("no media storage is configured", code="media.not_configured")
    return found


def public_url(signed: str) -> str:
    """The link under this API of a signed ``/media/<token>`` URL."""
    from b2app.http.app import API_PREFIX  # the app imports the routes: import it late

    return f"{API_PREFIX}/media/{signed.rsplit('/', 1)[-1]}"


class MessageMediaController(Controller):
    """The staff side: a signed link to a message's stored file."""

    path = "/conversations/{conversation_id:str}/messages/{message_id:str}/media"
    tags = ["inbox"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        **auth.guarded(permissions.Action.CONVERSATIONS_READ),
        **bodies.answers(200, MediaLinkView, "a signed link", (401, 403, 404, 409)),
    )
    async def link(
        self,
        conversation_id: FromPath[str],
        message_id: FromPath[str],
        principal: NamedDependency[tokens.Principal],
        state: State,
    ) -> dict[str, Any]:
        """A link to the file (valid 15 minutes); ``media.pending`` while it is being fetched."""
        handler: media_jobs.GetMediaLinkHandler = _resolve(state, media_jobs.GetMediaLinkHandler)
        command = media_jobs.GetMediaLink(
            services.tenant_of(principal),
            principal.user_id,
            principal.role.value,
            ids.ConversationId(conversation_id),
            ids.MessageId(message_id),
        )
        found = await handler(command)
        return bodies.dump(MediaLinkView(public_url(found.url), found.expires_at))


class MediaFilesController(Controller):
    """The public side: the file behind a signed link."""

    path = "/media"
    tags = ["inbox"]

    @get(
        "/{token:str}",
        media_type="application/octet-stream",
        **bodies.answers(200, None, "the file, with its content type", (403, 404)),
    )
    async def file(self, token: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
        """The file, if the link is genuine and unexpired."""
        if not _TOKEN.fullmatch(token):
            raise errors.NotFound("no such media link", code="media.not_found")
        storage: media.MediaStorage = _resolve(request.app.state, media.MediaStorage)
        ref = storage.verify_signed(token)
        content = await storage.get(ref)
        content_type = media_jobs.content_type_of(ref.key)
        filename = ref.parts[-1]
        disposition = "inline" if content_type.startswith(_INLINE) else "attachment"
        return Response(
            content,
            media_type=content_type,
            headers={
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
                "Cache-Control": "private, max-age=300",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
            },
        )
