"""Login and sign-up limits, counted in Redis so every replica shares them.

- Failed logins count per *account and client address*: ten wrong passwords from one address make
  that address wait (429 + Retry-After until the window ends) for that account only. Counting per
  account alone let anyone lock anyone out; the owner, from their own address, is never locked out
  by somebody else's guesses.
- Failed logins also count per client address across accounts, against credential stuffing.
- Sign-ups count per client address.
The per-address caps are off by default in the sandbox environments, where every client is
127.0.0.1 and a per-address cap would be one cap for everybody.

Each attempt takes its slot atomically (INCR in one MULTI/EXEC) *before* the password is verified:
checking first and counting after let 40 parallel guesses through where 10 were allowed. A login
that succeeds gives its slots back. The windows are fixed from the first attempt (EXPIRE NX), so
attempts while limited do not extend them.
"""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis

from ecoeco.services.common.errors import ProblemError
from ecoeco.services.common.settings import Settings

PREFIX = "ecoeco:auth:"
DEFAULT_LOGIN_FAILURES_PER_CLIENT = 50
DEFAULT_REGISTRATIONS_PER_CLIENT = 30

# Give a slot back only while its window lasts: a DECR on an expired key would create one with no
# expiry (and a negative count).
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.call('DECR', KEYS[1])
end
return 0
"""


def _digest(*parts: str) -> str:
    # Hashed: Redis key listings should not be a list of account emails and addresses.
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def account_client_key(email: str, client: str) -> str:
    return f"{PREFIX}login_failures:{_digest(email, client)}"


def client_key(client: str) -> str:
    return f"{PREFIX}login_failures_client:{_digest(client)}"


def registration_key(client: str) -> str:
    return f"{PREFIX}registrations:{_digest(client)}"


def _per_client_cap(settings: Settings, configured: int | None, default: int) -> int | None:
    """The per-address cap, or None for none (the sandbox default: all its clients share one address)."""
    if configured is not None:
        return configured
    return None if settings.is_sandbox else default


def _too_many(detail: str, ttl: int) -> ProblemError:
    return ProblemError(429, "Too Many Requests", detail, headers={"Retry-After": str(max(ttl, 1))})


async def _take(redis: aioredis.Redis, keys: list[str], window_s: int) -> list[tuple[int, int]]:
    """One slot in each counter, atomically: [(count after, seconds left in its window)]."""
    async with redis.pipeline(transaction=True) as pipe:
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, window_s, nx=True)
            pipe.ttl(key)
        results = await pipe.execute()
    return [(int(results[i]), int(results[i + 2])) for i in range(0, len(results), 3)]


async def begin_login(redis: aioredis.Redis, settings: Settings, email: str, client: str) -> None:
    """Take this attempt's slots, or raise 429 when this account+address or this address is over
    its limit. Call before looking at the password."""
    cap = _per_client_cap(settings, settings.login_failures_per_client, DEFAULT_LOGIN_FAILURES_PER_CLIENT)
    keys = [account_client_key(email, client)] + ([client_key(client)] if cap is not None else [])
    taken = await _take(redis, keys, settings.login_window_s)
    pair, pair_ttl = taken[0]
    if pair > settings.login_failures_per_account_client:
        raise _too_many(
            "Too many failed logins for this account from your address; try again later.", pair_ttl
        )
    if cap is not None and taken[1][0] > cap:
        raise _too_many("Too many failed logins from your address; try again later.", taken[1][1])


async def login_succeeded(redis: aioredis.Redis, email: str, client: str) -> None:
    """The password was right: this account+address starts afresh, and the attempt was no failure."""
    await redis.delete(account_client_key(email, client))
    await redis.eval(_GIVE_BACK, 1, client_key(client))  # a no-op when no per-address cap counted it


async def begin_registration(redis: aioredis.Redis, settings: Settings, client: str) -> None:
    """Take a sign-up slot for this address, or raise 429."""
    cap = _per_client_cap(settings, settings.registrations_per_client, DEFAULT_REGISTRATIONS_PER_CLIENT)
    if cap is None:
        return
    ((count, ttl),) = await _take(redis, [registration_key(client)], settings.registration_window_s)
    if count > cap:
        raise _too_many("Too many sign-ups from your address; try again later.", ttl)
