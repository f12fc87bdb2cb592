"""The contract between the waste API and the two workers: task names and ids, job states and their
ranks, the job status hash in Redis (its fields and the steps a job goes through), task states and
their ranks, and the PostgreSQL table the journals sync into. (Exchanges and queues are in
``ecoeco.shared.names``; the platform's reader and writers of the hash are in
``ecoeco.services.common.job_status``.)"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple, TypedDict

TASK_STORAGE = "ecoeco.storage.process_upload"  # kwargs: job_id, user_id, object_key
TASK_AI = "ecoeco.ai.classify"  # kwargs: job_id, user_id, image_key, thumb_key, checksum, phash

JOB_STATUS_TTL_S = 3600
RESULTS_TABLE = "tasks.task_results"


def task_id(job_id: str, worker: str) -> str:
    """Stable task id per job and stage, so a redelivery or a replay is recognised."""
    return f"{job_id}:{worker}"


def job_status_key(job_id: str) -> str:
    """The Redis hash of one job (fields: ``JobStatusHash``), kept ``JOB_STATUS_TTL_S``."""
    return f"ecoeco:waste:job:{job_id}"


class JobStatusHash(TypedDict, total=False):
    """The job status hash as Redis holds it: every value a string. Each write replaces the whole
    hash, so a field absent from the newest write is absent (no stale ``error`` on a done job)."""

    status: str  # a JobStatus value
    stage: str  # upload | queue | storage | ai (the stage that failed, for failed and dead)
    progress: str  # integer 0-100
    result: str  # JSON object (done only)
    error: str  # failed and dead only
    updated_at: str  # epoch seconds, 3 decimals


class JobStatus(StrEnum):
    PENDING_UPLOAD = "pending_upload"
    QUEUED = "queued"
    PROCESSING = "processing"  # storage worker
    ANALYZING = "analyzing"  # ai worker
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"


# A write never moves a job to a lower rank, nor to a smaller progress within the same rank. Done
# outranks failed and dead: a late failure of an earlier stage's re-run must not hide a result the
# user already has, and a dead job replayed by an operator may still end done.
JOB_RANK: dict[JobStatus, int] = {
    JobStatus.PENDING_UPLOAD: 0,
    JobStatus.QUEUED: 1,
    JobStatus.PROCESSING: 2,
    JobStatus.ANALYZING: 3,
    JobStatus.FAILED: 4,
    JobStatus.DEAD: 4,
    JobStatus.DONE: 5,
}
FINISHED_JOB_STATUSES = frozenset({JobStatus.DONE, JobStatus.FAILED, JobStatus.DEAD})


class JobStep(NamedTuple):
    """One point of a job's way through the pipeline, as the status hash shows it."""

    status: JobStatus
    stage: str | None
    progress: int  # 0-100


# The steps in pipeline order (progress per stage: the one place these numbers are written).
STEP_PENDING_UPLOAD = JobStep(JobStatus.PENDING_UPLOAD, "upload", 0)
STEP_QUEUED = JobStep(JobStatus.QUEUED, "queue", 10)
STEP_STORAGE_STARTED = JobStep(JobStatus.PROCESSING, "storage", 10)
STEP_STORAGE_STORED = JobStep(JobStatus.PROCESSING, "storage", 40)
STEP_HANDED_TO_AI = JobStep(JobStatus.PROCESSING, "ai", 50)  # before the AI task is published
STEP_ANALYZING = JobStep(JobStatus.ANALYZING, "ai", 60)
STEP_DONE = JobStep(JobStatus.DONE, "ai", 100)
PROGRESS_FINISHED = 100


def step_ended(status: JobStatus, stage: str) -> JobStep:
    """A job that ended failed or dead in ``stage`` (the worker whose task gave up)."""
    if status not in (JobStatus.FAILED, JobStatus.DEAD):
        raise ValueError(f"not an ending without a result: {status}")
    return JobStep(status, stage, PROGRESS_FINISHED)


class TaskState(StrEnum):
    """Journal states, in order: a sync never moves a row back to an earlier rank."""

    RECEIVED = "received"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD = "dead"


# PostgreSQL keeps the same ranks in ``tasks.state_rank`` (workers' migrations; a test compares).
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
