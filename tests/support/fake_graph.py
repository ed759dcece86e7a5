"""A local fake of the Graph API's messages endpoint: scripted answers, recorded requests.

It listens on 127.0.0.1 on a free port. Each ``POST /<version>/<phone_number_id>/messages``
takes the next scripted answer (a success with a ``wamid``, a Graph error, a stall); with nothing
scripted it answers a success with a fresh ``wamid``::

    with FakeGraph() as graph:
        graph.error(400, code=131047, title="Re-engagement message")
        channel = CloudApiChannel(http, graph.graph_url, "PHONE_ID", "token")

Media: ``GET /<version>/<media_id>`` answers the file's URL, type and size (``add_media``
registers one; ``media_error`` scripts a Graph error for the next look-up), ``GET /files/<id>``
serves its bytes to the bearer token of ``expected_token`` (any bearer when None; none needed
with ``open_files``), and ``POST /<version>/<phone_number_id>/media`` takes a multipart upload
(recorded in ``uploads``) and answers ``{"id": ...}``; the uploaded file can be fetched again.
"""

from __future__ import annotations

import collections
import itertools
import json
import threading
import time
from collections.abc import Mapping
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import attrs

VERSION = "v21.0"


@attrs.frozen
class RecordedRequest:
    """One request the fake received; header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any  # decoded JSON, or None


@attrs.frozen
class _Answer:
    status: int
    body: bytes | None  # None: a success with a fresh wamid
    headers: Mapping[str, str] = attrs.field(factory=dict)
    delay_s: float = 0.0


@attrs.frozen
class Upload:
    """One multipart media upload: its text fields and its file part."""

    fields: Mapping[str, str]
    filename: str | None
    content: bytes
    mime_type: str | None


@attrs.frozen
class _StoredMedia:
    content: bytes
    mime_type: str
    file_size: int | None  # what the look-up declares (None: the true size)
    send_length: bool


class FakeGraph:
    """The server and its script; a context manager, or start() and stop()."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: collections.deque[_Answer] = collections.deque()
        self._requests: list[RecordedRequest] = []
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._media: dict[str, _StoredMedia] = {}
        self._media_script: collections.deque[_Answer] = collections.deque()
        self._uploads: list[Upload] = []
        self._upload_ids = itertools.count(1)
        self.expected_token: str | None = None
        self.open_files = False

    def add_media(
        self,
        media_id: str,
        content: bytes,
        mime_type: str,
        *,
        file_size: int | None = None,
        send_length: bool = True,
    ) -> None:
        """Serve ``content`` as ``media_id``; ``file_size`` makes the look-up declare another
        size, and ``send_length=False`` sends the bytes without a Content-Length."""
        with self._lock:
            self._media[media_id] = _StoredMedia(content, mime_type, file_size, send_length)

    def media_error(
        self,
        status: int,
        *,
        code: int | None,
        title: str = "scripted error",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next media look-up with ``status`` and a Graph error of ``code``."""
        error: dict[str, Any] = {"message": title, "type": "OAuthException", "fbtrace_id": "x"}
        if code is not None:
            error["code"] = code
        body = json.dumps({"error": error}).encode()
        with self._lock:
            self._media_script.append(_Answer(status, body, dict(headers or {})))

    def file_url(self, media_id: str) -> str:
        """Where the bytes of ``media_id`` are served."""
        if self._server is None:
            raise RuntimeError("the fake Graph API is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}/files/{media_id}"

    @property
    def uploads(self) -> list[Upload]:
        """The media uploads so far, oldest first."""
        with self._lock:
            return list(self._uploads)

    def error(
        self,
        status: int,
        *,
        code: int | None,
        title: str = "scripted error",
        details: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer ``status`` with a Graph error body of ``code``."""
        error: dict[str, Any] = {"message": title, "type": "OAuthException", "fbtrace_id": "x"}
        if code is not None:
            error["code"] = code
        if details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": details}
        self._push(_Answer(status, json.dumps({"error": error}).encode(), dict(headers or {})))

    def raw(self, status: int, body: bytes) -> None:
        """Answer ``status`` with ``body`` as it is."""
        self._push(_Answer(status, body))

    def stall(self, seconds: float) -> None:
        """Wait ``seconds`` before a success (a client with a shorter timeout gives up)."""
        self._push(_Answer(200, None, delay_s=seconds))

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def graph_url(self) -> str:
        """``http://127.0.0.1:<port>/<version>``: the adapter's ``graph_url``."""
        if self._server is None:
            raise RuntimeError("the fake Graph API is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}/{VERSION}"

    def start(self) -> FakeGraph:
        """Listen on a free loopback port and serve in a background thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle_get(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: tests read the recorded requests instead."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and join the threads."""
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server, self._thread = None, None

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _push(self, answer: _Answer) -> None:
        with self._lock:
            self._script.append(answer)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        if handler.path.rstrip("/").endswith("/media"):
            self._handle_upload(handler, raw)
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self._requests.append(RecordedRequest("POST", handler.path, headers, body))
            answer = self._script.popleft() if self._script else _Answer(200, None)
        if answer.delay_s:
            time.sleep(answer.delay_s)
        payload = answer.body
        if payload is None:
            payload = json.dumps(
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": "x", "wa_id": "x"}],
                    "messages": [{"id": f"wamid.fake{next(self._ids)}"}],
                }
                if not (isinstance(body, dict) and "status" in body)
                else {"success": True}
            ).encode()
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        given = headers.get("authorization", "")
        if self.expected_token is None:
            return given.startswith("Bearer ") and len(given) > len("Bearer ")
        return given == f"Bearer {self.expected_token}"

    def _handle_get(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        path = handler.path.split("?", 1)[0]
        with self._lock:
            self._requests.append(RecordedRequest("GET", handler.path, headers, None))
        if path.startswith("/files/"):
            self._serve_file(handler, path.removeprefix("/files/"), headers)
            return
        media_id = path.rsplit("/", 1)[-1]
        with self._lock:
            scripted = self._media_script.popleft() if self._media_script else None
            stored = self._media.get(media_id)
        if scripted is not None:
            self._send(
                handler, scripted.status, scripted.body or b"", "application/json", scripted.headers
            )
            return
        if not self._authorized(headers):
            self._graph_error(handler, 401, 190, "Invalid OAuth access token")
            return
        if stored is None:
            self._graph_error(handler, 404, 100, "Unsupported get request")
            return
        size = len(stored.content) if stored.file_size is None else stored.file_size
        body = {
            "messaging_product": "whatsapp",
            "url": self.file_url(media_id),
            "mime_type": stored.mime_type,
            "sha256": "fake",
            "file_size": size,
            "id": media_id,
        }
        self._send(handler, 200, json.dumps(body).encode(), "application/json")

    def _serve_file(
        self, handler: BaseHTTPRequestHandler, media_id: str, headers: Mapping[str, str]
    ) -> None:
        with self._lock:
            stored = self._media.get(media_id)
        if not self.open_files and not self._authorized(headers):
            self._send(handler, 401, b"unauthorized", "text/plain")
            return
        if stored is None:
            self._send(handler, 404, b"not found", "text/plain")
            return
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", stored.mime_type)
            if stored.send_length:
                handler.send_header("Content-Length", str(len(stored.content)))
            handler.end_headers()
            for start in range(0, len(stored.content), 16 * 1024):
                handler.wfile.write(stored.content[start : start + 16 * 1024])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading (a size cap)

    def _handle_upload(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self._requests.append(RecordedRequest("POST", handler.path, headers, None))
            answer = self._script.popleft() if self._script else None
        if answer is not None and answer.body is not None:
            self._send(handler, answer.status, answer.body, "application/json", answer.headers)
            return
        framed = f"Content-Type: {headers.get('content-type', '')}\r\n\r\n".encode() + raw
        message = BytesParser(policy=HTTP).parsebytes(framed)
        fields: dict[str, str] = {}
        upload = Upload({}, None, b"", None)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                upload = Upload({}, filename, content, part.get_content_type())
            elif isinstance(name, str):
                fields[name] = content.decode()
        media_id = f"media-up-{next(self._upload_ids)}"
        with self._lock:
            self._uploads.append(attrs.evolve(upload, fields=fields))
            self._media[media_id] = _StoredMedia(
                upload.content, upload.mime_type or "application/octet-stream", None, True
            )
        self._send(handler, 200, json.dumps({"id": media_id}).encode(), "application/json")

    def _graph_error(
        self, handler: BaseHTTPRequestHandler, status: int, code: int, title: str
    ) -> None:
        error = {"message": title, "type": "OAuthException", "code": code, "fbtrace_id": "x"}
        self._send(handler, status, json.dumps({"error": error}).encode(), "application/json")

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        payload: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
