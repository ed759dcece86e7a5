"""A newcomer's first hour: copy the project, run ``b2 demo``, and use it as a client over HTTP.

The project's files (tracked and untracked, minus what ``.gitignore`` drops: ``.venv``, ``.git``,
caches, databases) are copied to a temporary folder, which then works like a fresh clone with
the current working tree. The existing virtualenv runs the copy (``PYTHONPATH=<copy>/src``
wins over the editable install), with the copy as its working directory, so its SQLite data
goes under the copy's ``var/``. Everything after that goes through HTTP only: register a
business, log in, add a service, play customers on the simulator channel, get the offline AI's
answer and an order to approve, run the tenant into its AI limits and get its fallback text,
then stop the server with SIGINT and check it exits 0 and frees its port.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import faults

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
START_DEADLINE_S = 60
FALLBACK = "E2E fallback: our team will answer you soon."
TENANT_BURST = 20  # AI replies a tenant gets per minute (the FREE plan's first burst rule)
CROWD = 24  # with the two answers before, more than the burst lets through


def _copy_project(target: Path) -> Path:
    """Copy what a clone plus the current uncommitted work would contain."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    )  # fmt: skip
    copied = 0
    for name in listed.stdout.decode().split("\0"):
        source = REPO / name
        if not name or not source.is_file():  # deleted in the working tree
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
        copied += 1
    assert copied > 100, "the copy looks empty"
    return target


def _environment(project: Path, port: int) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("B2_")},
        "PYTHONPATH": str(project / "src"),
        "B2_PORT": str(port),
        "B2_BCRYPT_COST": "4",
    }


def _wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while True:
        assert process.poll() is None, process.communicate()[1]
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "b2 demo did not come up"
        time.sleep(0.2)


class Client:
    """The newcomer's HTTP client, signed in once :meth:`login` ran."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=f"{base}/api/v1", timeout=10)

    def login(self, email: str, password: str) -> None:
        response = self.http.post("/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        self.http.headers["authorization"] = f"Bearer {response.json()['access_token']}"

    def call(self, method: str, path: str, status: int, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.text}"
        return response.json()

    def replies(self, expected: int) -> list[dict[str, Any]]:
        """The outbox once it holds ``expected`` replies."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            items: list[dict[str, Any]] = self.call("GET", "/channels/simulator/outbox", 200)[
                "items"
            ]
            if len(items) >= expected:
                assert len(items) == expected, items
                return items
            time.sleep(0.1)
        raise AssertionError(f"the outbox never reached {expected} replies")

    def say(self, customer: str, text: str) -> dict[str, Any]:
        """One simulated customer message; returns the reply it got."""
        before = len(self.call("GET", "/channels/simulator/outbox", 200)["items"])
        self.call("POST", "/channels/simulator/inbound", 202,
                  json={"customer_id": customer, "text": text})  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            items = self.call("GET", "/channels/simulator/outbox", 200)["items"]
            if len(items) > before:
                (reply,) = items[before:]
                assert reply["customer_id"] == customer
                found: dict[str, Any] = reply
                return found
            time.sleep(0.1)
        raise AssertionError(f"no reply to {customer}")


def _newcomer_session(base: str) -> None:
    client = Client(base)
    email = f"owner-{secrets.token_hex(4)}@quickstart.example"
    password = "quickstart-password-42"
    registered = client.call("POST", "/auth/register", 201, json={
        "business_name": "Quickstart Cakes", "email": email, "password": password,
    })  # fmt: skip
    assert registered
    client.login(email, password)
    me = client.call("GET", "/me", 200)
    assert me["role"] == "TENANT_ADMIN"
    assert me["tenant_id"]

    service = client.call("POST", "/services", 201, json={
        "name": "Chocolate Cake", "description": "A rich chocolate cake for 8 people.",
        "price_minor": 250000, "currency": "PKR", "active": True,
    })  # fmt: skip
    assert service["name"] == "Chocolate Cake"
    listed = client.call("GET", "/services", 200)
    assert [s["name"] for s in listed["items"]] == ["Chocolate Cake"]

    answer = client.say("newcomer-1", "Tell me about the chocolate cake")
    assert "Chocolate Cake: PKR 2,500" in answer["text"], answer

    order_reply = client.say("newcomer-2", "I want to order 2 chocolate cake")
    assert "awaiting approval" in order_reply["text"], order_reply
    (order,) = client.call("GET", "/orders", 200)["items"]
    assert order["status"] == "PENDING_APPROVAL"
    approved = client.call("POST", f"/orders/{order['order_id']}/approve", 200)
    assert approved["status"] == "APPROVED"

    # Limits: the tenant words its own fallback, then customers keep writing until the
    # governance stops the AI (the tenant burst of 20 a minute comes before the daily 50).
    fallbacks = dict.fromkeys(("RATE_LIMITED", "DAILY_LIMIT", "MONTHLY_LIMIT"), FALLBACK)
    changed = client.call("PATCH", "/ai/settings", 200, json={"fallbacks": fallbacks})
    assert changed["fallbacks"]["RATE_LIMITED"] == FALLBACK
    for n in range(CROWD):  # all at once, as a busy shop's customers would
        message = {"customer_id": f"crowd-{n}", "text": "Tell me about the cake"}
        client.call("POST", "/channels/simulator/inbound", 202, json=message)
    texts = [reply["text"] for reply in client.replies(expected=2 + CROWD)[2:]]
    answered = sum("PKR 2,500" in text for text in texts)
    assert texts.count(FALLBACK) == CROWD - answered, texts
    assert 0 < answered <= TENANT_BURST - 2, "the AI was never stopped by its limits"
    usage = client.call("GET", "/ai/usage", 200)
    assert any(item["blocked"] for item in usage["items"])


@pytest.mark.slow
def test_a_newcomer_runs_the_demo_from_a_copy_of_the_project(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "b2")
    port = faults.free_port()
    env = _environment(project, port)
    where = subprocess.run(
        [PYTHON, "-c", "import b2app; print(b2app.__file__)"],
        cwd=project, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.strip().startswith(str(project)), "the copy's code must be the one run"

    process = subprocess.Popen(
        [PYTHON, "-m", "b2app.cli", "demo"], cwd=project, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, process)
        assert httpx.get(f"{base}/ready", timeout=5).status_code == 200
        _newcomer_session(base)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "API docs" in out
    assert not faults.port_open(port), "the port is still taken after the server stopped"
    assert (project / "var" / "b2.db").is_file(), "the demo keeps its data under ./var"
