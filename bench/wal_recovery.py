"""Time to recover a worker journal of 100k rows at start (prints figures).

Recovery = open the file, ``PRAGMA integrity_check``, find the unfinished rows, and re-enqueue
each one (or dead-letter it when its attempts are spent) with publisher confirms. Runs with 0,
1,000 and 10,000 unfinished rows among the 100k, half of the unfinished ones out of attempts.

    uv run python bench/wal_recovery.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from kombu import Connection

from ecoeco.services.common.messaging import declare_topology
from ecoeco.services.common.settings import Settings
from ecoeco.services.workers.celery_app import make_app
from ecoeco.services.workers.journal import Journal
from ecoeco.services.workers.recovery import recover
from ecoeco.services.workers.runtime import WorkerRuntime
from ecoeco.services.workers.sync import Syncer
from ecoeco.shared.jobs import TASK_STORAGE

MGMT = "http://127.0.0.1:15672"
AUTH = ("guest", "guest")


def fill(path: Path, rows: int, unfinished: int) -> None:
    journal = Journal(path, "storage")
    now = time.time()
    conn = journal._conn()
    conn.execute("BEGIN IMMEDIATE")

    def row(i: int) -> tuple:
        kwargs = json.dumps({"job_id": f"job-{i}", "user_id": "u", "object_key": f"uploads/job-{i}/a.jpg"})
        if i < unfinished:
            state, attempts = "running", (3 if i % 2 else 1)  # half with no attempts left
        else:
            state, attempts = "succeeded", 1
        return (f"job-{i}:storage", f"job-{i}", kwargs, state, attempts, now, now, now)

    conn.executemany(
        "INSERT INTO task_journal (task_id, job_id, worker, task_name, user_id, kwargs, state, attempts,"
        f" received_at, started_at, updated_at) VALUES (?, ?, 'storage', '{TASK_STORAGE}', 'u', ?, ?, ?, ?, ?, ?)",
        (row(i) for i in range(rows)),
    )
    conn.execute("COMMIT")
    journal.close()


def run(rows: int, unfinished: int) -> None:
    vhost = f"ecoeco-bench-{uuid.uuid4().hex[:8]}"
    httpx.put(f"{MGMT}/api/vhosts/{vhost}", auth=AUTH, timeout=10).raise_for_status()
    httpx.put(
        f"{MGMT}/api/permissions/{vhost}/guest",
        auth=AUTH,
        json={"configure": ".*", "write": ".*", "read": ".*"},
    ).raise_for_status()
    broker = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    try:
        with Connection(broker) as conn:
            declare_topology(conn.default_channel)
        app = make_app(broker)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "storage.db"
            fill(path, rows, unfinished)
            t0 = time.perf_counter()
            journal = Journal(path, "storage")
            assert journal.integrity_check() == "ok"
            t1 = time.perf_counter()
            settings = Settings(broker_url=broker, wal_dir=Path(tmp), max_attempts=3)
            rt = WorkerRuntime(
                "storage", settings, journal, Syncer(journal, settings.database_url, 1e9), None
            )
            report = recover(rt, app)
            t2 = time.perf_counter()
            per = f", {1000 * (t2 - t1) / unfinished:.2f} ms per unfinished row" if unfinished else ""
            print(
                f"{rows} rows, {unfinished:>6} unfinished: open+integrity_check {t1 - t0:5.2f} s, "
                f"recover {t2 - t1:6.2f} s ({report.as_dict()}){per}; total {t2 - t0:.2f} s"
            )
            journal.close()
        app.close()
    finally:
        httpx.delete(f"{MGMT}/api/vhosts/{vhost}", auth=AUTH, timeout=10)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    args = p.parse_args()
    for unfinished in (0, 1_000, 10_000):
        run(args.rows, unfinished)


if __name__ == "__main__":
    main()
