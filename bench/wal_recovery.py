"""Recovery of a worker journal at start: re-enqueue rate, now vs the one-by-one baseline (prints figures).

Recovery = open the file, ``PRAGMA integrity_check``, find the unfinished rows, and re-enqueue
each one (or dead-letter it when its attempts are spent). Half of the unfinished rows are out of
attempts. Two paths over the same journal, in the same run:

- baseline: the previous code, one ``send_task`` per row with the app's ``confirm_publish`` (one
  confirm round trip per message), one job-status write per dead row;
- now: ``recovery.recover``, pages of 1,000 rows published on one confirm-mode channel and
  confirmed together, job statuses pipelined, the journal marked per page.

Then a real ``ecoeco-worker storage`` is started on a journal with ``--start-rows`` unfinished rows
and a probe task already queued: the time from exec to the probe being journaled, vs the same with
an empty journal (recovery runs in the background, so it should not delay consuming).

    uv run python bench/wal_recovery.py [--rows 100000] [--baseline-rows 2000] [--start-rows 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis
from celery import Celery
from kombu import Connection

from ecoeco.services.common import job_status
from ecoeco.services.common.messaging import declare_topology
from ecoeco.services.common.settings import Settings
from ecoeco.services.workers.celery_app import make_app
from ecoeco.services.workers.dead_letter import dead_letter
from ecoeco.services.workers.journal import Journal
from ecoeco.services.workers.recovery import RecoveryReport, recover
from ecoeco.services.workers.runtime import WORKER_QUEUES, WorkerRuntime
from ecoeco.services.workers.sync import Syncer
from ecoeco.shared.jobs import TASK_STORAGE, JobStatus, TaskState, step_ended
from ecoeco.shared.names import Q_STORAGE

MGMT = "http://127.0.0.1:15672"
AUTH = ("guest", "guest")
REDIS_URL = "redis://127.0.0.1:6379/1"


def fill(path: Path, rows: int, unfinished: int, tag: str) -> None:
    journal = Journal(path, "storage")
    now = time.time() - 60
    conn = journal._conn()
    conn.execute("BEGIN IMMEDIATE")

    def row(i: int) -> tuple:
        job = f"bench-{tag}-{i}"
        kwargs = json.dumps({"job_id": job, "user_id": "u", "object_key": f"uploads/{job}/a.jpg"})
        if i < unfinished:
            state, attempts = "running", (3 if i % 2 else 1)  # half with no attempts left
        else:
            state, attempts = "succeeded", 1
        return (f"{job}:storage", job, kwargs, state, attempts, now, now, now)

    conn.executemany(
        "INSERT INTO task_journal (task_id, job_id, worker, task_name, user_id, kwargs, state, attempts,"
        f" received_at, started_at, updated_at) VALUES (?, ?, 'storage', '{TASK_STORAGE}', 'u', ?, ?, ?, ?, ?, ?)",
        (row(i) for i in range(rows)),
    )
    conn.execute("COMMIT")
    journal.close()


def recover_one_by_one(rt: WorkerRuntime, app: Celery) -> RecoveryReport:
    """The recovery before this change (kept as the baseline): one confirmed publish per row."""
    report = RecoveryReport()
    max_attempts = rt.settings.max_attempts
    reason = f"unfinished at restart with no attempts left (max {max_attempts})"
    versions: list[tuple[str, int]] = []
    for row in rt.journal.unfinished():
        if row.attempts >= max_attempts:
            dead_letter(app, row.task_name, row.kwargs, row.task_id, rt.worker, reason)
            job_status.advance(rt.redis, row.job_id, step_ended(JobStatus.DEAD, rt.worker), error=reason)
            report.dead.append(row.task_id)
            versions.append((row.task_id, row.version))
        else:
            app.send_task(
                row.task_name, kwargs=row.kwargs, task_id=row.task_id, queue=WORKER_QUEUES[rt.worker]
            )
            report.requeued.append(row.task_id)
    if versions:
        rt.journal.finish_many_at(versions, TaskState.DEAD, reason)
    return report


@contextmanager
def vhost() -> Iterator[str]:
    name = f"ecoeco-bench-{uuid.uuid4().hex[:8]}"
    httpx.put(f"{MGMT}/api/vhosts/{name}", auth=AUTH, timeout=10).raise_for_status()
    httpx.put(
        f"{MGMT}/api/permissions/{name}/guest",
        auth=AUTH,
        json={"configure": ".*", "write": ".*", "read": ".*"},
        timeout=10,
    ).raise_for_status()
    broker = f"amqp://guest:guest@127.0.0.1:5672/{name}"
    try:
        with Connection(broker) as conn:
            declare_topology(conn.default_channel)
        yield broker
    finally:
        httpx.delete(f"{MGMT}/api/vhosts/{name}", auth=AUTH, timeout=10)


def run(rows: int, unfinished: int, baseline: bool, client: redis.Redis) -> float:
    tag = uuid.uuid4().hex[:6]
    with vhost() as broker, tempfile.TemporaryDirectory() as tmp:
        app = make_app(broker)
        path = Path(tmp) / "storage.db"
        fill(path, rows, unfinished, tag)
        t0 = time.perf_counter()
        journal = Journal(path, "storage")
        assert journal.integrity_check() == "ok"
        t1 = time.perf_counter()
        settings = Settings(broker_url=broker, wal_dir=Path(tmp), max_attempts=3)
        rt = WorkerRuntime("storage", settings, journal, Syncer(journal, settings.database_url, 1e9), client)
        report = recover_one_by_one(rt, app) if baseline else recover(rt, app)
        t2 = time.perf_counter()
        left = len(journal.unfinished())
        journal.close()
        app.close()
        rate = unfinished / (t2 - t1) if unfinished else 0.0
        print(
            f"{'baseline (one by one)' if baseline else 'now (batched confirms)':23} {rows} rows, "
            f"{unfinished:>6} unfinished: open+integrity_check {t1 - t0:5.2f} s, recover {t2 - t1:6.2f} s "
            f"({report.as_dict()}) = {rate:7,.0f} rows/s, {1000 * (t2 - t1) / max(unfinished, 1):.3f} ms/row; "
            f"still unfinished and not yet re-enqueued: {left - len(report.requeued)}",
            flush=True,
        )
        return rate


def first_consume(unfinished: int) -> float:
    """Seconds from exec of a storage worker to a probe task (queued before start) being journaled."""
    tag = uuid.uuid4().hex[:6]
    with vhost() as broker, tempfile.TemporaryDirectory() as tmp:
        wal = Path(tmp) / "wal"
        fill(wal / "storage.db", max(unfinished, 1), unfinished, tag)
        app = make_app(broker)
        probe = f"probe-{tag}:storage"
        app.send_task(
            TASK_STORAGE,
            kwargs={"job_id": f"probe-{tag}", "user_id": "u", "object_key": "uploads/none/a.jpg"},
            task_id=probe,
            queue=Q_STORAGE,
        )
        app.close()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ECOECO_")},
            "ECOECO_BROKER_URL": broker,
            "ECOECO_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres_nonexistent_bench",
            "ECOECO_REDIS_URL": REDIS_URL,
            "ECOECO_WAL_DIR": str(wal),
            "ECOECO_S3_ENDPOINT_URL": "http://127.0.0.1:9",
            "ECOECO_LOG_LEVEL": "WARNING",
        }
        log = (Path(tmp) / "worker.log").open("wb")
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "ecoeco-worker"), "storage"], env=env, stdout=log, stderr=log
        )
        try:
            db = sqlite3.connect(wal / "storage.db", timeout=10)
            while True:
                if proc.poll() is not None:
                    raise RuntimeError((Path(tmp) / "worker.log").read_text()[-2000:])
                row = db.execute("SELECT state FROM task_journal WHERE task_id = ?", (probe,)).fetchone()
                if row is not None:
                    took = time.perf_counter() - t0
                    break
                time.sleep(0.02)
            db.close()
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            log.close()
        return took


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--baseline-rows", type=int, default=2_000, help="unfinished rows for the baseline")
    p.add_argument("--start-rows", type=int, default=100_000, help="unfinished rows for the start test")
    args = p.parse_args()
    client = redis.Redis.from_url(REDIS_URL)
    base = run(args.rows, args.baseline_rows, True, client)
    now_small = run(args.rows, args.baseline_rows, False, client)
    now_10k = run(args.rows, min(10_000, args.rows), False, client)
    now_all = run(args.rows, args.rows, False, client)
    print(
        f"re-enqueue rate: now {now_small:,.0f} / {now_10k:,.0f} / {now_all:,.0f} rows/s "
        f"({args.baseline_rows:,} / 10,000 / {args.rows:,} unfinished) vs baseline {base:,.0f} rows/s "
        f"= {now_small / base:.1f}x on the same rows"
    )
    empty = first_consume(0)
    full = first_consume(args.start_rows)
    print(
        f"worker start -> probe task journaled: {full:.2f} s with {args.start_rows:,} unfinished rows "
        f"to recover vs {empty:.2f} s with an empty journal ({full / empty:.2f}x)"
    )


if __name__ == "__main__":
    main()
