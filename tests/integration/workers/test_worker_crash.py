"""kill -9 of a worker in the middle of a task: after a restart nothing acked is lost, nothing is
duplicated in PostgreSQL, and the journal passes ``PRAGMA integrity_check``."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import redis
from tests.integration.workers.conftest import (
    broadcast,
    dlq_messages,
    new_job_id,
    photo_bytes,
    send_storage,
    upload,
    wait_for,
)

from ecoeco.services.workers.journal import Journal
from ecoeco.shared.jobs import job_status_key, task_id

pytestmark = pytest.mark.integration

JOBS = 16


def test_kill_9_mid_task_loses_and_duplicates_nothing(
    worker_env, start_worker, client_app, s3_client, pg_url, redis_url
):
    storage = start_worker("storage", worker_env)
    ai = start_worker("ai", worker_env)
    jobs = [new_job_id() for _ in range(JOBS)]
    for i, job in enumerate(jobs):
        # Large enough that a task takes a noticeable moment, so the kill lands mid-task.
        send_storage(client_app, job, upload(s3_client, job, photo_bytes(seed=i, size=(2400, 1800))))

    def caught_mid_task():
        states = storage.states()
        done = sum(1 for s in states.values() if s == "succeeded")
        running = [t for t, s in states.items() if s == "running"]
        return done >= 2 and running

    # The kill must land while a task runs; a task may finish between our look and the kill, so
    # try again (the worker restarts each time, which the test must survive anyway).
    for _ in range(5):
        wait_for(caught_mid_task, timeout=90, interval=0.02, what="a task running after 2 succeeded")
        storage.kill9()
        # The receipt survived the kill: the journal still shows the task running.
        interrupted = [t for t, s in storage.states().items() if s == "running"]
        storage.start(client_app)
        if interrupted:
            break
    else:
        pytest.fail("never caught a storage task mid-run in 5 kills")

    storage_ids = {task_id(j, "storage") for j in jobs}
    ai_ids = {task_id(j, "ai") for j in jobs}
    wait_for(
        lambda: storage.states() == dict.fromkeys(storage_ids, "succeeded"), timeout=120, what="storage done"
    )
    wait_for(lambda: ai.states() == dict.fromkeys(ai_ids, "succeeded"), timeout=120, what="ai done")

    rows = {r["task_id"]: r for r in storage.journal_rows()}
    for tid in interrupted:
        assert rows[tid]["attempts"] >= 2  # it was run again, not marked failed and forgotten
    r = redis.Redis.from_url(redis_url, decode_responses=True)

    # A storage re-run after the crash may briefly set a finished job back to "processing"; the
    # AI stage's skipped duplicate then restores "done".
    def not_done():
        return [j for j in jobs if r.hget(job_status_key(j), "status") != "done"]

    try:
        wait_for(lambda: not not_done(), what="all jobs done")
    except AssertionError as exc:  # say which jobs and what their status hash holds
        raise AssertionError(f"{exc}: {[(j, r.hgetall(job_status_key(j))) for j in not_done()]}") from None
    assert dlq_messages(client_app.conf.broker_url) == []

    for proc in (storage, ai):
        broadcast(client_app, "wal_sync", proc.node)
    with psycopg.connect(pg_url) as conn:

        def synced():
            return conn.execute(
                "SELECT worker, count(*), count(DISTINCT job_id) FROM tasks.task_results"
                " WHERE job_id = ANY(%s) AND state = 'succeeded' GROUP BY worker ORDER BY worker",
                (jobs,),
            ).fetchall()

        assert wait_for(lambda: synced() == [("ai", JOBS, JOBS), ("storage", JOBS, JOBS)], what="synced")

    storage.stop()
    assert Journal(storage.journal_path, "storage").integrity_check() == "ok"
    with sqlite3.connect(storage.journal_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
