"""Failed-login throttling per account: after ``MAX_FAILURES`` wrong passwords within
``WINDOW_S``, further attempts get 429 (even with the right password) until the window ends.
Counted in Redis so every replica shares the count."""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis

from ecoeco.services.common.errors import ProblemError

MAX_FAILURES = 10
WINDOW_S = 15 * 60


def failures_key(email: str) -> str:
    # Hashed: Redis key listings should not be a list of account emails.
    return "ecoeco:auth:login_failures:" + hashlib.sha256(email.encode()).hexdigest()[:32]


async def check(redis: aioredis.Redis, email: str) -> None:
    key = failures_key(email)
    count = await redis.get(key)
    if count is not None and int(count) >= MAX_FAILURES:
        ttl = await redis.ttl(key)
        raise ProblemError(
            429,
            "Too Many Requests",
            "Too many failed logins for this account; try again later.",
            headers={"Retry-After": str(max(ttl, 1))},
        )


async def record_failure(redis: aioredis.Redis, email: str) -> None:
    key = failures_key(email)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, WINDOW_S, nx=True)  # the window starts at the first failure
        await pipe.execute()


async def reset(redis: aioredis.Redis, email: str) -> None:
    await redis.delete(failures_key(email))
