"""Redis cache for Kakao answers: addresses do not move, and every miss spends the key's daily quota.

A Redis failure only costs the cache (the Kakao call is made); it never fails the request.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions
from fastapi import Response

log = logging.getLogger("ecoeco.location.cache")

TTL_S = 24 * 3600
HEADER = "X-Cache"


def cache_key(kind: str, *parts: object) -> str:
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:24]
    return f"ecoeco:location:{kind}:{digest}"


async def cached(
    r: aioredis.Redis, key: str, response: Response, produce: Callable[[], Awaitable[Any]]
) -> Any:
    try:
        raw = await r.get(key)
    except (redis.exceptions.RedisError, OSError) as exc:
        log.warning("geocode cache read failed: %s", type(exc).__name__)
        raw = None
    if raw is not None:
        response.headers[HEADER] = "hit"
        return json.loads(raw)
    value = await produce()
    response.headers[HEADER] = "miss"
    try:
        await r.set(key, json.dumps(value, ensure_ascii=False), ex=TTL_S)
    except (redis.exceptions.RedisError, OSError) as exc:
        log.warning("geocode cache write failed: %s", type(exc).__name__)
    return value
