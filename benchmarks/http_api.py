"""HTTP requests per second and p99 latency of the API, against a bare Litestar app.

Two endpoints of a running ``b2 serve`` (uvicorn in its own process, PostgreSQL, Redis,
Dramatiq's RedisBroker, no worker: the production layout of an API process):

- **list**: ``GET /api/v1/services`` as a tenant admin with 20 services (bearer token checked,
  tenant resolved, the page read from PostgreSQL under row-level security, serialized);
- **webhook**: ``POST /api/v1/webhooks/whatsapp/{channel_id}`` with one signed text message
  per request, a new message id each time (channel looked up, HMAC checked, payload parsed,
  de-duplicated on Redis, one ``pipeline.inbound`` job queued on Redis).

Baseline, in the same run: **bare** - a Litestar app with just these two routes returning the
very same JSON (the list body fetched from b2 before the run; the webhook's ``{"messages": 1,
"statuses": 0}``), served by the same uvicorn the same way. Both run in alternating rounds,
each round a fixed time; the ratio is b2 / bare (median of the rounds' ratios).

The load generator is this process: asyncio tasks with httpx, one connection each, on
loopback. On a small machine it shares the cores with the server, so absolute figures are a
floor; the ratio is the figure to compare. (``wrk`` is not used: it is not installed here.)

Run: ``.venv/bin/python benchmarks/http_api.py`` (or ``nox -s bench``); ``--seconds S`` per
round (default 2), ``--rounds R`` (default 3), ``--concurrency C`` (default 8). Its database,
Redis keys and queued jobs are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import bench_support as bench
import httpx

APP_SECRET = "bench-app-secret-0123456789abcdef"
PHONE_ID = "106540352242922"

Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


def webhook_body(n: int, tag: str) -> bytes:
    """One Cloud API delivery with one text message whose id is new for each ``n``."""
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "bench-waba",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": PHONE_ID,
                            },
                            "contacts": [{"profile": {"name": "Bench"}, "wa_id": "16315551181"}],
                            "messages": [
                                {
                                    "from": f"1631555{n % 10000:04d}",
                                    "id": f"wamid.{tag}.{n}",
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": "Do you have chocolate cake?"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload).encode()


def signed(raw: bytes) -> dict[str, str]:
    """Meta's signature header for ``raw`` under the bench app secret."""
    digest = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


async def load(base: str, request: Request, seconds: float, concurrency: int) -> list[float]:
    """Latencies (ms) of the requests ``concurrency`` tasks completed within ``seconds``."""
    latencies: list[float] = []
    counter = iter(range(10**12))
    deadline = time.perf_counter() + seconds

    async def user() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await request(client, next(counter))
                if response.status_code != 200:
                    raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
                latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(user() for _ in range(concurrency)))
    return latencies


def setup_b2(base: str) -> tuple[Request, Request, bytes]:
    """A tenant with 20 services and a WhatsApp channel; the two requests and the list body."""
    headers = bench.tenant_admin(base)
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for n in range(19):
            created = client.post(
                f"{bench.API}/services",
                json={"name": f"Cake {n}", "price_minor": 1000 + n, "currency": "USD"},
            )
            assert created.status_code == 201, created.text
        channel = client.post(
            f"{bench.API}/channels",
            json={
                "kind": "whatsapp_cloud",
                "phone_number_id": PHONE_ID,
                "access_token": "EAAG-" + "t" * 40,
                "app_secret": APP_SECRET,
                "verify_token": "bench-verify-token",
            },
        )
        if channel.status_code != 201:
            raise RuntimeError(f"channel: {channel.status_code} {channel.text}")
        channel_id = channel.json()["id"]
        listed = client.get(f"{bench.API}/services")
        assert listed.status_code == 200, listed.text
        assert len(listed.json()["items"]) == 20, listed.text
    tag = secrets.token_hex(4)

    async def list_services(client: httpx.AsyncClient, _: int) -> httpx.Response:
        return await client.get(f"{bench.API}/services", headers=headers)

    async def webhook(client: httpx.AsyncClient, n: int) -> httpx.Response:
        raw = webhook_body(n, tag)
        url = f"{bench.API}/webhooks/whatsapp/{channel_id}"
        return await client.post(url, content=raw, headers=signed(raw))

    return list_services, webhook, listed.content


