"""The product starts from the command line, answers its probes and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

B2 = str(Path(sys.executable).with_name("b2"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, deadline: float) -> httpx.Response:
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _play_a_customer(base: str) -> None:
    """The demo bakery answers a simulated customer from its catalog (SQLite, in-process)."""
    login = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"email": "owner@demo-bakery.example", "password": "b2-demo-owner-password"},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    headers = {"authorization": f"Bearer {login.json()['access_token']}"}
    sent = httpx.post(
        f"{base}/api/v1/channels/simulator/inbound",
        json={"customer_id": "c1", "text": "Tell me about the chocolate cake"},
        headers=headers,
        timeout=10,
    )
    assert sent.status_code == 202, sent.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        outbox = httpx.get(f"{base}/api/v1/channels/simulator/outbox", headers=headers, timeout=5)
        items = outbox.json()["items"]
        if items:
            assert "Chocolate Cake" in items[0]["text"]
            return
        time.sleep(0.2)
    raise AssertionError("the demo never answered the simulated customer")


@pytest.mark.slow
def test_demo_serves_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("B2_")},
        "B2_PORT": str(port),
        "B2_DATA_DIR": str(tmp_path / "var"),
        "B2_BCRYPT_COST": "4",
    }
    process = subprocess.Popen(
        [B2, "demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert _wait_for(f"{base}/health", time.monotonic() + 60).status_code == 200
        ready = httpx.get(f"{base}/ready", timeout=5)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"] == "ok"
        schema = httpx.get(f"{base}/schema/openapi.json", timeout=5).json()
        assert "/health" in schema["paths"]
        assert any(path.startswith("/api/v1/") for path in schema["paths"])
        _play_a_customer(base)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "API docs" in out
    assert "login" in out
