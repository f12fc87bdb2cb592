"""The sync SQL against real PostgreSQL: idempotent batches, a rank that never regresses, rows
marked synced only after the commit, and a backlog that survives an unreachable database."""

from __future__ import annotations

import dataclasses
import time
import uuid

import psycopg
import pytest
from tests.conftest import free_port

from ecoeco.services.workers.journal import Journal
from ecoeco.services.workers.sync import Syncer, migrate, push_rows
from ecoeco.shared.jobs import STATE_RANK, TaskState

pytestmark = pytest.mark.integration


@pytest.fixture
def journal(tmp_path):
    j = Journal(tmp_path / "ai.db", "ai")
    yield j
    j.close()


def finished_row(journal: Journal, tid: str, state: TaskState, result=None, error=None):
    journal.receive(tid, "ecoeco.ai.classify", {"job_id": tid.split(":")[0], "user_id": "u"}, max_attempts=3)
    journal.finish(tid, state, result=result, error=error)
    return journal.get(tid)


def stored(pg_url: str, tid: str):
    with psycopg.connect(pg_url) as conn:
        return conn.execute(
            "SELECT state, attempts, result, error FROM tasks.task_results WHERE task_id = %s", (tid,)
        ).fetchall()


def test_state_rank_function_matches_the_contract(pg_url):
    # The upsert's guard runs in PostgreSQL (tasks.state_rank); the journal's ranks are in Python.
    migrate(pg_url)
    with psycopg.connect(pg_url) as conn:
        in_sql = dict(
            conn.execute(
                "SELECT s, tasks.state_rank(s) FROM unnest(%s::text[]) AS s", ([str(s) for s in TaskState],)
            ).fetchall()
        )
        unknown = conn.execute("SELECT tasks.state_rank('teleported')").fetchone()[0]
        allowed = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'tasks.task_results'::regclass AND contype = 'c'"
        ).fetchone()[0]
    assert set(STATE_RANK) == set(TaskState)
    assert in_sql == {str(state): rank for state, rank in STATE_RANK.items()}
    assert unknown < min(STATE_RANK.values())
    assert all(f"'{state}'" in allowed for state in TaskState), allowed


def test_rank_never_regresses_and_batches_are_idempotent(pg_url, journal):
    migrate(pg_url)
    tid = f"{uuid.uuid4().hex[:8]}:ai"
    done = finished_row(journal, tid, TaskState.SUCCEEDED, result={"category": "glass"})
    with psycopg.connect(pg_url, autocommit=True) as conn:
        push_rows(conn, [done.for_push()])
        push_rows(conn, [done.for_push()])  # the same batch again (a sync whose marking was lost)
        assert stored(pg_url, tid) == [("succeeded", 1, {"category": "glass"}, None)]

        # An older, lower-ranked version arriving late (e.g. from a replayed batch) changes nothing.
        stale = dataclasses.replace(done, state="running", result=None, updated_at=done.updated_at + 10)
        push_rows(conn, [stale.for_push()])
        failed = dataclasses.replace(done, state="failed", error="x", updated_at=done.updated_at + 20)
        push_rows(conn, [failed.for_push()])
        assert stored(pg_url, tid) == [("succeeded", 1, {"category": "glass"}, None)]

        # Equal rank: the newer row wins; an older one of equal rank does not.
        dead = dataclasses.replace(done, state="dead", error="gave up", updated_at=done.updated_at + 30)
        push_rows(conn, [dead.for_push()])
        assert stored(pg_url, tid)[0][0] == "dead"
        push_rows(conn, [done.for_push()])
        assert stored(pg_url, tid)[0][0] == "dead"


def test_syncer_marks_synced_only_what_was_committed(pg_url, journal):
    ids = [f"{uuid.uuid4().hex[:8]}:ai" for _ in range(25)]
    for tid in ids:
        finished_row(journal, tid, TaskState.SUCCEEDED, result={"n": tid})
    journal.receive("inflight:ai", "ecoeco.ai.classify", {}, max_attempts=3)  # not finished: not pushed
    syncer = Syncer(journal, pg_url, interval_s=300, batch_rows=10)  # three batches
    outcome = syncer.sync_once()
    assert outcome.ok and outcome.pushed == 25
    assert journal.stats()["unsynced_rows"] == 0
    with psycopg.connect(pg_url) as conn:
        n = conn.execute(
            "SELECT count(*) FROM tasks.task_results WHERE task_id = ANY(%s)", (ids,)
        ).fetchone()[0]
        assert n == 25
        assert (
            conn.execute("SELECT count(*) FROM tasks.task_results WHERE task_id = 'inflight:ai'").fetchone()[
                0
            ]
            == 0
        )
    assert syncer.sync_once().pushed == 0


