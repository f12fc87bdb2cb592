"""The job status hash in Redis that the waste API reads (``jobs.job_status_key``)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import redis

from ecoeco.shared.jobs import JOB_STATUS_TTL_S, job_status_key

log = logging.getLogger(__name__)


def update_job_status(client: Any, job_id: str | None, **fields: Any) -> None:
    """Set fields (status, stage, progress, result, error) and refresh the TTL.

    Best effort: the journal, not Redis, is the record of the task, so a Redis outage must not
    fail a task that otherwise succeeded.
    """
    if client is None or not job_id:
        return
    mapping = {
        k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else str(v))
        for k, v in fields.items()
    }
    mapping["updated_at"] = f"{time.time():.3f}"
    key = job_status_key(job_id)
    try:
        pipe = client.pipeline()
        pipe.hset(key, mapping=mapping)
        pipe.expire(key, JOB_STATUS_TTL_S)
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("job status update failed for %s: %s", job_id, exc)
