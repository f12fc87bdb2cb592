"""The job status hash in Redis (``jobs.job_status_key``): the one writer and reader of it.

Every write is guarded in Redis itself, by one Lua script: it never moves a job to a lower rank
(``jobs.JOB_RANK``), nor to a smaller progress within one rank, so a late or re-run worker update
cannot overwrite a newer state, however the writes interleave. A write replaces the whole hash
and refreshes its TTL. The workers write with redis-py (``advance``: best effort, a Redis outage
never fails a task); the waste API with redis.asyncio (``advance_async``, ``revert_async``); both
share the script and the encoding. Once the hash has expired, ``read_synced`` derives the status
from the journals' rows in PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, cast

import psycopg
import redis
import redis.asyncio as aioredis
from psycopg.rows import dict_row

from ecoeco.shared.jobs import (
    FINISHED_JOB_STATUSES,
    JOB_RANK,
    JOB_STATUS_TTL_S,
    PROGRESS_FINISHED,
    RESULTS_TABLE,
    STEP_DONE,
    STEP_HANDED_TO_AI,
    JobStatus,
    JobStatusHash,
    JobStep,
    TaskState,
    job_status_key,
    step_ended,
)

log = logging.getLogger(__name__)

_RANKS = ", ".join(f'["{status.value}"] = {rank}' for status, rank in JOB_RANK.items())
# KEYS[1]: the hash. ARGV: expected status ('' = guard by rank), new rank, new progress, TTL, then
# field/value pairs. The current rank comes from the same JOB_RANK, written into the script.
# An unknown or missing current status (no hash, or a foreign value) never blocks a write.
GUARDED_WRITE_LUA = f"""
local RANK = {{{_RANKS}}}
local cur = redis.call('HMGET', KEYS[1], 'status', 'progress')
if ARGV[1] ~= '' then
  if cur[1] ~= ARGV[1] then return 0 end
else
  local rank = RANK[cur[1]]
  if rank then
    local new_rank = tonumber(ARGV[2])
    if new_rank < rank then return 0 end
    if new_rank == rank and tonumber(ARGV[3]) < (tonumber(cur[2]) or 0) then return 0 end
  end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""
_SHA = hashlib.sha1(GUARDED_WRITE_LUA.encode()).hexdigest()


def _script_args(
    step: JobStep, result: dict[str, Any] | None, error: str | None, expected: JobStatus | None
) -> list[str]:
    fields: JobStatusHash = {
        "status": step.status.value,
        "progress": str(step.progress),
        "updated_at": f"{time.time():.3f}",
    }
    if step.stage is not None:
        fields["stage"] = step.stage
    if result is not None:
        fields["result"] = json.dumps(result, ensure_ascii=False, default=str)
    if error is not None:
        fields["error"] = error
    args = [expected.value if expected else "", str(JOB_RANK[step.status]), str(step.progress)]
    args.append(str(JOB_STATUS_TTL_S))
    for name, value in fields.items():
        args += (name, str(value))
    return args


