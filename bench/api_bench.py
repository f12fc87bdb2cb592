"""API throughput and tail latency on ONE uvicorn worker (``ecoeco-api SERVICE``), on 127.0.0.1.

Measures (plus ``GET /health`` as the framework-only baseline):
  * token verification: ``GET /api/v1/auth/me`` with a valid access token (JWT check, Redis denylist
    lookup, one PostgreSQL read);
  * a cached recycle-info read: ``GET /api/v1/recycle-info/categories`` (Redis cache hit).

Each service runs as its own process on a free port against a throw-away PostgreSQL database and
Redis db 1; the load generator is a minimal asyncio keep-alive HTTP/1.1 client with a fixed
concurrency and a fixed request count, after a warm-up. Prints requests/s and p50/p99. The client shares the 2 CPU cores
with the server, so figures are a floor, not the server's ceiling.

    uv run python bench/api_bench.py [--requests 3000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit

import httpx
import psycopg

PG_ADMIN = os.environ.get("ECOECO_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("ECOECO_BENCH_REDIS", "redis://127.0.0.1:6379/1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(service: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecoeco.services.api_cli", service, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{service} exited with {proc.returncode}")
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"{service} not ready in 30 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive HTTP/1.1 GET on an open connection; returns the status code."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = next(
        int(v) for k, _, v in (ln.partition(b":") for ln in lines[1:]) if k.lower() == b"content-length"
    )
    await reader.readexactly(length)
    return status


async def load(
    url: str, headers: dict[str, str], requests: int, concurrency: int
) -> tuple[float, list[float], int]:
    """A minimal keep-alive HTTP/1.1 client: a full client library (httpx) costs more CPU per request
    than the server under test, and the two share the same cores."""
    parsed = urlsplit(url)
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"GET {parsed.path} HTTP/1.1\r\nHost: {parsed.netloc}\r\n{extra}\r\n".encode()
    latencies: list[float] = []
    errors = 0
    remaining = requests

    async def worker() -> None:
        nonlocal remaining, errors
        reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
        try:
            while remaining > 0:
                remaining -= 1
                t0 = time.perf_counter()
                status = await _get(reader, writer, request)
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies, errors


def run_case(name: str, url: str, headers: dict[str, str], requests: int, concurrency: int) -> float:
    asyncio.run(load(url, headers, min(300, requests), concurrency))  # warm-up: connections, caches
    elapsed, lat, errors = asyncio.run(load(url, headers, requests, concurrency))
    lat.sort()
    p99 = lat[max(0, int(len(lat) * 0.99) - 1)]
    print(
        f"{name:<34} {len(lat) / elapsed:8.0f} req/s   p50 {statistics.median(lat) * 1000:6.2f} ms"
        f"   p99 {p99 * 1000:6.2f} ms   errors {errors}   ({len(lat)} requests, concurrency {concurrency})"
    )
    return len(lat) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    db = f"ecoeco_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    env = {
        **os.environ,
        "ECOECO_DATABASE_URL": PG_ADMIN.rsplit("/", 1)[0] + f"/{db}",
        "ECOECO_REDIS_URL": REDIS_URL,
        "ECOECO_LOG_LEVEL": "WARNING",
    }
    procs: list[subprocess.Popen] = []
    try:
        print(
            f"one uvicorn worker per service, 127.0.0.1, {os.cpu_count()} CPU cores shared with the client;"
            f" load average before: {os.getloadavg()[0]:.1f} (figures are only meaningful near 0)"
        )
        auth, auth_base = start_service("auth", env)
        procs.append(auth)
        email = f"bench{uuid.uuid4().hex[:8]}@example.com"
        tokens = httpx.post(
            f"{auth_base}/api/v1/auth/register", json={"email": email, "password": "bench password"}
        ).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        run_case("baseline  GET /health (no I/O)", f"{auth_base}/health", {}, args.requests, args.concurrency)
        run_case(
            "token verification  GET /auth/me",
            f"{auth_base}/api/v1/auth/me",
            headers,
            args.requests,
            args.concurrency,
        )

        if importlib.util.find_spec("ecoeco.services.recycle_info.app") is not None:
            info, info_base = start_service("recycle-info", env)
            procs.append(info)
            url = f"{info_base}/api/v1/recycle-info/categories"
            first = httpx.get(url)
            print(f"  (recycle-info cache: first read X-Cache={first.headers.get('x-cache', '?')})")
            # The ratio the issue tracks: the cached read vs /health of the same process, same run.
            health = run_case(
                "baseline  GET /health (recycle-info)",
                f"{info_base}/health",
                {},
                args.requests,
                args.concurrency,
            )
            cached = run_case(
                "cached read  GET /recycle-info/categories", url, {}, args.requests, args.concurrency
            )
            print(f"cached read / health = {cached / health:.2f}x (same process, same run)")
        else:
            print("recycle-info service not present: cached read skipped")
    finally:
        for proc in procs:
            stop(proc)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
