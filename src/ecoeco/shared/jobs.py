"""The contract between the waste API and the two workers: task names and ids, job states and their
ranks, the job status hash in Redis, and the PostgreSQL table the journals sync into.
(Exchanges and queues are in ``ecoeco.shared.names``.)"""

from __future__ import annotations

from enum import StrEnum

TASK_STORAGE = "ecoeco.storage.process_upload"  # kwargs: job_id, user_id, object_key
TASK_AI = "ecoeco.ai.classify"  # kwargs: job_id, user_id, image_key, thumb_key, checksum, phash

JOB_STATUS_TTL_S = 3600
RESULTS_TABLE = "tasks.task_results"


def task_id(job_id: str, worker: str) -> str:
    """Stable task id per job and stage, so a redelivery or a replay is recognised."""
    return f"{job_id}:{worker}"


def job_status_key(job_id: str) -> str:
    """Redis hash: status, stage, progress (0-100), result (JSON), error, updated_at."""
    return f"ecoeco:waste:job:{job_id}"


class JobStatus(StrEnum):
    PENDING_UPLOAD = "pending_upload"
    QUEUED = "queued"
    PROCESSING = "processing"  # storage worker
    ANALYZING = "analyzing"  # ai worker
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"


class TaskState(StrEnum):
    """Journal states, in order: a sync never moves a row back to an earlier rank."""

    RECEIVED = "received"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD = "dead"


STATE_RANK = {
    TaskState.RECEIVED: 0,
    TaskState.RUNNING: 1,
    TaskState.FAILED: 2,
    TaskState.SUCCEEDED: 3,
    TaskState.DEAD: 3,
}

# Waste categories (domain.md §1): the common streams and the Korean special streams.
WASTE_CATEGORIES = (
    "plastic",
    "paper",
    "glass",
    "metal",
    "general",
    "clear_pet",
    "styrofoam",
    "vinyl",
    "food_waste",
)
