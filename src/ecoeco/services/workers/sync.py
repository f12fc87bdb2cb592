"""The syncer: pushes finished journal rows to PostgreSQL ``tasks.task_results``.

One thread per worker process. It runs every ``wal_sync_interval_s`` and on demand, never
overlapping itself. Each batch is COPYed into a temporary stage table and upserted with a rank
guard, so a replayed or out-of-order batch can never move a task back to an earlier state.
Rows are marked synced only after the PostgreSQL commit; while PostgreSQL is unreachable the
errors are counted and the backlog simply grows.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg

from ecoeco.services.common.migrations import apply_migrations
from ecoeco.services.workers.journal import Journal, PushRow
from ecoeco.shared.jobs import RESULTS_TABLE
from ecoeco.shared.redact import redact

log = logging.getLogger(__name__)

BATCH_ROWS = 10_000
CONNECT_TIMEOUT_S = 5
# Checkpoint (TRUNCATE) after a sync once the -wal file is larger than this.
CHECKPOINT_WAL_BYTES = 4 * 1024 * 1024

STAGE_COLUMNS = PushRow._fields[:-1]  # all but the journal's version
_N_STAGE = len(STAGE_COLUMNS)
_COLS = ", ".join(STAGE_COLUMNS)
# Plain types in the stage (JSON as text, times as epoch seconds): COPY of simple values is the
# fast path; the conversion happens once, in the INSERT ... SELECT.
STAGE_DDL = """
CREATE TEMP TABLE task_results_stage (
    task_id text, job_id text, worker text, task_name text, user_id text, state text, attempts integer,
    result text, error text, received_at float8, started_at float8, finished_at float8, updated_at float8
) ON COMMIT DROP
"""
_SELECT = (
    "task_id, job_id, worker, task_name, user_id, state, attempts, result::jsonb, error,"
    " to_timestamp(received_at), to_timestamp(started_at), to_timestamp(finished_at), to_timestamp(updated_at)"
)
_UPDATES = ", ".join(f"{c} = EXCLUDED.{c}" for c in STAGE_COLUMNS if c != "task_id")

# Equal rank (succeeded vs dead) goes to the newer row; a lower rank never wins.
UPSERT_SQL = f"""
INSERT INTO {RESULTS_TABLE} AS t ({_COLS}, synced_at)
SELECT {_SELECT}, now() FROM task_results_stage
ON CONFLICT (task_id) DO UPDATE SET {_UPDATES}, synced_at = now()
WHERE tasks.state_rank(EXCLUDED.state) > tasks.state_rank(t.state)
   OR (tasks.state_rank(EXCLUDED.state) = tasks.state_rank(t.state) AND EXCLUDED.updated_at >= t.updated_at)
