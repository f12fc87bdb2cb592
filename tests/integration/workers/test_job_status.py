"""The job status hash against real Redis and PostgreSQL: a write never moves a job back, however
writers interleave; the workers' and the API's writers write the same hash; a Redis outage never
fails a task; the synced journal rows answer once the hash has expired."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import redis
import redis.asyncio as aioredis
from tests.conftest import free_port
from tests.integration.workers.conftest import new_job_id

from ecoeco.services.common import job_status
from ecoeco.services.common.job_status import JobView
from ecoeco.services.workers.sync import migrate
from ecoeco.shared.jobs import (
    JOB_RANK,
    STEP_ANALYZING,
    STEP_DONE,
    STEP_HANDED_TO_AI,
    STEP_PENDING_UPLOAD,
    STEP_QUEUED,
    STEP_STORAGE_STARTED,
    STEP_STORAGE_STORED,
    JobStatus,
    JobStep,
    job_status_key,
    step_ended,
)

pytestmark = pytest.mark.integration

PIPELINE = (
    STEP_PENDING_UPLOAD,
    STEP_QUEUED,
    STEP_STORAGE_STARTED,
    STEP_STORAGE_STORED,
    STEP_HANDED_TO_AI,
    STEP_ANALYZING,
    STEP_DONE,
)


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def shown(r: redis.Redis, job: str) -> JobView | None:
    return JobView.from_hash(r.hgetall(job_status_key(job)))


def step_of(view: JobView | None) -> JobStep | None:
    return None if view is None else JobStep(view.status, view.stage, view.progress)


def test_a_late_worker_update_never_moves_a_job_back(r):
    job = new_job_id()
    assert job_status.advance(r, job, STEP_HANDED_TO_AI)
    # A re-run of the storage stage after a crash starts over: the user keeps seeing 50 %.
    assert not job_status.advance(r, job, STEP_STORAGE_STARTED)
    assert not job_status.advance(r, job, STEP_STORAGE_STORED)
    assert step_of(shown(r, job)) == STEP_HANDED_TO_AI
    assert job_status.advance(r, job, STEP_DONE, result={"category": "glass", "item": "병"})
    # A late failure of an earlier stage does not hide the result the user already has.
    assert not job_status.advance(r, job, step_ended(JobStatus.DEAD, "storage"), error="gave up")
    view = shown(r, job)
    assert view.status == JobStatus.DONE and view.progress == 100 and view.error is None
    assert view.result == {"category": "glass", "item": "병"}
    assert 0 < r.ttl(job_status_key(job)) <= 3600


def test_a_dead_job_replayed_ends_done_without_its_old_error(r):
    job = new_job_id()
    job_status.advance(r, job, step_ended(JobStatus.DEAD, "ai"), error="attempts exhausted")
    job_status.advance(r, job, step_ended(JobStatus.FAILED, "ai"), error="not an image")  # same rank
    assert shown(r, job).error == "not an image"
    assert job_status.advance(r, job, STEP_DONE, result={"category": "paper"})
    assert set(r.hgetall(job_status_key(job))) == {"status", "stage", "progress", "result", "updated_at"}


def race(r: redis.Redis, job: str, writers: int = 6) -> list[tuple[int, int]]:
    """Writers push every step but done, in random orders, at once; returns what a reader saw."""
    seen: list[tuple[int, int]] = []
    stop = threading.Event()
    start = threading.Barrier(writers + 2)  # the writers, the watcher and this thread go together

    def write(seed: int) -> None:
        client = redis.Redis(connection_pool=r.connection_pool)
        steps = list(PIPELINE[:-1]) * 3
        random.Random(seed).shuffle(steps)
        start.wait()
        for step in steps:
            job_status.advance(client, job, step)

    def watch() -> None:
        start.wait()
        while True:  # reads at least once after the writers are done, however fast they were
            done = stop.is_set()
            view = shown(r, job)
            if view is not None:
                seen.append((JOB_RANK[view.status], view.progress))
            if done:
                return

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    watcher = threading.Thread(target=watch)
    for t in threads:
        t.start()
    watcher.start()
    start.wait()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    return seen


def test_racing_writers_leave_the_furthest_step_and_readers_never_see_it_go_back(r):
    # Several rounds: an unguarded read-then-write loses a round about half the time.
    for _ in range(6):
        job = new_job_id()
        seen = race(r, job)
        assert step_of(shown(r, job)) == STEP_ANALYZING  # the furthest step any writer wrote
        assert seen and seen == sorted(seen), "a reader saw the job move back"


async def test_the_api_writer_writes_what_the_worker_writer_writes(r, redis_url):
    api = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        by_api, by_worker = new_job_id(), new_job_id()
        for step in (STEP_PENDING_UPLOAD, STEP_QUEUED):
            assert await job_status.advance_async(api, by_api, step)
            assert job_status.advance(r, by_worker, step)
        a, w = r.hgetall(job_status_key(by_api)), r.hgetall(job_status_key(by_worker))
        assert {k: v for k, v in a.items() if k != "updated_at"} == {
            k: v for k, v in w.items() if k != "updated_at"
        }
        assert await job_status.read_async(api, by_api) == JobView.from_hash(a)

        # The API never pulls a job back that a worker already moved on ...
        job_status.advance(r, by_api, STEP_STORAGE_STARTED)
        assert not await job_status.advance_async(api, by_api, STEP_QUEUED)
        # ... and undoes "queued" (a failed enqueue) only while the job still shows it.
        assert not await job_status.revert_async(api, by_api, JobStatus.QUEUED, STEP_PENDING_UPLOAD)
        assert (await job_status.read_async(api, by_api)).status == JobStatus.PROCESSING
        assert await job_status.revert_async(api, by_worker, JobStatus.QUEUED, STEP_PENDING_UPLOAD)
        assert (await job_status.read_async(api, by_worker)).status == JobStatus.PENDING_UPLOAD

        await job_status.forget_async(api, by_api)
        assert await job_status.read_async(api, by_api) is None
    finally:
        await api.aclose()


def test_redis_outage_never_fails_a_task():
    down = redis.Redis(port=free_port(), socket_connect_timeout=0.5, socket_timeout=0.5)
    assert job_status.advance(down, new_job_id(), STEP_DONE, result={"category": "metal"}) is False
    assert job_status.advance(None, new_job_id(), STEP_DONE) is False


def test_a_hash_the_reader_cannot_use_counts_as_absent(r):
    job = new_job_id()
    r.hset(job_status_key(job), mapping={"status": "teleported", "progress": "70"})
    assert shown(r, job) is None
    r.hset(job_status_key(job), mapping={"status": "done", "progress": "x", "result": "{not json"})
    assert shown(r, job) == JobView(status=JobStatus.DONE, progress=100)
    # A write is not blocked by a status it does not know.
    r.hset(job_status_key(job), mapping={"status": "teleported"})
    assert job_status.advance(r, job, STEP_QUEUED)


def _synced(pg_url: str, job: str, rows: list[tuple[str, str, str | None, str | None]]) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for worker, state, result, error in rows:
            conn.execute(
                "INSERT INTO tasks.task_results (task_id, job_id, worker, task_name, user_id, state,"
                " attempts, result, error, updated_at) VALUES (%s, %s, %s, 't', 'u', %s, 1, %s, %s, now())",
                (f"{job}:{worker}", job, worker, state, result, error),
            )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("storage", "succeeded", "{}", None)], (STEP_HANDED_TO_AI, None)),
        (
            [("storage", "failed", None, "not an image")],
            (step_ended(JobStatus.FAILED, "storage"), "not an image"),
        ),
        (
            [("storage", "succeeded", "{}", None), ("ai", "dead", None, "exhausted")],
            (step_ended(JobStatus.DEAD, "ai"), "exhausted"),
        ),
        (
            [("storage", "succeeded", "{}", None), ("ai", "succeeded", '{"category": "vinyl"}', None)],
            (STEP_DONE, None),
        ),
    ],
)
async def test_after_the_hash_expired_the_synced_rows_answer(pg_url, rows, expected):
    migrate(pg_url)
    job = f"job-{uuid.uuid4().hex[:12]}"
    _synced(pg_url, job, rows)
    step, error = expected
    async with await psycopg.AsyncConnection.connect(pg_url) as conn:
        view = await job_status.read_synced(conn, job)
        assert await job_status.read_synced(conn, "job-never-synced") is None
    assert view is not None and view.updated_at is not None
    assert step_of(view) == step and view.error == error
    assert view.result == ({"category": "vinyl"} if step == STEP_DONE else None)
