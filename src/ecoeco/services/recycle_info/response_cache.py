"""Cache-aside for read endpoints: JSON in Redis with a TTL, hits and misses counted in ``/metrics``.

The key carries a digest of the packaged data, so a release with new guides never serves the old
ones. A Redis outage degrades to computing the answer (the data is local), never to an error.

Profile of a hit (docs/decisions/performance-platform.md): the Redis round trip, ``json.loads`` of
the cached text and FastAPI validating and serialising it again through the response model cost
more than the framework itself. Now the JSON is validated through the model once, when it is built,
and a hit returns the stored bytes as they are; since a key names its data (the digest), the same
bytes are also kept in a small in-process LRU for ``LOCAL_TTL_S``, so most hits never leave the
process. Hit and miss send identical bodies.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from importlib import resources
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions
from fastapi import FastAPI, Response
from prometheus_client import Counter
from pydantic import BaseModel

log = logging.getLogger("ecoeco.cache")

CACHE_HEADER = "X-Cache"
LOCAL_ENTRIES = 512
LOCAL_TTL_S = 60.0
JSON = "application/json"


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
        # v2: the value is the response model's JSON (before: the built dict, validated per read).
        self.prefix = f"ecoeco:{namespace}:cache:v2:{version}:"
        self.ttl_s = ttl_s
        self.lookups = Counter(
            "ecoeco_cache_lookups_total",
            "Response cache lookups by result (hit, miss, error = Redis unavailable)",
            ["service", "result"],
            registry=app.state.metrics.registry,
        )
        self.service = app.state.service
        self._hit = self.lookups.labels(self.service, "hit")
        self._local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.local_ttl_s = min(LOCAL_TTL_S, float(ttl_s))

    def _local_get(self, key: str) -> bytes | None:
        entry = self._local.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._local[key]
            return None
        self._local.move_to_end(key)
        return entry[1]

    def _local_put(self, key: str, body: bytes) -> None:
        self._local[key] = (time.monotonic() + self.local_ttl_s, body)
        self._local.move_to_end(key)
        while len(self._local) > LOCAL_ENTRIES:
            self._local.popitem(last=False)

    @staticmethod
    def _reply(body: bytes, response: Response, result: str) -> Response:
        # The headers the route and its dependencies set (Cache-Control) go with the bytes.
        response.headers[CACHE_HEADER] = result
        return Response(content=body, media_type=JSON, headers=dict(response.headers))

    async def get_or_build(
        self,
        redis_client: aioredis.Redis,
        key: str,
        build: Callable[[], Any],
        response: Response,
        *,
        model: type[BaseModel],
    ) -> Response:
        full_key = self.prefix + key
        body = self._local_get(full_key)
        if body is not None:
            self._hit.inc()
            return self._reply(body, response, "hit")
        try:
            raw = await redis_client.get(full_key)
        except (redis.exceptions.RedisError, OSError) as exc:
            log.warning("cache read failed: %s", type(exc).__name__)
            self.lookups.labels(self.service, "error").inc()
            return self._reply(_render(model, build()), response, "bypass")
        if raw is not None:
            self._hit.inc()
            body = raw.encode() if isinstance(raw, str) else raw
            self._local_put(full_key, body)
            return self._reply(body, response, "hit")
        body = _render(model, build())
        self.lookups.labels(self.service, "miss").inc()
        try:
            await redis_client.set(full_key, body, ex=self.ttl_s)
            self._local_put(full_key, body)
        except (redis.exceptions.RedisError, OSError) as exc:
            log.warning("cache write failed: %s", type(exc).__name__)
        return self._reply(body, response, "miss")


def _render(model: type[BaseModel], value: Any) -> bytes:
    """The response model's JSON for ``value``: validated once, here, not on every hit."""
    return model.model_validate(value).model_dump_json().encode()
