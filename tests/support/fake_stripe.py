"""A local fake of the Stripe API on 127.0.0.1, for driving the real SDK in tests.

It answers the endpoints b2's gateway uses (Checkout Sessions, portal sessions, invoices,
subscriptions, events), records every request with its headers (``Idempotency-Key``) and decoded
form, and replays the first answer for a repeated idempotency key, as Stripe does. It also signs
webhook payloads with Stripe's scheme, independently of the SDK.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs


def sign(payload: str | bytes, secret: str, timestamp: int) -> str:
    """A ``Stripe-Signature`` header: ``t=<ts>,v1=HMAC_SHA256(secret, "<ts>.<body>")``."""
    body = payload.decode() if isinstance(payload, bytes) else payload
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event(event_id: str, kind: str, created: int, obj: dict[str, Any]) -> dict[str, Any]:
    """A Stripe event object around ``obj``."""
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": created,
        "livemode": False,
        "data": {"object": obj},
    }


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (``a[b][0]=v``) back into nested dicts (lists keep string keys)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return root


@attrs.define
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]


@attrs.define
class FakeStripeState:
    """What the fake knows and has seen; tests seed and inspect it."""

    requests: list[Recorded] = attrs.field(factory=list)
    invoices: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    subscriptions: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    events: list[dict[str, Any]] = attrs.field(factory=list)
    replies: dict[str, tuple[int, dict[str, Any]]] = attrs.field(factory=dict)
    counter: Iterator[int] = attrs.field(factory=lambda: itertools.count(1))
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def made(self, path: str) -> list[Recorded]:
        """The recorded requests to ``path``."""
        return [r for r in self.requests if r.path == path]


def _error(status: int, kind: str, message: str, code: str | None = None) -> tuple[int, Any]:
    return status, {"error": {"type": kind, "message": message, "code": code}}


def _page(items: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict[str, Any]:
    """Stripe list semantics over ``items`` (already newest first)."""
    limit = int(params.get("limit", 10))
    ids = [item["id"] for item in items]
    if "starting_after" in params:
        start = ids.index(params["starting_after"]) + 1 if params["starting_after"] in ids else 0
        chosen, more = items[start : start + limit], len(items) > start + limit
    elif "ending_before" in params:
        end = ids.index(params["ending_before"]) if params["ending_before"] in ids else 0
        chosen, more = items[max(0, end - limit) : end], end - limit > 0
    else:
        chosen, more = items[:limit], len(items) > limit
    return {"object": "list", "data": chosen, "has_more": more, "url": url}


class _Handler(BaseHTTPRequestHandler):
    state: FakeStripeState

    def log_message(self, format: str, *args: Any) -> None:  # stdlib's name
        """Quiet: tests read ``state.requests`` instead."""

    def _answer(self, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(length).decode() if length else split.query
        params = _nest(parse_qsl(form, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        state = self.state
        with state.lock:
            state.requests.append(Recorded(method, split.path, headers, params))
            key = headers.get("idempotency-key") if method == "POST" else None
            if key and key in state.replies:
                status, body = state.replies[key]
            else:
                status, body = self._route(method, split.path, params)
                if key:
                    state.replies[key] = (status, body)
        self._answer(status, body)

    def do_GET(self) -> None:  # stdlib's name
        """Reads."""
        self._handle("GET")

    def do_POST(self) -> None:  # stdlib's name
        """Creations."""
        self._handle("POST")

    def _route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        state = self.state
        if method == "POST" and path == "/v1/checkout/sessions":
            number = next(state.counter)
            return 200, {
                "id": f"cs_test_{number}",
                "object": "checkout.session",
                "mode": params.get("mode"),
                "url": f"https://checkout.stripe.test/c/pay/cs_test_{number}",
                "metadata": params.get("metadata", {}),
            }
        if method == "POST" and path == "/v1/billing_portal/sessions":
            if not str(params.get("customer", "")).startswith("cus_"):
                return _error(400, "invalid_request_error", "No such customer", "resource_missing")
            number = next(state.counter)
            return 200, {
                "id": f"bps_{number}",
                "object": "billing_portal.session",
                "customer": params["customer"],
                "return_url": params.get("return_url"),
                "url": f"https://billing.stripe.test/p/session/bps_{number}",
            }
        if method == "GET" and path == "/v1/invoices":
            items = state.invoices.get(str(params.get("customer")), [])
            return 200, _page(items, params, path)
        if method == "GET" and path.startswith("/v1/subscriptions/"):
            found = state.subscriptions.get(path.rsplit("/", 1)[1])
            if found is None:
                return _error(
                    404, "invalid_request_error", "No such subscription", "resource_missing"
                )
            return 200, found
        if method == "GET" and path == "/v1/events":
            return 200, _page(self._events(params), params, path)
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({path})")

    def _events(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        since = int(params.get("created", {}).get("gte", 0))
        types = set(params.get("types", {}).values())
        chosen = [
            e
            for e in self.state.events
            if e["created"] >= since and (not types or e["type"] in types)
        ]
        # Newest first; among equal times the later one added comes first.
        order = {id(e): i for i, e in enumerate(self.state.events)}
        return sorted(chosen, key=lambda e: (e["created"], order[id(e)]), reverse=True)


@attrs.frozen
class FakeStripe:
    """A running fake: its API base URL and state."""

    url: str
    state: FakeStripeState


@contextmanager
def running() -> Iterator[FakeStripe]:
    """Serve a fresh fake Stripe API on a free loopback port while the block runs."""
    state = FakeStripeState()
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeStripe(f"http://127.0.0.1:{server.server_address[1]}", state)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
