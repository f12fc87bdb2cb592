"""Expire abandoned presigned uploads: analyses still waiting for their image long after the upload
URL died, and the object a client may have PUT without ever calling ``upload-complete``.

Each run takes a bounded batch (``FOR UPDATE SKIP LOCKED``: replicas running it at the same time
split the work, and a concurrent ``upload-complete`` either wins the row or finds it expired),
deletes the objects, then marks the rows expired in the same transaction — a failed delete leaves
its row for the next run. Every replica runs it every ``upload_cleanup_interval_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from ecoeco.services.common.db import connection
from ecoeco.services.common.settings import Settings
from ecoeco.services.waste.uploads import Uploads

log = logging.getLogger("ecoeco.waste.cleanup")

DELETE_BATCH = 1000  # S3 DeleteObjects takes at most this many keys


def expiry_age_s(settings: Settings) -> float:
    # Never while the presigned URL could still be used.
    return max(settings.abandoned_upload_after_s, settings.presigned_url_ttl_s + 60.0)


async def expire_abandoned(
    pool: AsyncConnectionPool, uploads: Uploads, settings: Settings, limit: int
) -> int:
    """One bounded run: returns how many analyses were expired."""
    async with connection(pool) as conn:
        cur = await conn.execute(
            "SELECT job_id, object_key FROM waste.analyses"
            " WHERE enqueued_at IS NULL AND expired_at IS NULL"
            " AND created_at < now() - make_interval(secs => %s)"
            " ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED",
            (expiry_age_s(settings), limit),
        )
        rows: list[tuple[str, str]] = list(await cur.fetchall())
        if not rows:
            return 0
        failed: set[str] = set()
        keys = [key for _, key in rows]
        for start in range(0, len(keys), DELETE_BATCH):
            failed |= await asyncio.to_thread(uploads.delete_many, keys[start : start + DELETE_BATCH])
        expired = [job for job, key in rows if key not in failed]
        await conn.execute("UPDATE waste.analyses SET expired_at = now() WHERE job_id = ANY(%s)", (expired,))
    if failed:
        log.warning("could not delete %d abandoned uploads; retried next run", len(failed))
    log.info("expired abandoned uploads", extra={"expired": len(expired)})
    return len(expired)


async def _loop(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    while True:
        # Jitter: replicas started together do not all scan at the same moment.
        await asyncio.sleep(settings.upload_cleanup_interval_s * random.uniform(0.8, 1.2))
        if app.state.migrations_pending:
            continue
        try:
            await expire_abandoned(
                app.state.db_pool, app.state.uploads, settings, settings.upload_cleanup_batch
            )
        except Exception as exc:  # noqa: BLE001 - PostgreSQL or S3 down: try again next interval
            log.warning("abandoned-upload cleanup failed: %s", type(exc).__name__)


async def start_cleanup(app: FastAPI) -> None:
    app.state.cleanup_task = asyncio.create_task(_loop(app), name="waste-upload-cleanup")


async def stop_cleanup(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "cleanup_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
