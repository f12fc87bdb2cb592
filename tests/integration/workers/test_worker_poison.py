"""Poison messages end in q.dlq and the journal shows them dead: a task that always fails (after
the capped attempts) and a message that cannot even be decoded."""

from __future__ import annotations

import psycopg
import pytest
import redis
from kombu import Connection, Exchange, Producer
from tests.integration.workers.conftest import (
    BUCKET,
    broadcast,
    dlq_messages,
    new_job_id,
    send_storage,
    wait_for,
)

from ecoeco.services.workers.dead_letter import DEAD_REASON_HEADER
from ecoeco.shared.jobs import TASK_STORAGE, job_status_key, task_id
from ecoeco.shared.names import EXCHANGE

pytestmark = pytest.mark.integration


def test_always_failing_task_is_dead_after_max_attempts(
    worker_env, start_worker, client_app, redis_url, pg_url
):
    storage = start_worker("storage", worker_env)
    job = new_job_id()
    tid = task_id(job, "storage")
    # No object_key: the task fails with a TypeError on every attempt.
    client_app.send_task(TASK_STORAGE, kwargs={"job_id": job, "user_id": "u1"}, task_id=tid)

    row = wait_for(
        lambda: next(
            (r for r in storage.journal_rows() if r["task_id"] == tid and r["state"] == "dead"), None
        ),
        what="row dead",
    )
    assert row["attempts"] == 3
    assert "TypeError" in row["error"]
    dead = wait_for(lambda: dlq_messages(client_app.conf.broker_url), what="message in q.dlq")
    assert [m["headers"]["id"] for m in dead] == [tid]
    assert dead[0]["headers"]["task"] == TASK_STORAGE
    assert "TypeError" in dead[0]["headers"][DEAD_REASON_HEADER]
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    assert r.hget(job_status_key(job), "status") == "dead"

    # A redelivery of the dead task does not run it again.
    client_app.send_task(TASK_STORAGE, kwargs={"job_id": job, "user_id": "u1"}, task_id=tid)
    broadcast(client_app, "wal_sync", storage.node)
    with psycopg.connect(pg_url) as conn:
        got = wait_for(
            lambda: conn.execute(
                "SELECT state, attempts FROM tasks.task_results WHERE task_id = %s", (tid,)
            ).fetchone(),
            what="dead row synced",
        )
    assert got == ("dead", 3)


def test_undecodable_message_goes_to_dlq_and_journal(worker_env, start_worker, client_app):
    storage = start_worker("storage", worker_env)
    with Connection(client_app.conf.broker_url) as conn:
        Producer(conn.default_channel).publish(
            b"\xff\xfe{not json",
            exchange=Exchange(EXCHANGE, type="direct", durable=True),
            routing_key="storage",
            content_type="application/json",
            content_encoding="utf-8",
            headers={"id": "garbage-1"},
        )
    dead = wait_for(lambda: dlq_messages(client_app.conf.broker_url), what="undecodable message in q.dlq")
    assert len(dead) == 1 and dead[0]["headers"]["id"] == "garbage-1"
    row = wait_for(lambda: next((r for r in storage.journal_rows() if r["task_id"] == "garbage-1"), None))
    assert row["state"] == "dead" and "undecodable" in row["error"]


def test_upload_that_is_not_an_image_fails_once_with_a_reason(
    worker_env, start_worker, client_app, s3_client, redis_url
):
    storage = start_worker("storage", worker_env)
    job = new_job_id()
    key = f"uploads/{job}/photo.jpg"
    s3_client.put_object(
        Bucket=BUCKET, Key=key, Body=b"%PDF-1.7 this is a document", ContentType="image/jpeg"
    )
    tid = send_storage(client_app, job, key)
    row = wait_for(
        lambda: next(
            (r for r in storage.journal_rows() if r["task_id"] == tid and r["state"] == "failed"), None
        ),
        what="row failed",
    )
    assert row["attempts"] == 1  # bad input is not retried
    assert "not a readable image" in row["error"]
    status = redis.Redis.from_url(redis_url, decode_responses=True).hgetall(job_status_key(job))
    assert status["status"] == "failed" and "not a readable image" in status["error"]
    assert dlq_messages(client_app.conf.broker_url) == []
