"""Points and history, derived from the AI worker's synced results in ``tasks.task_results``.

One row per task id (the primary key), so a redelivered or replayed analysis never credits twice:
crediting is idempotent by construction. The table belongs to the workers' migration; until it
exists a user simply has no activity yet.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from ecoeco.services.userinfo.schemas import Activity

_COMPLETED = "FROM tasks.task_results WHERE worker = 'ai' AND state = 'succeeded' AND user_id = %s"
# A result whose points are not a whole number counts as 0 instead of failing the request.
_POINTS = "CASE WHEN (result->>'points') ~ '^-?[0-9]{1,9}$' THEN (result->>'points')::int ELSE 0 END"


async def _table_exists(conn: psycopg.AsyncConnection) -> bool:
    cur = await conn.execute("SELECT to_regclass('tasks.task_results') IS NOT NULL")
    row = await cur.fetchone()
    return bool(row and row[0])


async def totals(conn: psycopg.AsyncConnection, user_id: str) -> tuple[int, int]:
    """(points, completed analyses)."""
    if not await _table_exists(conn):
        return 0, 0
    cur = await conn.execute(f"SELECT coalesce(sum({_POINTS}), 0), count(*) {_COMPLETED}", (user_id,))
    row = await cur.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def history(
    conn: psycopg.AsyncConnection, user_id: str, limit: int, offset: int
) -> tuple[list[Activity], int]:
    if not await _table_exists(conn):
        return [], 0
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT job_id, task_id, result->>'category' AS category, result->>'item' AS item,"
            f" {_POINTS} AS points, coalesce(finished_at, updated_at) AS completed_at, count(*) OVER () AS total"
            f" {_COMPLETED} ORDER BY coalesce(finished_at, updated_at) DESC, task_id LIMIT %s OFFSET %s",
            (user_id, limit, offset),
        )
        rows = await cur.fetchall()
    total = int(rows[0]["total"]) if rows else (await totals(conn, user_id))[1]
    return [Activity(**{k: v for k, v in r.items() if k != "total"}) for r in rows], total