# -- the workers' writer (redis-py) ---------------------------------------------------------------
def advance(
    client: redis.Redis | None,
    job_id: str | None,
    step: JobStep,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> bool:
    """Show ``step`` unless the job is already further; returns whether it was written.

    Best effort: the journal, not Redis, is the record of the task, so a Redis outage must not
    fail a task that otherwise succeeded (it is logged and reported as not written).
    """
    if client is None or not job_id:
        return False
    args = _script_args(step, result, error, None)
    key = job_status_key(job_id)
    try:
        try:
            written = client.evalsha(_SHA, 1, key, *args)
        except redis.exceptions.NoScriptError:
            written = client.eval(GUARDED_WRITE_LUA, 1, key, *args)
    except redis.RedisError as exc:
        log.warning("job status update failed for %s: %s", job_id, exc)
        return False
    return bool(written)


def advance_many(client: redis.Redis | None, updates: list[tuple[str | None, JobStep, str | None]]) -> int:
    """``advance`` for many jobs in one round trip (recovery dead-letters in bulk): each item is
    (job_id, step, error). Best effort like ``advance``; returns how many were written."""
    if client is None:
        return 0
    items = [(job_id, step, error) for job_id, step, error in updates if job_id]
    if not items:
        return 0
    try:
        client.script_load(GUARDED_WRITE_LUA)
        pipe = client.pipeline(transaction=False)
        for job_id, step, error in items:
            pipe.evalsha(_SHA, 1, job_status_key(job_id), *_script_args(step, None, error, None))
        return sum(1 for written in pipe.execute(raise_on_error=False) if written == 1)
    except redis.RedisError as exc:
        log.warning("job status update failed for %d jobs: %s", len(items), exc)
        return 0


# -- the waste API's writer (redis.asyncio) -------------------------------------------------------
async def _run_async(client: aioredis.Redis, job_id: str, args: list[str]) -> bool:
    key = job_status_key(job_id)
    try:
        written = await client.evalsha(_SHA, 1, key, *args)
    except redis.exceptions.NoScriptError:
        written = await client.eval(GUARDED_WRITE_LUA, 1, key, *args)
    return bool(written)


async def advance_async(client: aioredis.Redis, job_id: str, step: JobStep) -> bool:
    """Show ``step`` unless a worker already moved the job further; returns whether it was written."""
    return await _run_async(client, job_id, _script_args(step, None, None, None))


async def revert_async(client: aioredis.Redis, job_id: str, expected: JobStatus, step: JobStep) -> bool:
    """Move the job back to ``step`` only while it still shows ``expected`` (an enqueue that failed
    after the status said queued); a job a worker already picked up is left as it is."""
    return await _run_async(client, job_id, _script_args(step, None, None, expected))


async def forget_async(client: aioredis.Redis, job_id: str) -> None:
    await client.delete(job_status_key(job_id))


# -- the reader -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class JobView:
    """A job's status as the API shows it, from the hash or from the synced journal rows."""

    status: JobStatus
    stage: str | None = None
    progress: int = 0
    result: dict[str, Any] | None = None
    error: str | None = None
    updated_at: float | None = None

    @classmethod
    def of(cls, step: JobStep, **extra: Any) -> JobView:
        return cls(status=step.status, stage=step.stage, progress=step.progress, **extra)

    @classmethod
    def from_hash(cls, data: JobStatusHash | dict[str, str]) -> JobView | None:
        """None for an empty hash or one whose status is not a ``JobStatus`` (then the caller falls
        back to PostgreSQL, as if the hash had expired)."""
        try:
            status = JobStatus(data.get("status", ""))
        except ValueError:
            return None
        default = PROGRESS_FINISHED if status in FINISHED_JOB_STATUSES else 0
        try:
            progress = int(float(data.get("progress") or default))
        except ValueError:
            progress = default
        try:
            result = json.loads(data["result"]) if data.get("result") else None
        except ValueError:
            result = None
        try:
            updated_at = float(data["updated_at"]) if data.get("updated_at") else None
        except ValueError:
            updated_at = None
        return cls(
            status=status,
            stage=data.get("stage") or None,
            progress=max(0, min(100, progress)),
            result=result if isinstance(result, dict) else None,
            error=data.get("error") or None,
            updated_at=updated_at,
        )


async def read_async(client: aioredis.Redis, job_id: str) -> JobView | None:
    # The API's clients decode responses, so keys and values are str.
    return JobView.from_hash(cast(dict[str, str], await client.hgetall(job_status_key(job_id))))


async def read_synced(conn: psycopg.AsyncConnection, job_id: str) -> JobView | None:
    """The job as the workers' journals synced it (None when nothing was synced yet).

    Only finished task rows are synced, so a job found here is either done, failed or dead, or
    past the storage stage and waiting for (or in) the AI stage.
    """
    found = await conn.execute("SELECT to_regclass(%s) IS NOT NULL", (RESULTS_TABLE,))
    exists = await found.fetchone()
    if not exists or not exists[0]:
        return None
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT worker, state, result, error, extract(epoch FROM updated_at)::float8 AS updated_at"
            f" FROM {RESULTS_TABLE} WHERE job_id = %s",
            (job_id,),
        )
        rows = {r["worker"]: r for r in await cur.fetchall()}
    ai, storage = rows.get("ai"), rows.get("storage")
    if ai and ai["state"] == TaskState.SUCCEEDED:
        result = ai["result"] if isinstance(ai["result"], dict) else None
        return JobView.of(STEP_DONE, result=result, updated_at=ai["updated_at"])
    for stage, row in (("ai", ai), ("storage", storage)):
        if row and row["state"] in (TaskState.FAILED, TaskState.DEAD):
            ended = JobStatus.FAILED if row["state"] == TaskState.FAILED else JobStatus.DEAD
            return JobView.of(step_ended(ended, stage), error=row["error"], updated_at=row["updated_at"])
    if storage and storage["state"] == TaskState.SUCCEEDED:
        return JobView.of(STEP_HANDED_TO_AI, updated_at=storage["updated_at"])
    return None
