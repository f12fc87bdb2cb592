"""Shared fixtures for the real local services (PostgreSQL, RabbitMQ, Redis).

Each test session gets its own PostgreSQL database and RabbitMQ vhost, so test runs (and the
sandbox) never see each other's queues or rows. Area-specific fixtures live in each folder's
own conftest.py.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

PG_ADMIN_DSN = os.environ.get("ECOECO_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBIT_MGMT = os.environ.get("ECOECO_TEST_RABBITMQ_MGMT", "http://127.0.0.1:15672")
RABBIT_HOST = "127.0.0.1:5672"
REDIS_BASE = os.environ.get("ECOECO_TEST_REDIS", "redis://127.0.0.1:6379")

# Tests never read the developer's own console.toml or sandbox: each test process starts with an empty
# state dir and no config file (a test that needs either sets its own; subprocesses inherit these).
_ISOLATED = tempfile.mkdtemp(prefix="ecoeco-tests-")
atexit.register(shutil.rmtree, _ISOLATED, True)
os.environ["ECOECO_SANDBOX_DIR"] = os.path.join(_ISOLATED, "sandbox")
os.environ["ECOECO_CONSOLE_CONFIG"] = os.path.join(_ISOLATED, "console.toml")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (servers we start never assume a default)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """A local AWS endpoint (moto server mode: S3, CloudFront, ...) on a free loopback port."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def create_database(prefix: str = "ecoeco_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_vhost(prefix: str = "ecoeco-test") -> str:
    vhost = f"{prefix}-{uuid.uuid4().hex[:10]}"
    auth = ("guest", "guest")
    r = httpx.put(f"{RABBIT_MGMT}/api/vhosts/{vhost}", auth=auth, timeout=10)
    r.raise_for_status()
    r = httpx.put(
        f"{RABBIT_MGMT}/api/permissions/{vhost}/guest",
        auth=auth,
        json={"configure": ".*", "write": ".*", "read": ".*"},
        timeout=10,
    )
    r.raise_for_status()
    return vhost


def delete_vhost(vhost: str) -> None:
    httpx.delete(f"{RABBIT_MGMT}/api/vhosts/{vhost}", auth=("guest", "guest"), timeout=10)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session, dropped afterwards."""
    name = create_database()
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        drop_database(name)


@pytest.fixture(scope="session")
def rabbit_vhost() -> Iterator[str]:
    vhost = create_vhost()
    try:
        yield vhost
    finally:
        delete_vhost(vhost)


@pytest.fixture(scope="session")
def broker_url(rabbit_vhost: str) -> str:
    return f"amqp://guest:guest@{RABBIT_HOST}/{rabbit_vhost}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    # db 0 belongs to the sandbox; each xdist worker gets its own db (1, 2, ...): key names such as the
    # phash cache's are the product's, and one worker's clean-up must not delete another's keys.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return f"{REDIS_BASE}/{1 + int(worker) % 12 if worker.isdigit() else 1}"
