"""Local fakes of a WAHA and an Evolution API server: sessions, sends, recorded requests.

Each listens on 127.0.0.1 on a free port and checks the API key header. Sends answer the
provider's shape with a fresh message id; sessions move STOPPED -> waiting for a QR scan on
start, and to connected when a test calls :meth:`FakeBridge.scan`. A scripted answer replaces
the next matching request's::

    with FakeBridge("waha", api_key="k") as bridge:
        bridge.add_session("default")
        bridge.answer(429, {"error": "slow down"}, path_contains="sendText")
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

QR_VALUE = "2@fake-qr-payload,abc,def"
PAIRING_CODE = "ABCD-1234"
WAHA_STATES = {"stopped": "STOPPED", "qr": "SCAN_QR_CODE", "connected": "WORKING"}
EVOLUTION_STATES = {"stopped": "close", "qr": "connecting", "connected": "open"}


@attrs.frozen
class RecordedRequest:
    """One request the fake received; header names are lower-case."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any  # decoded JSON, or None


@attrs.frozen
class _Scripted:
    status: int
    body: Any
    headers: Mapping[str, str]
    path_contains: str | None


Route = tuple[str, re.Pattern[str], Callable[..., tuple[int, Any]]]


class FakeBridge:
    """One fake bridge server (``provider`` is ``waha`` or ``evolution``)."""

    def __init__(self, provider: str, *, api_key: str = "bridge-api-key") -> None:
        if provider not in ("waha", "evolution"):
            raise ValueError(provider)
        self.provider = provider
        self.api_key = api_key
        self.sessions: dict[str, str] = {}  # name -> stopped | qr | connected
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._script: list[_Scripted] = []
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes = self._waha_routes() if provider == "waha" else self._evolution_routes()

    # -- the test's side -------------------------------------------------------------------

    def add_session(self, name: str, state: str = "stopped") -> None:
        """Let the bridge know session ``name`` in ``state`` (stopped, qr or connected)."""
        with self._lock:
            self.sessions[name] = state

    def scan(self, name: str) -> None:
        """The phone scanned the QR code: the session is connected."""
        self.add_session(name, "connected")

    def answer(
        self,
        status: int,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        path_contains: str | None = None,
    ) -> None:
        """Answer the next request (whose path contains ``path_contains``) this way instead."""
        with self._lock:
            self._script.append(_Scripted(status, body, dict(headers or {}), path_contains))

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def sends(self) -> list[RecordedRequest]:
        """The requests that sent a message to a customer."""
        return [
            r
            for r in self.requests
            if "/send" in r.path and "Presence" not in r.path and "sendSeen" not in r.path
        ]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError("the fake bridge is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- WAHA ------------------------------------------------------------------------------

    def _waha_routes(self) -> list[Route]:
        return [
            ("POST", re.compile(r"/api/send(Text|Image|Voice|Video|File)"), self._waha_send),
            ("POST", re.compile(r"/api/(startTyping|stopTyping|sendSeen)"), self._ok),
            ("GET", re.compile(r"/api/sessions/(?P<name>[^/]+)"), self._waha_session),
            ("POST", re.compile(r"/api/sessions"), self._waha_create),
            ("POST", re.compile(r"/api/sessions/(?P<name>[^/]+)/start"), self._start),
            ("POST", re.compile(r"/api/sessions/(?P<name>[^/]+)/stop"), self._stop),
            ("GET", re.compile(r"/api/(?P<name>[^/]+)/auth/qr"), self._waha_qr),
            ("POST", re.compile(r"/api/(?P<name>[^/]+)/auth/request-code"), self._pairing),
        ]

    def _waha_send(self, request: RecordedRequest) -> tuple[int, Any]:
        chat = (request.body or {}).get("chatId", "")
        serialized = f"true_{chat}_FAKE{next(self._ids):06d}"
        return 201, {"id": {"fromMe": True, "remote": chat, "_serialized": serialized}}

    def _waha_session(self, request: RecordedRequest, name: str) -> tuple[int, Any]:
        if name not in self.sessions:
            return 404, {"error": "Session not found"}
        return 200, {"name": name, "status": WAHA_STATES[self.sessions[name]]}

    def _waha_create(self, request: RecordedRequest) -> tuple[int, Any]:
        name = (request.body or {}).get("name", "default")
        if name in self.sessions:
            return 422, {"error": "Session already exists"}
        self.sessions[name] = "qr" if (request.body or {}).get("start") else "stopped"
        return 201, {"name": name, "status": WAHA_STATES[self.sessions[name]]}

    def _waha_qr(self, request: RecordedRequest, name: str) -> tuple[int, Any]:
        if self.sessions.get(name) != "qr":
            return 422, {"error": "Session status is not as expected", "status": "WORKING"}
        return 200, {"value": QR_VALUE}

    # -- Evolution -------------------------------------------------------------------------

    def _evolution_routes(self) -> list[Route]:
        name = r"(?P<name>[^/]+)"
        return [
            (
                "POST",
                re.compile(r"/message/(sendText|sendMedia|sendWhatsAppAudio)/" + name),
                self._evolution_send,
            ),
            ("POST", re.compile(r"/chat/(sendPresence|markMessageAsRead)/" + name), self._ok),
            ("GET", re.compile(r"/instance/connectionState/" + name), self._evolution_state),
            ("GET", re.compile(r"/instance/connect/" + name), self._evolution_connect),
            ("POST", re.compile(r"/instance/create"), self._evolution_create),
            ("DELETE", re.compile(r"/instance/logout/" + name), self._stop),
        ]

    def _evolution_send(
        self, request: RecordedRequest, *groups: str, **names: str
    ) -> tuple[int, Any]:
        if names.get("name") not in self.sessions:
            return 404, {
                "status": 404,
                "error": "Not Found",
                "response": {"message": ["no instance"]},
            }
        number = (request.body or {}).get("number", "")
        return 201, {
            "key": {
                "remoteJid": f"{number}@s.whatsapp.net",
                "fromMe": True,
                "id": f"BAE5FAKE{next(self._ids):06d}",
            },
            "status": "PENDING",
        }

    def _evolution_state(self, request: RecordedRequest, name: str) -> tuple[int, Any]:
        if name not in self.sessions:
            return 404, {"status": 404, "error": "Not Found"}
        return 200, {
            "instance": {"instanceName": name, "state": EVOLUTION_STATES[self.sessions[name]]}
        }

    def _evolution_connect(self, request: RecordedRequest, name: str) -> tuple[int, Any]:
        if name not in self.sessions:
            return 404, {"status": 404, "error": "Not Found"}
        if request.query.get("number"):
            return 200, {"pairingCode": PAIRING_CODE, "code": QR_VALUE, "count": 1}
        if self.sessions[name] == "connected":
            return 200, {"instance": {"instanceName": name, "state": "open"}}
        self.sessions[name] = "qr"
        return 200, {
            "pairingCode": None,
            "code": QR_VALUE,
            "base64": "data:image/png;base64,AA",
            "count": 1,
        }

    def _evolution_create(self, request: RecordedRequest) -> tuple[int, Any]:
        name = (request.body or {}).get("instanceName", "")
        if name in self.sessions:
            return 403, {"status": 403, "error": "Forbidden", "response": {"message": ["in use"]}}
        self.sessions[name] = "qr"
        return 201, {
            "instance": {"instanceName": name, "status": "connecting"},
            "qrcode": {"code": QR_VALUE, "base64": "data:image/png;base64,AA"},
        }

    # -- shared ----------------------------------------------------------------------------

    def _ok(self, request: RecordedRequest, *groups: str, **names: str) -> tuple[int, Any]:
        return 201, {}

    def _start(self, request: RecordedRequest, name: str) -> tuple[int, Any]:
        if name not in self.sessions:
            return 404, {"error": "Session not found"}
        self.sessions[name] = "qr"
        return 201, {"name": name, "status": "STARTING"}

    def _stop(self, request: RecordedRequest, name: str) -> tuple[int, Any]:
        if name not in self.sessions:
            return 404, {"error": "Session not found"}
        self.sessions[name] = "stopped"
        return 200, {"name": name, "status": "STOPPED"}

    def _pairing(self, request: RecordedRequest, name: str) -> tuple[int, Any]:
        return 201, {"code": PAIRING_CODE}

    def _route(self, request: RecordedRequest) -> tuple[int, Any, Mapping[str, str]]:
        key_header = "x-api-key" if self.provider == "waha" else "apikey"
        with self._lock:
            self._requests.append(request)
            for i, scripted in enumerate(self._script):
                if scripted.path_contains is None or scripted.path_contains in request.path:
                    del self._script[i]
                    return scripted.status, scripted.body, scripted.headers
            if request.headers.get(key_header) != self.api_key:
                return 401, {"statusCode": 401, "message": "Unauthorized"}, {}
            for method, pattern, handler in self._routes:
                found = pattern.fullmatch(request.path)
                if method == request.method and found:
                    status, body = (
                        handler(request, **found.groupdict())
                        if found.groupdict()
                        else handler(request)
                    )
                    return status, body, {}
        return 404, {"error": "no such route"}, {}

    # -- the server ------------------------------------------------------------------------

    def start(self) -> FakeBridge:
        """Listen on a free loopback port and serve in a background thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_DELETE(self) -> None:
                fake._handle(self, "DELETE")

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: tests read the recorded requests instead."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and join the thread."""
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server, self._thread = None, None

    def __enter__(self) -> FakeBridge:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        request = RecordedRequest(method, parts.path, query, headers, body)
        status, answer, extra = self._route(request)
        payload = json.dumps(answer).encode() if answer is not None else b""
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in extra.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
