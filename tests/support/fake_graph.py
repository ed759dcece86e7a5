"""A local fake of the Graph API's messages endpoint: scripted answers, recorded requests.

It listens on 127.0.0.1 on a free port. Each ``POST /<version>/<phone_number_id>/messages``
takes the next scripted answer (a success with a ``wamid``, a Graph error, a stall); with nothing
scripted it answers a success with a fresh ``wamid``::

    with FakeGraph() as graph:
        graph.error(400, code=131047, title="Re-engagement message")
        channel = CloudApiChannel(http, graph.graph_url, "PHONE_ID", "token")
"""

from __future__ import annotations

import collections
import itertools
import json
import threading
import time
from collections.abc import Mapping
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


class FakeGraph:
    """The server and its script; a context manager, or start() and stop()."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: collections.deque[_Answer] = collections.deque()
        self._requests: list[RecordedRequest] = []
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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