def test_unreachable_database_counts_errors_and_keeps_the_backlog(journal):
    finished_row(journal, "lonely:ai", TaskState.SUCCEEDED, result={})
    syncer = Syncer(journal, f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/nowhere", interval_s=300)
    outcome = syncer.sync_once()
    assert not outcome.ok
    assert syncer.state.sync_errors_total == 1 and syncer.state.last_sync_success_ts is None
    assert "hunter2" not in (outcome.error or "")
    assert journal.stats()["unsynced_rows"] == 1


def test_syncer_thread_serves_requests_in_order(pg_url, journal):
    finished_row(journal, f"{uuid.uuid4().hex[:8]}:ai", TaskState.SUCCEEDED, result={})
    seen: list[bool] = []
    syncer = Syncer(journal, pg_url, interval_s=300, on_sync=lambda o: seen.append(o.ok))
    syncer.start()
    try:
        syncer.request_sync()
        syncer.request("checkpoint")
        done = []
        syncer.request("probe", lambda: done.append(True))
        deadline = time.monotonic() + 20
        while not done and time.monotonic() < deadline:
            time.sleep(0.05)
        assert done and seen == [True]
        assert journal.stats()["unsynced_rows"] == 0
    finally:
        syncer.stop(final_sync=False)


def test_sync_round_trips_awkward_text_nulls_and_microseconds(journal, pg_url):
    # SQLite writes the COPY lines itself: tabs, newlines, CRs and backslashes in any text column,
    # NULLs, non-ASCII and sub-second times must reach PostgreSQL unchanged.
    odd = "tab\there\nnew line\r\\back\\slash \\N 페트병"
    tid = f"job\t{uuid.uuid4().hex[:6]}\\x:ai"
    journal.receive(tid, "ecoeco.ai.classify", {"job_id": odd, "user_id": None}, max_attempts=3)
    journal.finish(tid, TaskState.FAILED, result={"text": odd, "n": 1.5}, error=odd, now=1_700_000_000.123456)
    plain = finished_row(journal, f"{uuid.uuid4().hex[:6]}:ai", TaskState.SUCCEEDED)
    journal._conn().execute("UPDATE task_journal SET started_at = NULL WHERE task_id = ?", (plain.task_id,))
    out = Syncer(journal, pg_url, interval_s=300).sync_once()
    assert out.ok and out.pushed == 2, out
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT job_id, user_id, result, error, extract(epoch FROM finished_at)"
            " FROM tasks.task_results WHERE task_id = %s",
            (tid,),
        ).fetchone()
        started = conn.execute(
            "SELECT started_at FROM tasks.task_results WHERE task_id = %s", (plain.task_id,)
        ).fetchone()[0]
    assert row[0] == odd and row[1] is None and row[3] == odd
    assert row[2] == {"text": odd, "n": 1.5}
    assert float(row[4]) == pytest.approx(1_700_000_000.123456, abs=1e-6)
    assert started is None
    assert journal.stats()["unsynced_rows"] == 0


def test_a_row_changed_while_its_batch_was_pushed_stays_unsynced(journal, pg_url):
    rows = [finished_row(journal, f"{uuid.uuid4().hex[:6]}:ai", TaskState.SUCCEEDED) for _ in range(5)]
    text, marks, _ = journal.unsynced_copy_batch(10)
    assert len(marks) == 5
    # The push happens; meanwhile one row moves on (a newer version), then the marks land.
    journal.revive(rows[0].task_id)  # not dead: no change
    journal._conn().execute(
        "UPDATE task_journal SET version = version + 1 WHERE task_id = ?", (rows[1].task_id,)
    )
    assert journal.mark_synced_rowids(marks) == 4
    assert journal.stats()["unsynced_rows"] == 1
