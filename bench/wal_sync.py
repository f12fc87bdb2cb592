"""Rows/s pushed from a worker journal into PostgreSQL for a 100k-row backlog, vs baselines (prints figures).

The backlog is written straight into a fresh journal file (one transaction: setting it up
through the task path would only measure fsyncs), then ``Syncer.sync_once`` pushes it into a
fresh database in batches of ``BATCH_ROWS`` (COPY into a stage table + rank-guarded upsert,
marked synced after each commit). A second run over the same rows measures the idempotent
re-push (every row conflicts and is compared).

In the same run, each into a fresh database of its own:

- floor: the COPY + stage + upsert of the same rows already in memory as tuples (what PostgreSQL's
  side costs with no journal work at all) -- the issue's "~41k rows/s baseline";
- before: the previous sync loop (``PushRow`` objects, COPY ``write_row`` per row, an fsynced mark
  by task id per batch);
- now: ``Syncer.sync_once``.

    uv run python bench/wal_sync.py [--rows 100000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from ecoeco.services.workers.journal import Journal
from ecoeco.services.workers.sync import BATCH_ROWS, STAGE_COLUMNS, Syncer, migrate, push_rows

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


@contextmanager
def fresh_db() -> Iterator[str]:
    db = f"ecoeco_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db}"')
    try:
        url = f"postgresql://postgres@127.0.0.1:5432/{db}"
        migrate(url)
        yield url
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def floor(journal: Journal, rows: int) -> float:
    """rows/s of COPY + stage + upsert alone: the rows are read out of the journal first (untimed)."""
    pushed = journal.unsynced_for_push(rows)
    with fresh_db() as url, psycopg.connect(url, autocommit=True) as conn:
        t = time.perf_counter()
        for i in range(0, len(pushed), BATCH_ROWS):
            push_rows(conn, pushed[i : i + BATCH_ROWS])
        took = time.perf_counter() - t
    assert len(STAGE_COLUMNS) == len(pushed[0]) - 1
    return len(pushed) / took


def before(journal: Journal) -> float:
    """rows/s of the previous sync loop (kept here as the baseline)."""
    with fresh_db() as url, psycopg.connect(url, autocommit=True) as conn:
        t = time.perf_counter()
        pushed = 0
        rows = journal.unsynced_for_push(BATCH_ROWS)
        while rows:
            push_rows(conn, rows)
            journal.mark_synced((r.task_id, r.version) for r in rows)
            pushed += len(rows)
            if len(rows) < BATCH_ROWS:
                break
            rows = journal.unsynced_for_push(BATCH_ROWS)
        return pushed / (time.perf_counter() - t)


def now(journal: Journal) -> float:
    with fresh_db() as url:
        syncer = Syncer(journal, url, interval_s=300)
        syncer._migrated = True
        out = syncer.sync_once()
        assert out.ok, out.error
        with psycopg.connect(url) as c:
            assert c.execute("SELECT count(*) FROM tasks.task_results").fetchone()[0] == out.pushed
        return out.pushed / out.duration_s


def unsync(journal: Journal) -> None:
    conn = journal._conn()
    conn.execute("UPDATE task_journal SET synced_version = 0, synced_at = NULL")
    journal.checkpoint("TRUNCATE")


def compare(rows: int, repeat: int) -> None:
    """floor, before and now over the same journal, interleaved ``repeat`` times."""
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(Path(tmp) / "ai.db", "ai")
        fill(journal, rows)
        figures: dict[str, list[float]] = {"floor": [], "before": [], "now": []}
        for _ in range(repeat):
            figures["floor"].append(floor(journal, rows))
            unsync(journal)
            figures["before"].append(before(journal))
            unsync(journal)
            figures["now"].append(now(journal))
            unsync(journal)
        journal.close()
    best = {k: max(v) for k, v in figures.items()}
    for k, v in figures.items():
        print(f"{k:>6}: " + ", ".join(f"{x:,.0f}" for x in v) + " rows/s")
    print(
        f"first push of {rows:,} rows, best of {repeat}: now {best['now']:,.0f} rows/s = "
        f"{best['now'] / best['floor']:.2f}x the COPY+stage+upsert floor ({best['floor']:,.0f} rows/s); "
        f"before {best['before']:,.0f} rows/s = {best['before'] / best['floor']:.2f}x"
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args()
    compare(args.rows, args.repeat)
    with fresh_db() as url, tempfile.TemporaryDirectory() as tmp:
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


if __name__ == "__main__":
    main()