"""


def migrate(database_url: str) -> list[str]:
    """Create schema ``tasks`` and ``task_results`` (the shared runner; safe from two workers at once)."""
    return apply_migrations(database_url, "tasks", "ecoeco.services.workers")


def _push(conn: psycopg.Connection, write: Callable[[Any], None]) -> int:
    """Stage (COPY, ``write`` feeds it) and upsert in one transaction; returns how many rows
    PostgreSQL inserted or changed."""
    with conn.transaction():
        conn.execute(STAGE_DDL)
        with conn.cursor() as cur:
            with cur.copy(f"COPY task_results_stage ({_COLS}) FROM STDIN") as copy:
                write(copy)
            cur.execute(UPSERT_SQL)
            return cur.rowcount


def push_rows(conn: psycopg.Connection, rows: Sequence[PushRow]) -> int:
    """Upsert rows in one transaction; returns how many rows PostgreSQL inserted or changed."""

    def write(copy: Any) -> None:
        for row in rows:
            copy.write_row(row[:_N_STAGE])

    return _push(conn, write)


def push_copy_text(conn: psycopg.Connection, text: str) -> int:
    """``push_rows`` for a batch already in COPY text format (``Journal.unsynced_copy_batch``)."""
    return _push(conn, lambda copy: copy.write(text))


@dataclass
class SyncOutcome:
    ok: bool
    pushed: int = 0
    duration_s: float = 0.0
    error: str | None = None


@dataclass
class SyncState:
    """Counters the metrics and ``wal_stats`` read; written only by the syncer thread."""

    last_sync_success_ts: float | None = None
    last_error: str | None = None
    # When the counter last grew: judged against the last success, so one old failure is not news.
    last_sync_failure_ts: float | None = None
    sync_errors_total: int = 0
    syncs_total: int = 0
    rows_pushed_total: int = 0


class Syncer:
    """The journal -> PostgreSQL pusher, and the thread that runs operator requests in order."""

    def __init__(
        self,
        journal: Journal,
        database_url: str,
        interval_s: float,
        *,
        batch_rows: int = BATCH_ROWS,
        retention_s: float | None = None,
        on_sync: Callable[[SyncOutcome], None] | None = None,
    ) -> None:
        self.journal = journal
        self.database_url = database_url
        self.interval_s = interval_s
        self.batch_rows = batch_rows
        self.retention_s = retention_s
        self.state = SyncState()
        self._on_sync = on_sync
        self._requests: queue.Queue[tuple[str, Callable[[], Any] | None]] = queue.Queue()
        self._run_lock = threading.Lock()  # one sync at a time, whoever calls
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._migrated = False
        self._pushed = 0  # rows committed in PostgreSQL by the sync running now

    # -- the sync itself -------------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection:
        if not self._migrated:
            migrate(self.database_url)
            self._migrated = True
        return psycopg.connect(self.database_url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)

    def sync_once(self) -> SyncOutcome:
        """Push every unsynced finished row, batch by batch. Never runs twice at once."""
        with self._run_lock:
            started = time.monotonic()
            pushed = 0
            self._pushed = 0
            try:
                pushed = self._push_backlog()
                outcome = SyncOutcome(ok=True, pushed=pushed, duration_s=time.monotonic() - started)
                self.state.last_sync_success_ts = time.time()
                self.state.last_error = None
            except (psycopg.Error, OSError) as exc:
                pushed = self._pushed
                outcome = SyncOutcome(
                    ok=False, pushed=pushed, duration_s=time.monotonic() - started, error=_describe(exc)
                )
                self.state.sync_errors_total += 1
                self.state.last_sync_failure_ts = time.time()
                self.state.last_error = outcome.error
                log.warning("wal sync failed (%d rows pushed before the error): %s", pushed, outcome.error)
            self.state.syncs_total += 1
            self.state.rows_pushed_total += pushed
            if outcome.ok and self.retention_s is not None:
                self.journal.prune_synced(self.retention_s)
            if self.journal.wal_bytes() > CHECKPOINT_WAL_BYTES:
                self.checkpoint()
            if self._on_sync is not None:
                self._on_sync(outcome)
            return outcome

    def _push_backlog(self) -> int:
        """Push every unsynced finished row; returns how many were pushed.

        Profile (docs/decisions/performance-platform.md): reading the batch out of SQLite, a
        Python object and a COPY ``write_row`` per row, and an fsynced mark per batch cost as much
        as PostgreSQL's own work, one after the other. Now SQLite writes the COPY lines itself, the
        batches follow a key (finished_at, rowid) so the next one can be read before this one is
        marked, and one journal thread reads batch n+1 and marks batch n-1 while PostgreSQL upserts
        batch n (sqlite3 and psycopg both release the GIL while they wait). The marks are not
        fsynced: a mark lost in a host crash only re-pushes rows, a no-op upsert.
        """
        pushed = 0
        journal_side = ThreadPoolExecutor(1, thread_name_prefix=f"wal-sync-journal-{self.journal.worker}")
        marks_done: list[Future[int]] = []
        try:
            batch = journal_side.submit(self.journal.unsynced_copy_batch, self.batch_rows)
            # Connect even with nothing to push: "last sync success" must mean PostgreSQL answered.
            with self._connect() as conn:
                text, marks, key = batch.result()
                if not marks:
                    conn.execute("SELECT 1")
                while marks:
                    more = len(marks) >= self.batch_rows
                    if more:
                        batch = journal_side.submit(self.journal.unsynced_copy_batch, self.batch_rows, key)
                    push_copy_text(conn, text)  # committed here
                    marks_done.append(journal_side.submit(self.journal.mark_synced_rowids, marks))
                    pushed += len(marks)
                    self._pushed = pushed
                    if not more:
                        break
                    text, marks, key = batch.result()
        finally:
            journal_side.shutdown(wait=True)
        for done in marks_done:
            done.result()  # a failed mark raises here (the rows simply stay unsynced)
        return pushed

    def checkpoint(self) -> tuple[int, int, int]:
        return self.journal.checkpoint("TRUNCATE")

    # -- the thread --------------------------------------------------------------------------------
    def request(self, what: str, fn: Callable[[], Any] | None = None) -> None:
        """Queue work for the syncer thread (``sync``, ``checkpoint`` or a callable); returns at once."""
        self._requests.put((what, fn))

    def request_sync(self) -> None:
        self.request("sync")

    def start(self) -> None:
        if self._thread is not None:
            return
        try:  # create the table now so readers find it; if PostgreSQL is down, the first sync retries
            migrate(self.database_url)
            self._migrated = True
        except (psycopg.Error, OSError) as exc:
            log.warning("tasks schema migration deferred: %s", _describe(exc))
        self._thread = threading.Thread(
            target=self._loop, name=f"wal-syncer-{self.journal.worker}", daemon=True
        )
        self._thread.start()

    def stop(self, final_sync: bool = True, timeout: float = 15.0) -> None:
        self._stop.set()
        self._requests.put(("stop", None))
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if final_sync:
            self.sync_once()

    def _loop(self) -> None:
        next_due = time.monotonic() + self.interval_s
        while not self._stop.is_set():
            try:
                what, fn = self._requests.get(timeout=max(0.0, next_due - time.monotonic()))
            except queue.Empty:
                what, fn = "sync", None
            if self._stop.is_set() or what == "stop":
                return
            try:
                if fn is not None:
                    fn()
                elif what == "checkpoint":
                    self.checkpoint()
                else:
                    self.sync_once()
            except Exception:  # the syncer must outlive any one failure
                log.exception("wal syncer request %r failed", what)
            if what == "sync":
                next_due = time.monotonic() + self.interval_s


def _describe(exc: BaseException) -> str:
    # psycopg messages name host and port but never the password; keep the first line only.
    text = str(exc).strip().splitlines()
    return redact(f"{type(exc).__name__}: {text[0] if text else ''}")
