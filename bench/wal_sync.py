"""Rows/s pushed from a worker journal into PostgreSQL for a 100k-row backlog (prints figures).

The backlog is written straight into a fresh journal file (one transaction: setting it up
through the task path would only measure fsyncs), then ``Syncer.sync_once`` pushes it into a
fresh database in batches of ``BATCH_ROWS`` (COPY into a stage table + rank-guarded upsert,
marked synced after each commit). A second run over the same rows measures the idempotent
re-push (every row conflicts and is compared).

    uv run python bench/wal_sync.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from ecoeco.services.workers.journal import Journal
from ecoeco.services.workers.sync import BATCH_ROWS, Syncer

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def fill(journal: Journal, rows: int) -> None:
    now = time.time()
    result = json.dumps({"category": "plastic", "item": "페트병", "confidence": 0.3, "points": 10})
    conn = journal._conn()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO task_journal (task_id, job_id, worker, task_name, user_id, kwargs, state, attempts, result,"
        " received_at, started_at, finished_at, updated_at) VALUES (?, ?, 'ai', 'ecoeco.ai.classify', ?, '{}',"
        " 'succeeded', 1, ?, ?, ?, ?, ?)",
        ((f"job-{i}:ai", f"job-{i}", f"user-{i % 500}", result, now, now, now, now) for i in range(rows)),
    )
    conn.execute("COMMIT")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    args = p.parse_args()
    db = f"ecoeco_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db}"')
    try:
        url = f"postgresql://postgres@127.0.0.1:5432/{db}"
        with tempfile.TemporaryDirectory() as tmp:
            journal = Journal(Path(tmp) / "ai.db", "ai")
            t = time.perf_counter()
            fill(journal, args.rows)
            print(
                f"backlog: {args.rows} finished rows written in {time.perf_counter() - t:.2f} s "
                f"(journal {journal.file_bytes() / 1e6:.1f} MB)"
            )
            syncer = Syncer(journal, url, interval_s=300)
            out = syncer.sync_once()
            assert out.ok, out.error
            print(
                f"first sync: {out.pushed} rows in {out.duration_s:.2f} s = {out.pushed / out.duration_s:,.0f} rows/s "
                f"(batches of {BATCH_ROWS}, incl. migration and marking synced)"
            )
            # Re-push everything (as after a lost "mark synced"): all conflicts, nothing changes.
            conn = journal._conn()
            conn.execute("UPDATE task_journal SET synced_version = 0")
            out2 = syncer.sync_once()
            print(
                f"idempotent re-push: {out2.pushed} rows in {out2.duration_s:.2f} s = "
                f"{out2.pushed / out2.duration_s:,.0f} rows/s"
            )
            empty = syncer.sync_once()
            print(f"sync with empty backlog: {empty.duration_s * 1000:.1f} ms")
            with psycopg.connect(url) as c:
                n = c.execute("SELECT count(*) FROM tasks.task_results").fetchone()[0]
            print(f"rows in PostgreSQL: {n}")
            journal.close()
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
