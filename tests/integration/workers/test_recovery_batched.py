"""Recovery's batched re-enqueue against the real RabbitMQ and Redis (a fresh vhost, unique job ids):
every unfinished row ends up in exactly one message, valid for Celery; a recovery interrupted
mid-way resumes without losing or repeating a row; rows a delivery touched since start are left
alone."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from kombu import Connection

from ecoeco.services.common.settings import Settings
from ecoeco.services.workers import recovery
from ecoeco.services.workers.journal import Journal
from ecoeco.services.workers.runtime import WorkerRuntime
from ecoeco.services.workers.sync import Syncer
from ecoeco.shared.jobs import TASK_STORAGE, TaskState, job_status_key
from ecoeco.shared.names import Q_DLQ, Q_STORAGE

REDIS_URL = "redis://127.0.0.1:6379/13"  # its own db: other workers clean up theirs


def fill(journal: Journal, unfinished: int, finished: int, tag: str, at: float) -> None:
    conn = journal._conn()
    conn.execute("BEGIN IMMEDIATE")
    rows = []
    for i in range(unfinished + finished):
        job = f"rec-{tag}-{i}"
        state = "running" if i < unfinished else "succeeded"
        attempts = 3 if (i < unfinished and i % 2) else 1  # odd unfinished rows: no attempts left
        kwargs = json.dumps({"job_id": job, "user_id": "u", "object_key": f"uploads/{job}/a.jpg"})
        rows.append((f"{job}:storage", job, kwargs, state, attempts, at, at, at))
    conn.executemany(
        "INSERT INTO task_journal (task_id, job_id, worker, task_name, user_id, kwargs, state, attempts,"
        f" received_at, started_at, updated_at) VALUES (?, ?, 'storage', '{TASK_STORAGE}', 'u', ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")


def queued(broker_url: str, queue: str) -> int:
    with Connection(broker_url) as conn:
        return conn.default_channel.queue_declare(queue=queue, passive=True).message_count


def drain(broker_url: str, queue: str) -> list[tuple[dict, list]]:
    out = []
    with Connection(broker_url) as conn:
        channel = conn.default_channel
        while (msg := channel.basic_get(queue, no_ack=True)) is not None:
            out.append((dict(msg.headers), json.loads(msg.body)))
    return out


@pytest.fixture
def rt(tmp_path: Path, vhost_broker_url: str):
    from kombu import Connection as C

    from ecoeco.services.common.messaging import declare_topology

    with C(vhost_broker_url) as conn:
        declare_topology(conn.default_channel)
    journal = Journal(tmp_path / "storage.db", "storage")
    settings = Settings(broker_url=vhost_broker_url, wal_dir=tmp_path, max_attempts=3)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    runtime = WorkerRuntime("storage", settings, journal, Syncer(journal, settings.database_url, 1e9), client)
    yield runtime
    journal.close()
    client.close()


def test_each_unfinished_row_becomes_one_valid_message_and_a_second_recovery_resends_nothing(
    rt: WorkerRuntime, client_app: Celery
) -> None:
    tag = uuid.uuid4().hex[:8]
    fill(rt.journal, unfinished=2_500, finished=500, tag=tag, at=time.time() - 10)
    report = recovery.recover(rt, client_app, page_rows=1_000)  # three pages
    broker = client_app.conf.broker_url
    assert (len(report.requeued), len(report.dead)) == (1_250, 1_250)
    assert queued(broker, Q_STORAGE) == 1_250
    assert queued(broker, Q_DLQ) == 1_250
    by_state = rt.journal.stats()["rows_by_state"]
    assert (by_state["dead"], by_state["running"], by_state["succeeded"]) == (1_250, 1_250, 500)
    # The dead rows' job statuses were written (one pipeline per page).
    assert rt.redis.hget(job_status_key(f"rec-{tag}-1"), "status") == "dead"

    # Valid Celery task messages under the same task ids, the DLQ ones with our reason header.
    storage = drain(broker, Q_STORAGE)
    headers, body = storage[0]
    assert headers["task"] == TASK_STORAGE and headers["id"] == f"rec-{tag}-0:storage"
    assert body[0] == [] and body[1]["job_id"] == f"rec-{tag}-0"
    assert len({h["id"] for h, _ in storage}) == 1_250
    dead = drain(broker, Q_DLQ)
    assert "x-ecoeco-dead-reason" in dead[0][0] and dead[0][0]["id"] == f"rec-{tag}-1:storage"

    # At the next start nothing is re-sent: the messages are in the broker already.
    again = recovery.recover(rt, client_app)
    assert again.as_dict() == {"requeued": 0, "dead": 0}
    # An operator's replay (resume=False) sends every unfinished row again.
    replayed = recovery.replay(rt, client_app)
    assert replayed.as_dict() == {"requeued": 1_250, "dead": 0}
    assert queued(broker, Q_STORAGE) == 1_250


def test_a_recovery_interrupted_mid_way_resumes_without_losing_or_repeating_a_row(
    rt: WorkerRuntime, client_app: Celery, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:8]
    fill(rt.journal, unfinished=2_000, finished=0, tag=tag, at=time.time() - 10)
    conn = rt.journal._conn()
    conn.execute("UPDATE task_journal SET attempts = 1")  # all re-enqueued, none dead
    real_send = recovery.ConfirmedPublisher.send
    calls = {"n": 0}

    def crash_in_second_page(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1_500:  # the second page is half written when the process "dies"
            raise ConnectionError("killed")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(recovery.ConfirmedPublisher, "send", crash_in_second_page)
    with pytest.raises(ConnectionError):
        recovery.recover(rt, client_app, page_rows=1_000)
    monkeypatch.setattr(recovery.ConfirmedPublisher, "send", real_send)
    broker = client_app.conf.broker_url
    assert queued(broker, Q_STORAGE) == 1_000  # only the confirmed first page went out

    resumed = recovery.recover(rt, client_app, page_rows=1_000)
    assert len(resumed.requeued) == 1_000
    ids = [h["id"] for h, _ in drain(broker, Q_STORAGE)]
    assert len(ids) == len(set(ids)) == 2_000


def test_rows_touched_since_start_are_left_to_their_delivery(rt: WorkerRuntime, client_app: Celery) -> None:
    tag = uuid.uuid4().hex[:8]
    started = time.time()
    fill(rt.journal, unfinished=4, finished=0, tag=tag, at=started - 10)
    # A broker redelivery ran row 0 again after the worker started (attempt 2, updated now).
    rt.journal.receive(f"rec-{tag}-0:storage", TASK_STORAGE, {"job_id": f"rec-{tag}-0"}, max_attempts=3)
    report = recovery.recover(rt, client_app, started_at=started)
    assert f"rec-{tag}-0:storage" not in report.requeued
    assert sorted(report.requeued) == [f"rec-{tag}-2:storage"]
    assert sorted(report.dead) == [f"rec-{tag}-1:storage", f"rec-{tag}-3:storage"]
    # A dead mark at a version the row has left behind changes nothing.
    row = rt.journal.get(f"rec-{tag}-0:storage")
    assert rt.journal.finish_many_at([(row.task_id, row.version - 1)], TaskState.DEAD, "late") == 0
    assert rt.journal.get(row.task_id).state == "received"
