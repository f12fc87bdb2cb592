"""The four remote-control commands answer per the contract; recovery at start re-enqueues an
unfinished row with attempts left and dead-letters one without."""

from __future__ import annotations

import json
import time

import pytest
from kombu import Connection, Exchange, Producer
from tests.integration.workers.conftest import (
    BUCKET,
    broadcast,
    dlq_messages,
    new_job_id,
    photo_bytes,
    send_storage,
    upload,
    wait_for,
)

from ecoeco.services.workers.journal import Journal
from ecoeco.shared.jobs import TASK_STORAGE, TaskState, task_id
from ecoeco.shared.names import EXCHANGE

pytestmark = pytest.mark.integration

STATS_KEYS = {
    "worker",
    "unsynced_rows",
    "oldest_unsynced_age_s",
    "last_sync_success_ts",
    "sync_errors_total",
    "file_bytes",
    "rows_by_state",
    "sync_interval_s",
}


def test_control_commands_reply(worker_env, start_worker, client_app, s3_client):
    storage = start_worker("storage", worker_env)
    job = new_job_id()
    send_storage(client_app, job, upload(s3_client, job, photo_bytes()))
    wait_for(lambda: storage.states().get(task_id(job, "storage")) == "succeeded", what="task done")

    stats = broadcast(client_app, "wal_stats", storage.node)
    assert set(stats) >= STATS_KEYS
    assert stats["worker"] == "storage"
    assert stats["unsynced_rows"] == 1
    assert stats["rows_by_state"] == {"received": 0, "running": 0, "succeeded": 1, "failed": 0, "dead": 0}
    assert stats["sync_interval_s"] == 300.0
    assert stats["file_bytes"] > 0

    assert broadcast(client_app, "wal_sync", storage.node) == {"ok": True, "accepted": "sync"}
    wait_for(lambda: broadcast(client_app, "wal_stats", storage.node)["unsynced_rows"] == 0, what="synced")
    assert broadcast(client_app, "wal_checkpoint", storage.node) == {"ok": True, "accepted": "checkpoint"}
    wal_file = storage.journal_path.with_name("storage.db-wal")
    wait_for(lambda: wal_file.stat().st_size == 0, what="-wal truncated")
    assert broadcast(client_app, "wal_replay", storage.node) == {"ok": True, "accepted": "replay"}
    # Replay of a journal with nothing unfinished changes nothing.
    time.sleep(1)
    assert storage.states() == {task_id(job, "storage"): "succeeded"}
    assert storage.stop() == 0  # SIGTERM: warm shutdown, clean exit


def test_recovery_at_start_requeues_or_dead_letters(
    worker_env, start_worker, client_app, s3_client, tmp_path
):
    ok_job, spent_job = new_job_id(), new_job_id()
    key = upload(s3_client, ok_job, photo_bytes(seed=5))
    # The journal a crashed worker left behind: one receipt with attempts left, one without.
    journal = Journal(tmp_path / "wal" / "storage.db", "storage")
    ok_id, spent_id = task_id(ok_job, "storage"), task_id(spent_job, "storage")
    kwargs = {"job_id": ok_job, "user_id": "u", "object_key": key}
    journal.receive(ok_id, TASK_STORAGE, kwargs, max_attempts=3)
    spent = {"job_id": spent_job, "user_id": "u", "object_key": "uploads/x"}
    for _ in range(3):
        journal.receive(spent_id, TASK_STORAGE, spent, max_attempts=3)
    journal.mark_running(spent_id)
    journal.close()

    storage = start_worker("storage", worker_env)
    wait_for(lambda: storage.states() == {ok_id: "succeeded", spent_id: "dead"}, what="recovered")
    dead = dlq_messages(client_app.conf.broker_url)
    assert [m["headers"]["id"] for m in dead] == [spent_id]

    # The operator fixes the cause and requeues the dead message as it is: it runs again.
    upload_at(s3_client, "uploads/x", photo_bytes(seed=6))
    with Connection(client_app.conf.broker_url) as conn:
        Producer(conn.default_channel).publish(
            json.dumps(dead[0]["body"]),
            exchange=Exchange(EXCHANGE, type="direct", durable=True),
            routing_key="storage",
            headers=dead[0]["headers"],
            content_type="application/json",
            content_encoding="utf-8",
        )
    wait_for(lambda: storage.states()[spent_id] == "succeeded", what="requeued dead task succeeded")


def upload_at(client, key: str, data: bytes) -> None:
    client.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType="image/jpeg")


def test_wal_replay_revives_dead_rows_on_request(worker_env, start_worker, client_app, s3_client, tmp_path):
    job = new_job_id()
    tid = task_id(job, "storage")
    kwargs = {"job_id": job, "user_id": "u", "object_key": upload(s3_client, job, photo_bytes(seed=8))}
    journal = Journal(tmp_path / "wal" / "storage.db", "storage")
    journal.receive(tid, TASK_STORAGE, kwargs, max_attempts=3)
    journal.finish(tid, TaskState.DEAD, error="gave up while S3 was down")
    journal.close()

    storage = start_worker("storage", worker_env)
    assert broadcast(client_app, "wal_replay", storage.node) == {"ok": True, "accepted": "replay"}
    time.sleep(1.5)
    assert storage.states() == {tid: "dead"}  # a plain replay leaves dead rows alone

    broadcast(client_app, "wal_replay", storage.node, task_ids=[tid])
    wait_for(lambda: storage.states() == {tid: "succeeded"}, what="revived row succeeded")
    assert storage.journal_rows()[0]["attempts"] == 1
