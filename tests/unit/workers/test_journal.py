"""The SQLite journal on its own: receipts, attempts, idempotent redelivery, sync bookkeeping."""

from __future__ import annotations

import json
import os
import sqlite3
import threading

import pytest

from ecoeco.services.workers.journal import Journal, PushRow
from ecoeco.services.workers.sync import STAGE_COLUMNS, STAGE_DDL
from ecoeco.shared.jobs import TaskState

KW = {"job_id": "j1", "user_id": "u1", "object_key": "uploads/j1/a.jpg"}


@pytest.fixture
def journal(tmp_path):
    j = Journal(tmp_path / "storage.db", "storage")
    yield j
    j.close()


def test_file_is_wal_with_full_sync(journal):
    conn = journal._conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_outcomes_stay_fully_synchronous_after_a_receipt(journal):
    # The receipt commits without its own fsync; the outcome written before the ack must not.
    conn = journal._conn()
    journal.receive("j0:storage", "t", KW, max_attempts=3, start=True)
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again
    journal.finish("j0:storage", TaskState.SUCCEEDED, result={"ok": 1})
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    with sqlite3.connect(journal.path) as other:  # committed, visible to another connection
        assert other.execute("SELECT state FROM task_journal").fetchone()[0] == "succeeded"


def test_receipt_then_result_and_redelivery_is_skipped(journal):
    first = journal.receive("j1:storage", "t", KW, max_attempts=3)
    assert first.run and first.attempts == 1
    journal.mark_running("j1:storage")
    journal.finish("j1:storage", TaskState.SUCCEEDED, result={"ok": 1})
    again = journal.receive("j1:storage", "t", KW, max_attempts=3)
    assert not again.run and again.state == "succeeded"
    row = journal.get("j1:storage")
    assert row.result == {"ok": 1} and row.attempts == 1 and row.job_id == "j1" and row.user_id == "u1"
    assert row.started_at is not None and row.finished_at is not None


def test_attempts_are_capped_then_dead(journal):
    for n in (1, 2, 3):
        receipt = journal.receive("p:storage", "t", KW, max_attempts=3)
        assert receipt.run and receipt.attempts == n
        journal.mark_running("p:storage")  # ... and the process dies mid-task
    last = journal.receive("p:storage", "t", KW, max_attempts=3)
    assert not last.run and last.exhausted and last.attempts == 3
    # The caller dead-letters the message, then records the row dead.
    journal.finish("p:storage", TaskState.DEAD, error="attempts exhausted")
    assert journal.get("p:storage").state == "dead"
    # A plain redelivery of a dead task is not run; a requeue from the dead-letter queue is.
    assert not journal.receive("p:storage", "t", KW, max_attempts=3).run
    revived = journal.receive("p:storage", "t", KW, max_attempts=3, revive=True)
    assert revived.run and revived.attempts == 1


def test_unsynced_and_mark_synced_respects_versions(journal):
    journal.receive("a", "t", KW, max_attempts=3)
    journal.receive("b", "t", KW, max_attempts=3)
    assert journal.unsynced() == []  # unfinished rows are not pushed
    journal.finish("a", TaskState.SUCCEEDED, result={})
    journal.finish("b", TaskState.FAILED, error="not an image")
    pending = journal.unsynced()
    assert [r.task_id for r in pending] == ["a", "b"]
    # "b" changes between the read and the commit: it must stay unsynced.
    journal.revive("b")  # no-op: b is failed, not dead
    journal.finish("b", TaskState.FAILED, error="still not an image")
    marked = journal.mark_synced((r.task_id, r.version) for r in pending)
    assert marked == 1
    assert [r.task_id for r in journal.unsynced()] == ["b"]
    stats = journal.stats()
    assert stats["unsynced_rows"] == 1
    assert stats["rows_by_state"] == {"received": 0, "running": 0, "succeeded": 1, "failed": 1, "dead": 0}
    assert stats["oldest_unsynced_age_s"] >= 0


def test_rows_for_push_name_what_the_syncer_sends(journal):
    journal.receive("a", "t", KW, max_attempts=3)
    journal.finish("a", TaskState.SUCCEEDED, result={"category": "유리"})
    journal.receive("b", "t", KW, max_attempts=3)
    journal.finish("b", TaskState.DEAD, error="gave up")
    pushed = journal.unsynced_for_push()
    # The raw read and the decoded row agree field by field (result as the JSON text it is stored as).
    assert pushed == [r.for_push() for r in journal.unsynced()]
    a, b = pushed
    assert (a.task_id, a.state, a.job_id, a.user_id, a.attempts) == ("a", "succeeded", "j1", "u1", 1)
    assert json.loads(a.result) == {"category": "유리"} and a.error is None
    assert (b.result, b.error, b.version) == (None, "gave up", 2)
    # The syncer sends every field but version, in the order of its stage table.
    stage_table = STAGE_DDL.split("(", 1)[1].rsplit(")", 1)[0]
    assert tuple(col.split()[0] for col in stage_table.split(",")) == STAGE_COLUMNS
    assert PushRow._fields == (*STAGE_COLUMNS, "version")


