"""Redis: the app's ``redis.asyncio`` client and the ``get_redis`` dependency.

A client made by ``Redis.from_url`` has no retry at all, so after a Redis restart (or a killed
connection) every pooled connection failed one request each — "revocation list unavailable" for
minutes under light traffic. Here a command that fails on a dead connection reconnects and retries
once, connections idle longer than ``HEALTH_CHECK_INTERVAL_S`` are PINGed before use, and new
connections go through the Redis breaker so a known-down Redis costs no connect timeout.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions
from fastapi import Request
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from ecoeco.services.common.breaker import Breaker

HEALTH_CHECK_INTERVAL_S = 15
SOCKET_TIMEOUT_S = 2.0


class CircuitOpenError(redis.exceptions.ConnectionError):
    """Redis failed moments ago; not tried again until the breaker's window ends."""


def _guarded(base: type[AbstractConnection], breaker: Breaker) -> type[AbstractConnection]:
    """``base`` (plain, TLS or unix socket) whose connecting honours and feeds ``breaker``."""

    class GuardedConnection(base):  # type: ignore[valid-type,misc]
        async def connect_check_health(
            self, check_health: bool = True, retry_socket_connect: bool = True
        ) -> None:
            if self.is_connected:
                return
            if not breaker.allow():
                raise CircuitOpenError(f"Redis unavailable; next attempt in {breaker.retry_after_s()}s")
            try:
                await super().connect_check_health(check_health, retry_socket_connect)
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                breaker.record_failure()
                raise
            breaker.record_success()

    GuardedConnection.__name__ = f"Guarded{base.__name__}"
    return GuardedConnection


def client_name(service: str) -> str:
    """Shown by CLIENT LIST: which service, pod and process holds a connection."""
    return f"ecoeco-{service}@{socket.gethostname()}/{os.getpid()}"


def make_redis(redis_url: str, *, breaker: Breaker | None = None, name: str | None = None) -> aioredis.Redis:
    # Short timeouts: a down Redis must turn into a quick 503, not a hung request.
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": SOCKET_TIMEOUT_S,
        "socket_connect_timeout": SOCKET_TIMEOUT_S,
        "health_check_interval": HEALTH_CHECK_INTERVAL_S,
        # One retry on a fresh connection: enough for a connection Redis dropped, short when it is down.
        "retry": Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=1),
        "retry_on_error": [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
    }
    if name:
        options["client_name"] = name
    client = aioredis.Redis.from_url(redis_url, **options)
    pool = client.connection_pool
    pool.connection_class = _guarded(pool.connection_class, breaker or Breaker("redis"))
    return client


async def get_redis(request: Request) -> aioredis.Redis:
    """FastAPI dependency: the app's Redis client (decode_responses=True: values are str).
    ``async`` so FastAPI calls it inline: a plain ``def`` dependency runs in the thread pool, a
    thread hop per request (12 % of a cached read's CPU in the profile)."""
    return request.app.state.redis


async def check_redis(client: aioredis.Redis) -> None:
    if not await client.ping():
        raise RuntimeError("PING failed")
