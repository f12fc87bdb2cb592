"""PostgreSQL: one psycopg async pool per app, opened lazily so a service starts (and reports
not-ready) while PostgreSQL is down, and the ``get_conn`` dependency."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated

import psycopg
from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ecoeco.services.common.errors import ProblemError

log = logging.getLogger("ecoeco.db")

CONNECT_TIMEOUT_S = 3
ACQUIRE_TIMEOUT_S = 5.0


def make_pool(database_url: str, *, max_size: int = 10) -> AsyncConnectionPool:
    # min_size=0 and open(wait=False): creating the pool never blocks on (or fails for) a down server.
    return AsyncConnectionPool(
        database_url,
        min_size=0,
        max_size=max_size,
        open=False,
        kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "autocommit": False},
        reconnect_timeout=30,
        name="ecoeco",
    )


async def get_conn(request: Request) -> AsyncIterator[psycopg.AsyncConnection]:
    """FastAPI dependency: a connection from the app's pool, committed when the request succeeds."""
    pool: AsyncConnectionPool = request.app.state.db_pool
    try:
        async with pool.connection(timeout=ACQUIRE_TIMEOUT_S) as conn:
            yield conn
    except (PoolTimeout, psycopg.OperationalError) as exc:
        log.warning("database unavailable: %s", type(exc).__name__)
        raise ProblemError(
            503,
            "Service Unavailable",
            "The database is unavailable; retry later.",
            headers={"Retry-After": "5"},
        ) from exc


async def check_postgres(pool: AsyncConnectionPool) -> None:
    try:
        async with pool.connection(timeout=2.0) as conn:
            await conn.execute("SELECT 1")
    except PoolTimeout:
        # The pool only says "timeout"; one direct attempt tells the operator why.
        if isinstance(pool.conninfo, str):  # make_pool's pools always have a string
            conn = await psycopg.AsyncConnection.connect(pool.conninfo, connect_timeout=2)
            await conn.close()
        raise


# scope="function": the transaction commits before the response is sent, so a client that acts on a
# 2xx (e.g. upload-complete right after creating an analysis) always finds the row committed.
Conn = Annotated[psycopg.AsyncConnection, Depends(get_conn, scope="function")]
