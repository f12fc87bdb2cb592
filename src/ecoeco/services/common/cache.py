"""Redis: the app's ``redis.asyncio`` client and the ``get_redis`` dependency."""

from __future__ import annotations

import redis.asyncio as aioredis
from fastapi import Request


def make_redis(redis_url: str) -> aioredis.Redis:
    # Short timeouts: a down Redis must turn into a quick 503, not a hung request.
    return aioredis.Redis.from_url(
        redis_url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0
    )


def get_redis(request: Request) -> aioredis.Redis:
    """FastAPI dependency: the app's Redis client (decode_responses=True: values are str)."""
    return request.app.state.redis


async def check_redis(client: aioredis.Redis) -> None:
    if not await client.ping():
        raise RuntimeError("PING failed")
