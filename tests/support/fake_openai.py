"""A local OpenAI-compatible chat server for tests: scripted answers, recorded requests.

It listens on 127.0.0.1 on a free port and implements ``POST /v1/chat/completions``. Each
request takes the next scripted answer from a queue (a reply, an HTTP error, a stall); with
nothing scripted it answers 418 so that a test which forgot to script fails loudly and is
not retried. Every request is recorded with its headers and JSON body::

    with FakeOpenAI() as fake:
        fake.fail(429)
        fake.reply({"text": "Hi", "confidence": 90, "intent": "ANSWER"})
        client = OpenAiCompatibleClient(fake.base_url, "test-key")
        ...
        assert len(fake.requests) == 2

Stopping wakes any stalled answer, closes the socket and joins every thread.
"""

from __future__ import annotations

import collections
import itertools
import json
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import attrs

CHAT_PATH = "/v1/chat/completions"
NOTHING_SCRIPTED = 418

Render = Callable[[Any], bytes]


@attrs.frozen
class RecordedRequest:
    """One request the fake received; header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any  # the decoded JSON body, or None when it was not JSON

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages of a chat completion request."""
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []


@attrs.frozen
class _Scripted:
    status: int
    render: Render
    headers: Mapping[str, str] = attrs.field(factory=dict)
    delay_s: float = 0.0
    content_type: str = "application/json"


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


class FakeOpenAI:
    """The server and its script. Use it as a context manager, or call start() and stop()."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: collections.deque[_Scripted] = collections.deque()
        self._requests: list[RecordedRequest] = []
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- script ---------------------------------------------------------------------------

    def reply(
        self,
        content: str | Mapping[str, Any] | None,
        *,
        prompt_tokens: int | None = 12,
        completion_tokens: int | None = 7,
        model: str | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Answer 200 with ``content`` as the message (a mapping is sent as JSON text).

        ``model`` defaults to the requested one; ``prompt_tokens=None`` leaves out ``usage``.
        """
        text = json.dumps(content) if isinstance(content, Mapping) else content

        def render(request: Any) -> bytes:
            asked = request.get("model") if isinstance(request, dict) else None
            body: dict[str, Any] = {
                "id": f"chatcmpl-fake-{next(self._ids)}",
                "object": "chat.completion",
                "created": 0,
                "model": model or asked or "fake-model",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
            }
            if prompt_tokens is not None:
                total = prompt_tokens + (completion_tokens or 0)
                body["usage"] = {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": total,
                }
            return _json(body)

        self._push(_Scripted(200, render, delay_s=delay_s))

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        message: str = "scripted failure",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer ``status`` with an OpenAI-style error body, ``times`` times in a row."""
        body = _json({"error": {"message": message, "type": "fake_error", "code": status}})
        for _ in range(times):
            self._push(_Scripted(status, lambda _request: body, headers=dict(headers or {})))

    def stall(self, seconds: float, *, times: int = 1) -> None:
        """Wait ``seconds`` before answering (a client with a shorter timeout gives up first)."""
        for _ in range(times):
            self.reply({"text": "too late", "confidence": 99, "intent": "ANSWER"}, delay_s=seconds)

    def raw(self, status: int, body: bytes, *, content_type: str = "text/plain") -> None:
        """Answer ``status`` with ``body`` exactly as given."""
        self._push(_Scripted(status, lambda _request: body, content_type=content_type))

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def pending(self) -> int:
        """Scripted answers not used yet."""
        with self._lock:
            return len(self._script)

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The ``base_url`` to give an OpenAI client: ``http://127.0.0.1:<port>/v1``."""
        if self._server is None:
            raise RuntimeError("the fake server is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        """Listen on a free loopback port and serve in a background thread."""
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake stalled answers, stop serving, close the socket and join every thread."""
        if self._server is None or self._thread is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()  # joins the request threads (block_on_close)
        self._thread.join()
        self._server, self._thread = None, None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- used by the request handler ------------------------------------------------------

    def _push(self, scripted: _Scripted) -> None:
        with self._lock:
            self._script.append(scripted)

    def _take(self, request: RecordedRequest) -> _Scripted:
        with self._lock:
            self._requests.append(request)
            if request.method != "POST" or request.path.rstrip("/") != CHAT_PATH:
                return _Scripted(404, lambda _r: _json({"error": {"message": "not found"}}))
            if self._script:
                return self._script.popleft()
        message = {"error": {"message": "fake: nothing scripted for this request"}}
        return _Scripted(NOTHING_SCRIPTED, lambda _r: _json(message))


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # stop() joins them, so nothing outlives the fake
    block_on_close = True

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        fake = self.server.fake
        scripted = fake._take(RecordedRequest(self.command, self.path, headers, body))
        if scripted.delay_s and fake._stopping.wait(scripted.delay_s):
            return  # stopping: drop the connection instead of answering
        payload = scripted.render(body)
        try:
            self.send_response(scripted.status)
            self.send_header("content-type", scripted.content_type)
            self.send_header("content-length", str(len(payload)))
            for name, value in scripted.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (a timeout test): nothing left to answer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""