def test_stats_on_empty_journal(journal):
    stats = journal.stats()
    assert stats["unsynced_rows"] == 0 and stats["oldest_unsynced_age_s"] is None
    assert stats["file_bytes"] > 0


def test_concurrent_writers_lose_nothing(journal):
    def work(prefix: str) -> None:
        for i in range(200):
            tid = f"{prefix}-{i}"
            journal.receive(tid, "t", KW, max_attempts=3)
            journal.mark_running(tid)
            journal.finish(tid, TaskState.SUCCEEDED, result={"i": i})

    threads = [threading.Thread(target=work, args=(p,)) for p in "abcd"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert journal.stats()["rows_by_state"]["succeeded"] == 800
    assert journal.integrity_check() == "ok"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_thread_that_ends_gives_its_connection_back(journal):
    # The metrics server answers each scrape on a new thread, and each reads the journal.
    journal.receive("a", "t", KW, max_attempts=3)

    def scrape() -> None:
        assert journal.stats()["rows_by_state"]["received"] == 1

    for _ in range(20):  # warm-up
        t = threading.Thread(target=scrape)
        t.start()
        t.join()
    before = open_fds()
    for _ in range(300):
        t = threading.Thread(target=scrape)
        t.start()
        t.join()
    assert open_fds() <= before + 2  # was 2 more per thread (the db and its -wal)
    # A long-lived thread keeps its connection, and the journal still works from this one.
    journal.finish("a", TaskState.SUCCEEDED, result={})
    assert journal.get("a").state == "succeeded"


def test_close_closes_the_connections_of_live_threads(tmp_path):
    before = open_fds()
    journal = Journal(tmp_path / "ai.db", "ai")
    ready, release = threading.Event(), threading.Event()

    def worker() -> None:
        journal.stats()
        ready.set()
        release.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    ready.wait(10)
    journal.close()
    assert open_fds() <= before
    release.set()
    t.join()


def test_checkpoint_truncates_the_wal_file(journal):
    for i in range(300):
        journal.receive(f"t{i}", "t", KW, max_attempts=3)
    assert journal.wal_bytes() > 0
    busy, _, _ = journal.checkpoint("TRUNCATE")
    assert busy == 0 and journal.wal_bytes() == 0
    with pytest.raises(ValueError):
        journal.checkpoint("NOPE")


def test_second_process_sees_committed_receipts(journal, tmp_path):
    journal.receive("x", "t", KW, max_attempts=3)
    other = sqlite3.connect(tmp_path / "storage.db")
    assert other.execute("SELECT state, attempts FROM task_journal").fetchall() == [("received", 1)]
    other.close()


def test_finish_rejects_unfinished_state(journal):
    journal.receive("x", "t", KW, max_attempts=3)
    with pytest.raises(ValueError):
        journal.finish("x", TaskState.RUNNING)


def test_receipt_can_start_the_task_in_the_same_commit(journal):
    receipt = journal.receive("s", "t", KW, max_attempts=3, start=True)
    assert receipt.run and receipt.state == "running"
    row = journal.get("s")
    assert row.state == "running" and row.started_at == row.received_at
    assert [r.task_id for r in journal.unfinished()] == ["s"]  # recovery still sees it


def test_prune_removes_only_old_synced_finished_rows(journal):
    old, fresh, unsynced, running = "old", "fresh", "unsynced", "running"
    for tid in (old, fresh, unsynced):
        journal.receive(tid, "t", KW, max_attempts=3, now=1000.0)
    journal.finish(old, TaskState.SUCCEEDED, result={}, now=1000.0)
    journal.finish(fresh, TaskState.SUCCEEDED, result={}, now=9000.0)
    journal.finish(unsynced, TaskState.DEAD, error="x", now=1000.0)
    journal.receive(running, "t", KW, max_attempts=3, start=True, now=1000.0)
    journal.mark_synced([(r.task_id, r.version) for r in journal.unsynced() if r.task_id != unsynced])
    assert journal.prune_synced(older_than_s=3600, now=10_000.0) == 1
    assert sorted(r.task_id for r in journal.rows()) == [fresh, running, unsynced]
