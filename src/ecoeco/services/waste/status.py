"""Job status: the Redis hash the workers update (``jobs.job_status_key``, 1 h), with PostgreSQL as
the fallback once it has expired (the analysis row, then the synced ``tasks.task_results``)."""

from __future__ import annotations

import json
import time
from typing import Any, cast

import psycopg
import redis.asyncio as aioredis
from psycopg.rows import dict_row
from redis.typing import EncodableT, FieldT

from ecoeco.shared.jobs import JOB_STATUS_TTL_S, JobStatus, job_status_key

# Stages of a job in pipeline order; the API never writes a status that is behind the current one.
ORDER = {
    JobStatus.PENDING_UPLOAD: 0,
    JobStatus.QUEUED: 1,
    JobStatus.PROCESSING: 2,
    JobStatus.ANALYZING: 3,
    JobStatus.DONE: 4,
    JobStatus.FAILED: 4,
    JobStatus.DEAD: 4,
}
PROGRESS = {JobStatus.PENDING_UPLOAD: 0, JobStatus.QUEUED: 10, JobStatus.DONE: 100}


async def write(redis: aioredis.Redis, job_id: str, status: JobStatus, **fields: Any) -> None:
    mapping: dict[FieldT, EncodableT] = {
        "status": status.value,
        "progress": str(fields.pop("progress", PROGRESS.get(status, 0))),
        "updated_at": f"{time.time():.3f}",
    }
    mapping.update({k: (json.dumps(v) if isinstance(v, dict) else str(v)) for k, v in fields.items()})
    key = job_status_key(job_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(key, mapping=mapping)
        pipe.expire(key, JOB_STATUS_TTL_S)
        await pipe.execute()


async def advance(redis: aioredis.Redis, job_id: str, status: JobStatus) -> None:
    """Set ``status`` unless a worker already moved the job further."""
    current = cast(str, await redis.hget(job_status_key(job_id), "status") or "")  # common.cache decodes
    if current in JobStatus._value2member_map_ and ORDER[JobStatus(current)] > ORDER[status]:
        return
    await write(redis, job_id, status)


async def read_redis(redis: aioredis.Redis, job_id: str) -> dict[str, str] | None:
    data = cast(dict[str, str], await redis.hgetall(job_status_key(job_id)))  # common.cache decodes replies
    return data or None


async def read_synced(conn: psycopg.AsyncConnection, job_id: str) -> dict[str, Any] | None:
    """The job as the workers' journals synced it (None when nothing was synced yet)."""
    cur = await conn.execute("SELECT to_regclass('tasks.task_results') IS NOT NULL")
    exists = await cur.fetchone()
    if not exists or not exists[0]:
        return None
    async with conn.cursor(row_factory=dict_row) as dcur:
        await dcur.execute(
            "SELECT worker, state, result, error, extract(epoch FROM updated_at)::float8 AS updated_at"
            " FROM tasks.task_results WHERE job_id = %s",
            (job_id,),
        )
        rows = {r["worker"]: r for r in await dcur.fetchall()}
    if not rows:
        return None
    ai, storage = rows.get("ai"), rows.get("storage")
    if ai and ai["state"] == "succeeded":
        return {"status": JobStatus.DONE, "stage": "ai", "progress": 100, "result": ai["result"], **_when(ai)}
    for stage, row in (("ai", ai), ("storage", storage)):
        if row and row["state"] == "dead":
            return {
                "status": JobStatus.DEAD,
                "stage": stage,
                "progress": 100,
                "error": row["error"],
                **_when(row),
            }
    if ai:
        return {"status": JobStatus.ANALYZING, "stage": "ai", "progress": 60, **_when(ai)}
    assert storage is not None
    return {"status": JobStatus.PROCESSING, "stage": "storage", "progress": 20, **_when(storage)}


def _when(row: dict[str, Any]) -> dict[str, Any]:
    return {"updated_at": row["updated_at"]}
