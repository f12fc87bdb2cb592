"""PostgreSQL: one psycopg async pool per app, opened lazily so a service starts (and reports
not-ready) while PostgreSQL is down, and the ``get_conn`` dependency.

Two failure modes shaped this module:
- After a PostgreSQL restart every idle pooled connection is dead. Each connection is checked when it
  leaves the pool; the first dead one makes the pool check all its idle connections at once (a
  restart kills them all), and the request retries once on a fresh connection.
- While PostgreSQL is down, waiting for a pool slot took the whole acquire timeout per request. A
  breaker (``common.breaker``) fed by the pool's own connection attempts turns that into an
  immediate 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ecoeco.services.common.breaker import Breaker
from ecoeco.services.common.errors import ProblemError

log = logging.getLogger("ecoeco.db")

CONNECT_TIMEOUT_S = 3
ACQUIRE_TIMEOUT_S = 5.0
# The breaker paces reconnection: the pool itself gives up a failed connect at once instead of
# backing off for up to 30 s (which kept requests waiting long after PostgreSQL was back).
RECONNECT_TIMEOUT_S = 0.5


def _tracking_connection_class(breaker: Breaker) -> type[psycopg.AsyncConnection[Any]]:
    """A connection class whose ``connect`` reports each outcome to the breaker."""

    class TrackedConnection(psycopg.AsyncConnection[Any]):
        @classmethod
        async def connect(cls, conninfo: str = "", **kwargs: Any) -> TrackedConnection:
            try:
                conn = await super().connect(conninfo, **kwargs)
            except psycopg.OperationalError:
                breaker.record_failure()
                raise
            breaker.record_success()
            return conn

    return TrackedConnection


def make_pool(
    database_url: str, *, max_size: int = 10, breaker: Breaker | None = None
) -> AsyncConnectionPool:
    # min_size=0 and open(wait=False): creating the pool never blocks on (or fails for) a down server.
    breaker = breaker or Breaker("postgres")
    pool = AsyncConnectionPool(
        database_url,
        connection_class=_tracking_connection_class(breaker),
        min_size=0,
        max_size=max_size,
        open=False,
        kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "autocommit": False},
        reconnect_timeout=RECONNECT_TIMEOUT_S,
        name="ecoeco",
    )
    pool.breaker = breaker  # type: ignore[attr-defined]
    return pool


def pool_breaker(pool: AsyncConnectionPool) -> Breaker:
    return pool.breaker  # type: ignore[attr-defined]


def unavailable(breaker: Breaker) -> ProblemError:
    return ProblemError(
        503,
        "Service Unavailable",
        "The database is unavailable; retry later.",
        headers={"Retry-After": str(breaker.retry_after_s() or 1)},
    )


async def _getconn(
    pool: AsyncConnectionPool, timeout: float, since: int | None
) -> psycopg.AsyncConnection[Any]:
    """A connection from the pool, or ``PoolTimeout`` as soon as the breaker trips (after its trip
    count was ``since``) while waiting. ``since=None``: wait the whole timeout regardless."""
    if since is None:
        return await pool.getconn(timeout=timeout)
    getter = asyncio.ensure_future(pool.getconn(timeout=timeout))
    tripped = asyncio.ensure_future(pool_breaker(pool).wait_tripped(since))
    try:
        await asyncio.wait({getter, tripped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        tripped.cancel()
    if not getter.done():
        getter.cancel()
        await asyncio.wait({getter})
        if not getter.cancelled() and getter.exception() is None:
            await pool.putconn(getter.result())  # assigned just before the cancel landed
        raise PoolTimeout("the database breaker tripped while waiting for a connection")
    return getter.result()


async def acquire(
    pool: AsyncConnectionPool, timeout: float = ACQUIRE_TIMEOUT_S, *, watch_breaker: bool = True
) -> psycopg.AsyncConnection[Any]:
    """A checked connection: retried once on a fresh one when the pooled one turns out dead.
    Give it back with ``pool.putconn``."""
    # Any connection failure from now on (ours or another request's) means "down": stop waiting.
    since = pool_breaker(pool).trips if watch_breaker else None
    conn = await _getconn(pool, timeout, since)
    try:
        await AsyncConnectionPool.check_connection(conn)
        return conn
    except psycopg.Error:
        log.info("dropping a dead pooled connection; checking the others")
    except BaseException:
        await pool.putconn(conn)
        raise
    await pool.putconn(conn)  # broken: the pool discards it
    # A restart kills every idle connection at once: drop them all now, not one request at a time.
    await pool.check()
    conn = await _getconn(pool, timeout, since)
    try:
        await AsyncConnectionPool.check_connection(conn)
    except BaseException:
        await pool.putconn(conn)
        raise
    return conn


@contextlib.asynccontextmanager
async def connection(
    pool: AsyncConnectionPool, timeout: float = ACQUIRE_TIMEOUT_S, *, watch_breaker: bool = True
) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """Like ``pool.connection()`` (commit on success, rollback on error), checked as by ``acquire``."""
    conn = await acquire(pool, timeout, watch_breaker=watch_breaker)
    try:
        async with conn:
            yield conn
    finally:
        await pool.putconn(conn)


@contextlib.asynccontextmanager
async def request_connection(request: Request) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A connection from the app's pool for part of a request (committed when the block succeeds),
    or a 503 problem with Retry-After. ``Conn`` holds one for the whole request instead."""
    pool: AsyncConnectionPool = request.app.state.db_pool
    breaker = pool_breaker(pool)
    if not breaker.allow():
        raise unavailable(breaker)  # known down: answer now, not after the acquire timeout
    try:
        conn = await acquire(pool)
    except (PoolTimeout, psycopg.Error) as exc:
        log.warning("database unavailable: %s", type(exc).__name__)
        if breaker.is_open:
            breaker.record_failure()  # this was the trial (or it tripped meanwhile): a new window
            raise unavailable(breaker) from exc
        # The server answers but every connection is busy: no breaker, and a short wait is the advice.
        raise ProblemError(
            503, "Service Unavailable", "The database is busy; retry later.", headers={"Retry-After": "1"}
        ) from exc
    if breaker.is_open:
        breaker.record_success()  # a trial served by a connection already in the pool
    try:
        async with conn:
            yield conn
    finally:
        await pool.putconn(conn)


async def get_conn(request: Request) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """FastAPI dependency: a connection from the app's pool, committed when the request succeeds."""
    async with request_connection(request) as conn:
        yield conn


async def check_postgres(pool: AsyncConnectionPool) -> None:
    # Readiness probes for real, whatever the breaker says; a connection it makes closes the breaker.
    try:
        async with connection(pool, timeout=2.0, watch_breaker=False) as conn:
            await conn.execute("SELECT 1")
        pool_breaker(pool).record_success()
    except PoolTimeout:
        # The pool only says "timeout"; one direct attempt (reported to the breaker) tells the
        # operator why.
        if isinstance(pool.conninfo, str):  # make_pool's pools always have a string
            conn = await pool.connection_class.connect(pool.conninfo, connect_timeout=2)
            await conn.close()
        raise


# scope="function": the transaction commits before the response is sent, so a client that acts on a
# 2xx (e.g. upload-complete right after creating an analysis) always finds the row committed.
Conn = Annotated[psycopg.AsyncConnection, Depends(get_conn, scope="function")]