def run(
    args: argparse.Namespace, b2_base: str, bare_base: str, body: bytes, b2: dict[str, Request]
) -> None:
    """Alternate b2 and bare rounds per endpoint; print the figures and the ratios."""
    bare: dict[str, Request] = {
        "list": lambda client, _: client.get(f"{bench.API}/services"),
        "webhook": lambda client, n: client.post(
            f"{bench.API}/webhooks/whatsapp/bench",
            content=webhook_body(n, "bare"),
            headers=signed(webhook_body(n, "bare")),
        ),
    }
    for endpoint in ("list", "webhook"):
        servers = {"b2": (b2_base, b2[endpoint]), "bare": (bare_base, bare[endpoint])}
        for base, request in servers.values():
            asyncio.run(load(base, request, min(0.5, args.seconds), args.concurrency))  # warm
        rates: dict[str, list[float]] = {name: [] for name in servers}
        p99s: dict[str, list[float]] = {name: [] for name in servers}
        for round_ in range(args.rounds):
            for name in sorted(servers, reverse=round_ % 2 == 1):
                base, request = servers[name]
                started = time.perf_counter()
                latencies = asyncio.run(load(base, request, args.seconds, args.concurrency))
                rates[name].append(len(latencies) / (time.perf_counter() - started))
                p99s[name].append(bench.percentile(latencies, 0.99))
                print(
                    f"  {endpoint:<8} {name:<5} round {round_ + 1}: {rates[name][-1]:8.1f} req/s,"
                    f" {bench.describe(latencies)}"
                )
        ratio = statistics.median(b / r for b, r in zip(rates["b2"], rates["bare"], strict=True))
        for name in servers:
            print(
                f"{endpoint:<8} {name:<5} {statistics.median(rates[name]):8.1f} req/s, p99 "
                f"{statistics.median(p99s[name]):6.1f} ms (medians of {args.rounds} rounds)"
            )
        print(f"{endpoint:<8} ratio b2/bare: {ratio:.3f} (requests per second)")
    del body


def main() -> None:
    """Start both servers, measure, stop them, drop the database and the keys."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(bench.machine())
    print(
        f"httpx {httpx.__version__} load generator, {args.concurrency} connections, "
        f"{args.rounds} rounds of {args.seconds} s per server and endpoint"
    )
    with (
        bench.postgres_database("http") as url,
        bench.redis_prefix() as prefix,
        bench.processes() as group,
        tempfile.TemporaryDirectory(prefix="b2bench-") as folder,
    ):
        env = bench.b2_env(
            database_url=url,
            redis_url=bench.REDIS_URL,
            broker_url=bench.REDIS_URL,
            redis_prefix=prefix,
            in_process_worker="false",
        )
        group.migrate(url)
        b2_port, bare_port = bench.free_port(), bench.free_port()
        b2_base, bare_base = f"http://127.0.0.1:{b2_port}", f"http://127.0.0.1:{bare_port}"
        api = group.start(["serve"], {**env, "B2_PORT": str(b2_port)})
        bench.wait_until_up(b2_base, api)
        list_services, webhook, body = setup_b2(b2_base)
        body_file = Path(folder) / "services.json"
        body_file.write_bytes(body)
        bare = group.start(["bare-http", str(bare_port), str(body_file)], {})
        bench.wait_until_up(bare_base, bare)
        run(args, b2_base, bare_base, body, {"list": list_services, "webhook": webhook})


if __name__ == "__main__":
    main()
