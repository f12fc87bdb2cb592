"""Cache-aside for read endpoints: JSON in Redis with a TTL, hits and misses counted in ``/metrics``.

The key carries a digest of the packaged data, so a release with new guides never serves the old
ones. A Redis outage degrades to computing the answer (the data is local), never to an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from importlib import resources
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions
from fastapi import FastAPI, Response
from prometheus_client import Counter

log = logging.getLogger("ecoeco.cache")

CACHE_HEADER = "X-Cache"


def data_digest(package: str) -> str:
    """Short digest of every file under ``<package>/data``: part of every cache key."""
    h = hashlib.sha256()
    for entry in sorted(resources.files(package).joinpath("data").iterdir(), key=lambda p: p.name):
        if entry.is_file():
            h.update(entry.name.encode())
            h.update(entry.read_bytes())
    return h.hexdigest()[:12]


class ResponseCache:
    def __init__(self, app: FastAPI, namespace: str, ttl_s: int, version: str) -> None:
        self.prefix = f"ecoeco:{namespace}:cache:{version}:"
        self.ttl_s = ttl_s
        self.lookups = Counter(
            "ecoeco_cache_lookups_total",
            "Response cache lookups by result (hit, miss, error = Redis unavailable)",
            ["service", "result"],
            registry=app.state.metrics.registry,
        )
        self.service = app.state.service

    async def get_or_build(
        self, redis_client: aioredis.Redis, key: str, build: Callable[[], Any], response: Response
    ) -> Any:
        full_key = self.prefix + key
        try:
            raw = await redis_client.get(full_key)
        except (redis.exceptions.RedisError, OSError) as exc:
            log.warning("cache read failed: %s", type(exc).__name__)
            self.lookups.labels(self.service, "error").inc()
            response.headers[CACHE_HEADER] = "bypass"
            return build()
        if raw is not None:
            self.lookups.labels(self.service, "hit").inc()
            response.headers[CACHE_HEADER] = "hit"
            return json.loads(raw)
        value = build()
        self.lookups.labels(self.service, "miss").inc()
        response.headers[CACHE_HEADER] = "miss"
        try:
            await redis_client.set(full_key, json.dumps(value, ensure_ascii=False), ex=self.ttl_s)
        except (redis.exceptions.RedisError, OSError) as exc:
            log.warning("cache write failed: %s", type(exc).__name__)
        return value
