"""Per-user message budget in Redis: a fixed 60 s window that starts with the user's first message."""

from __future__ import annotations

import redis.asyncio as aioredis

WINDOW_S = 60


def _key(user_id: str) -> str:
    return f"ecoeco:chat:rate:{user_id}"


async def take(r: aioredis.Redis, user_id: str, limit: int) -> int | None:
    """Count one message; ``None`` when allowed, else the seconds until the window ends."""
    async with r.pipeline(transaction=True) as pipe:
        # SET NX EX then INCR in one transaction: the counter can never exist without its expiry.
        pipe.set(_key(user_id), 0, ex=WINDOW_S, nx=True)
        pipe.incr(_key(user_id))
        pipe.ttl(_key(user_id))
        _, count, ttl = await pipe.execute()
    if count <= limit:
        return None
    return max(int(ttl), 1)
