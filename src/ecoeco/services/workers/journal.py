"""The worker journal: one SQLite file per worker (``<wal_dir>/<worker>.db``) in WAL mode.

A task's receipt is written before it runs, each state change as it happens and the result
before the message is acked, so a crash at any point leaves a row that recovery can act on.
Every write is one ``BEGIN IMMEDIATE`` transaction: a deferred transaction that upgrades from
read to write fails with "database is locked" even with a busy timeout.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from ecoeco.shared.jobs import TaskState

FINISHED_STATES = (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.DEAD)
UNFINISHED_STATES = (TaskState.RECEIVED, TaskState.RUNNING)
BUSY_TIMEOUT_MS = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS task_journal (
    task_id        TEXT PRIMARY KEY,
    job_id         TEXT,
    worker         TEXT NOT NULL,
    task_name      TEXT NOT NULL,
    user_id        TEXT,
    kwargs         TEXT NOT NULL DEFAULT '{}',
    state          TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    result         TEXT,
    error          TEXT,
    received_at    REAL NOT NULL,
    started_at     REAL,
    finished_at    REAL,
    updated_at     REAL NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    synced_version INTEGER NOT NULL DEFAULT 0,
    synced_at      REAL,
    requeued_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS task_journal_state ON task_journal (state);
CREATE INDEX IF NOT EXISTS task_journal_unsynced ON task_journal (finished_at)
    WHERE synced_version < version AND state IN ('succeeded', 'failed', 'dead');
"""

_UNSYNCED_WHERE = "synced_version < version AND state IN ('succeeded', 'failed', 'dead')"


class PushRow(NamedTuple):
    """A finished row as the syncer pushes it: the stage table's columns in order, then ``version``
    (last: the stage takes the columns before it; ``mark_synced`` takes it). ``result`` stays JSON
    text, so the sync path never decodes what it would only encode again."""

    task_id: str
    job_id: str | None
    worker: str
    task_name: str
    user_id: str | None
    state: str
    attempts: int
    result: str | None
    error: str | None
    received_at: float
    started_at: float | None
    finished_at: float | None
    updated_at: float
    version: int


# Built with tuple.__new__ from the plain row: no Python call per row, cheaper than sqlite3.Row
# (the SELECT names PushRow's fields, so the lengths always agree).
_push_row = partial(tuple.__new__, PushRow)
_PUSH_COLUMNS = ", ".join(PushRow._fields)


def _copy_text(column: str) -> str:
    """A text column as a COPY text field: NULL as \\N; backslash, newline, CR and tab escaped
    (the replace chain only for the rare value that holds one: GLOB scans once, copies nothing)."""
    escaped = (
        f"replace(replace(replace(replace({column}, '\\', '\\\\'), char(10), '\\n'),"
        f" char(13), '\\r'), char(9), '\\t')"
    )
    special = "'*[\\' || char(9, 10, 13) || ']*'"
    return f"coalesce(CASE WHEN {column} GLOB {special} THEN {escaped} ELSE {column} END, '\\N')"


def _copy_real(column: str) -> str:
    # Microseconds, what a PostgreSQL timestamp keeps (SQLite's own REAL -> TEXT keeps 15 digits).
    return f"CASE WHEN {column} IS NULL THEN '\\N' ELSE printf('%.6f', {column}) END"


def _copy_line() -> str:
    fields = {
        "attempts": "CAST(attempts AS TEXT)",
        **{c: _copy_real(c) for c in ("received_at", "started_at", "finished_at", "updated_at")},
    }
    parts = [fields.get(c) or _copy_text(c) for c in PushRow._fields[:-1]]
    return " || char(9) || ".join(parts)


_COPY_BATCH_SQL = (
    # The partial index holds exactly the unsynced rows, in (finished_at, rowid) order: no sort.
    f"SELECT {_copy_line()}, version, rowid, finished_at FROM task_journal INDEXED BY task_journal_unsynced"
    f" WHERE {_UNSYNCED_WHERE} AND (finished_at, rowid) > (?, ?)"
    " ORDER BY finished_at, rowid LIMIT ?"
)


@dataclass(frozen=True)
class JournalRow:
    task_id: str
    job_id: str | None
    worker: str
    task_name: str
    user_id: str | None
    kwargs: dict[str, Any]
    state: str
    attempts: int
    result: Any
    error: str | None
    received_at: float
    started_at: float | None
    finished_at: float | None
    updated_at: float
    version: int
    synced_version: int
    synced_at: float | None
    # The version recovery last re-enqueued (publisher-confirmed) this row at; see recovery.py.
    requeued_version: int = 0

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> JournalRow:
        data = dict(row)
        data["kwargs"] = json.loads(data["kwargs"] or "{}")
        data["result"] = json.loads(data["result"]) if data["result"] is not None else None
        return cls(**data)

    @property
    def synced(self) -> bool:
        return self.synced_version >= self.version

    def for_push(self) -> PushRow:
        return PushRow(
            self.task_id,
            self.job_id,
            self.worker,
            self.task_name,
            self.user_id,
            self.state,
            self.attempts,
            json.dumps(self.result, default=str) if self.result is not None else None,
            self.error,
            self.received_at,
            self.started_at,
            self.finished_at,
            self.updated_at,
            self.version,
        )


@dataclass(frozen=True)
class Receipt:
    """What the journal decided when a delivery arrived."""

    run: bool  # True: execute the task body now
    state: str  # the row's state after the receipt
    attempts: int
    exhausted: bool = False  # True: past max attempts; the caller dead-letters it, then finish(DEAD)


class _ThreadConn:
    """Holds one thread's connection in the thread's local storage. Python drops that storage when
    the thread ends, and the finalizer registered on this holder then closes the connection."""

    __slots__ = ("conn", "__weakref__")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


def _close_connection(
    conn: sqlite3.Connection, open_conns: dict[int, sqlite3.Connection], lock: threading.Lock
) -> None:
    with lock:
        open_conns.pop(id(conn), None)
    with suppress(sqlite3.Error):
        conn.close()


class Journal:
    """Thread-safe access to one worker's journal file; one SQLite connection per thread, closed
    when its thread ends (the metrics server answers each scrape on a new thread: a connection kept
    per thread forever leaked two file descriptors and about 2 MB per scrape)."""

    def __init__(self, path: Path | str, worker: str) -> None:
        self.path = Path(path)
        self.worker = worker
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        # The connections still open, for close(); a finalizer removes each as its thread ends.
        self._open: dict[int, sqlite3.Connection] = {}
        self._open_lock = threading.Lock()
        # Writers in this process queue on a mutex (woken at once) rather than on SQLite's busy
        # handler, which sleeps in coarse steps and cost the threads pool milliseconds per task.
        self._write_lock = threading.Lock()
        conn = self._conn()
        conn.executescript(SCHEMA)
        columns = {r["name"] for r in conn.execute("PRAGMA table_info(task_journal)")}
        if "requeued_version" not in columns:  # a journal file from before recovery was resumable
            conn.execute("ALTER TABLE task_journal ADD COLUMN requeued_version INTEGER NOT NULL DEFAULT 0")

    # -- connections --------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        held: _ThreadConn | None = getattr(self._local, "held", None)
        if held is None:
            # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a receipt acked to RabbitMQ must survive a host crash, not only a process crash.
            conn.execute("PRAGMA synchronous=FULL")
            held = _ThreadConn(conn)
            with self._open_lock:
                self._open[id(conn)] = conn
            # Not a reference to self: a journal nobody closed can still be collected.
            weakref.finalize(held, _close_connection, conn, self._open, self._open_lock)
            self._local.held = held
        return held.conn

    @contextmanager
    def _write(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction. ``durable=False`` commits without an fsync
        (synchronous=NORMAL): the frames survive a process crash, and the next durable commit's
        fsync of the -wal file carries them to disk too (see docs/decisions/worker-journal.md)."""
        conn = self._conn()
        with self._write_lock:
            if not durable:
                conn.execute("PRAGMA synchronous=NORMAL")
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                if not durable:
                    conn.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        # An explicit, short read transaction: a reader left open stops checkpoints and lets the
        # -wal file grow without bound.
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._open_lock:
            conns = list(self._open.values())
            self._open.clear()
        for conn in conns:
            with suppress(sqlite3.Error):
                conn.close()
        # Outside the lock: dropping the holders runs their finalizers, which take it.
        self._local = threading.local()

    # -- task lifecycle -----------------------------------------------------------------------
    def receive(
        self,
        task_id: str,
        task_name: str,
        kwargs: dict[str, Any],
        *,
        max_attempts: int,
        revive: bool = False,
        start: bool = False,
        now: float | None = None,
    ) -> Receipt:
        """Record a delivery before the task runs and decide whether to run it.

        Finished rows are not run again (deliveries are at-least-once; tasks are idempotent by
        id). ``revive`` lets a dead row run again (a message requeued from the dead-letter queue).
        ``start`` records the receipt directly as ``running`` when the body starts at once: one
        FULL-synchronous commit instead of two, with the same recovery meaning.
        """
        now = time.time() if now is None else now
        run_state = TaskState.RUNNING if start else TaskState.RECEIVED
        started_at = now if start else None
        # Not fsynced on its own: until the outcome is committed (FULL) the message is unacked, so
        # a host crash that loses this receipt only means RabbitMQ redelivers it.
        with self._write(durable=False) as conn:
            row = conn.execute(
                "SELECT state, attempts FROM task_journal WHERE task_id = ?", (task_id,)
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO task_journal (task_id, job_id, worker, task_name, user_id, kwargs, state,"
                    " attempts, received_at, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                    (
                        task_id,
                        _opt_str(kwargs.get("job_id")),
                        self.worker,
                        task_name,
                        _opt_str(kwargs.get("user_id")),
                        json.dumps(kwargs, default=str),
                        run_state,
                        now,
                        started_at,
                        now,
                    ),
                )
                return Receipt(run=True, state=run_state, attempts=1)
            state, attempts = row["state"], row["attempts"]
            if state in (TaskState.SUCCEEDED, TaskState.FAILED) or (state == TaskState.DEAD and not revive):
                return Receipt(run=False, state=state, attempts=attempts)
            attempts = 1 if state == TaskState.DEAD else attempts + 1
            if attempts > max_attempts:
                # Not marked dead here: the caller publishes to q.dlq first, then calls finish(DEAD),
                # so a crash in between ends in a second dead-letter, never in none.
                return Receipt(run=False, state=state, attempts=attempts - 1, exhausted=True)
            conn.execute(
                "UPDATE task_journal SET state = ?, attempts = ?, started_at = COALESCE(?, started_at),"
                " finished_at = NULL, updated_at = ?, version = version + 1 WHERE task_id = ?",
                (run_state, attempts, started_at, now, task_id),
            )
            return Receipt(run=True, state=run_state, attempts=attempts)

    def mark_running(self, task_id: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._write() as conn:
            conn.execute(
                "UPDATE task_journal SET state = ?, started_at = ?, updated_at = ?, version = version + 1"
                " WHERE task_id = ?",
                (TaskState.RUNNING, now, now, task_id),
            )

    def finish(
        self,
        task_id: str,
        state: TaskState,
        *,
        result: Any = None,
        error: str | None = None,
        now: float | None = None,
    ) -> None:
        """Record the outcome (before the message is acked)."""
        if state not in FINISHED_STATES:
            raise ValueError(f"not a finished state: {state}")
        now = time.time() if now is None else now
        with self._write() as conn:
            conn.execute(
                "UPDATE task_journal SET state = ?, result = ?, error = ?, finished_at = ?, updated_at = ?,"
                " version = version + 1 WHERE task_id = ?",
                (state, _json_or_none(result), error, now, now, task_id),
            )

    def finish_many_at(
        self, versions: Iterable[tuple[str, int]], state: TaskState, error: str, now: float | None = None
    ) -> int:
        """Finish rows only if each is still at the version read (recovery running next to the
        consumer: a row a delivery has touched since is that delivery's to finish)."""
        if state not in FINISHED_STATES:
            raise ValueError(f"not a finished state: {state}")
        now = time.time() if now is None else now
        with self._write() as conn:
            cur = conn.executemany(
                "UPDATE task_journal SET state = ?, error = ?, finished_at = ?, updated_at = ?,"
                " version = version + 1 WHERE task_id = ? AND version = ?",
                [(state, error, now, now, tid, version) for tid, version in versions],
            )
            return cur.rowcount

    def mark_requeued(self, versions: Iterable[tuple[str, int]]) -> int:
        """Record that a row was re-enqueued (publisher-confirmed) at this version, so a recovery
        that resumes after a crash skips it. Not fsynced: losing it only re-enqueues the row again,
        and a duplicate delivery of a task id is a no-op."""
        with self._write(durable=False) as conn:
            cur = conn.executemany(
                "UPDATE task_journal SET requeued_version = ? WHERE task_id = ? AND version = ?",
                [(version, tid, version) for tid, version in versions],
            )
            return cur.rowcount

    def unfinished_page(
        self, after_rowid: int, limit: int, *, touched_before: float, skip_requeued: bool
    ) -> list[tuple[int, JournalRow]]:
        """Unfinished rows in rowid order after ``after_rowid``, not updated since
        ``touched_before`` (rows a delivery in this process has touched are its own), leaving out
        rows already re-enqueued at their current version when ``skip_requeued``."""
        sql = (
            "SELECT rowid AS rid, * FROM task_journal WHERE state IN (?, ?) AND rowid > ? AND updated_at <= ?"
            + (" AND requeued_version < version" if skip_requeued else "")
            + " ORDER BY rowid LIMIT ?"
        )
        with self._read() as conn:
            out = []
            for r in conn.execute(sql, (*UNFINISHED_STATES, after_rowid, touched_before, limit)):
                data = dict(r)
                rid = data.pop("rid")
                data["kwargs"] = json.loads(data["kwargs"] or "{}")
                data["result"] = json.loads(data["result"]) if data["result"] is not None else None
                out.append((rid, JournalRow(**data)))
            return out

    def record_retry(self, task_id: str, error: str, now: float | None = None) -> None:
        """The attempt failed and will be retried: back to ``received`` with the error kept."""
        now = time.time() if now is None else now
        with self._write() as conn:
            conn.execute(
                "UPDATE task_journal SET state = ?, error = ?, updated_at = ?, version = version + 1"
                " WHERE task_id = ?",
                (TaskState.RECEIVED, error, now, task_id),
            )

    def record_dead(
        self,
        task_id: str,
        task_name: str,
        kwargs: dict[str, Any],
        error: str,
        now: float | None = None,
    ) -> None:
        """Insert or update a row as dead (e.g. an undecodable message that never became a task)."""
        now = time.time() if now is None else now
        with self._write() as conn:
            conn.execute(
                "INSERT INTO task_journal (task_id, job_id, worker, task_name, user_id, kwargs, state,"
                " attempts, error, received_at, finished_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)"
                " ON CONFLICT (task_id) DO UPDATE SET state = excluded.state, error = excluded.error,"
                " finished_at = excluded.finished_at, updated_at = excluded.updated_at, version = version + 1",
                (
                    task_id,
                    _opt_str(kwargs.get("job_id")),
                    self.worker,
                    task_name,
                    _opt_str(kwargs.get("user_id")),
                    json.dumps(kwargs, default=str),
                    TaskState.DEAD,
                    error,
                    now,
                    now,
                    now,
                ),
            )

    def revive(self, task_id: str, now: float | None = None) -> bool:
        """Give a dead row a fresh set of attempts (operator replay); returns whether it was dead."""
        now = time.time() if now is None else now
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE task_journal SET state = ?, attempts = 0, finished_at = NULL, updated_at = ?,"
                " version = version + 1 WHERE task_id = ? AND state = ?",
                (TaskState.RECEIVED, now, task_id, TaskState.DEAD),
            )
            return cur.rowcount == 1

    # -- reads ----------------------------------------------------------------------------------
    def get(self, task_id: str) -> JournalRow | None:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM task_journal WHERE task_id = ?", (task_id,)).fetchone()
        return JournalRow.from_sql(row) if row else None

    def rows(self, states: Iterable[str] | None = None) -> list[JournalRow]:
        sql = "SELECT * FROM task_journal"
        params: tuple[str, ...] = ()
        if states is not None:
            params = tuple(states)
            sql += f" WHERE state IN ({','.join('?' * len(params))})"
        with self._read() as conn:
            return [JournalRow.from_sql(r) for r in conn.execute(sql + " ORDER BY received_at", params)]

    def unfinished(self) -> list[JournalRow]:
        return self.rows(UNFINISHED_STATES)

    def unsynced(self, limit: int = 10_000) -> list[JournalRow]:
        """Finished rows whose current version is not yet in PostgreSQL, oldest first.

        The read transaction is closed when this returns, before any network push.
        """
        with self._read() as conn:
            cur = conn.execute(
                f"SELECT * FROM task_journal WHERE {_UNSYNCED_WHERE} ORDER BY finished_at LIMIT ?", (limit,)
            )
            return [JournalRow.from_sql(r) for r in cur]

    def unsynced_for_push(self, limit: int = 10_000) -> list[PushRow]:
        """Like ``unsynced``, in the shape the syncer pushes (``PushRow``)."""
        with self._read() as conn:
            cur = conn.cursor()
            cur.row_factory = None  # plain tuples; _push_row names them
            cur.execute(
                f"SELECT {_PUSH_COLUMNS} FROM task_journal WHERE {_UNSYNCED_WHERE} ORDER BY finished_at LIMIT ?",
                (limit,),
            )
            return list(map(_push_row, cur))

    def unsynced_copy_batch(
        self, limit: int, after: tuple[float, int] | None = None
    ) -> tuple[str, list[tuple[int, int]], tuple[float, int] | None]:
        """The next ``limit`` unsynced finished rows after the key ``after`` (finished_at, rowid),
        already in PostgreSQL's COPY text format (SQLite writes the lines: no Python per row but
        the (version, rowid) pair ``mark_synced_rowids`` takes). Returns (text, marks, last key)."""
        after_at, after_rowid = after if after is not None else (-1.0, -1)
        with self._read() as conn:
            cur = conn.cursor()
            cur.row_factory = None
            cur.execute(_COPY_BATCH_SQL, (after_at, after_rowid, limit))
            rows = cur.fetchall()
        if not rows:
            return "", [], after
        text = "\n".join([r[0] for r in rows])
        text += "\n"
        marks = [(r[1], r[2]) for r in rows]
        last = rows[-1]
        return text, marks, (last[3], last[2])

    def mark_synced_rowids(self, marks: Iterable[tuple[int, int]], now: float | None = None) -> int:
        """``mark_synced`` by (version, rowid), not fsynced: a mark lost in a host crash only
        pushes the row again, which the rank-guarded upsert makes a no-op."""
        now = time.time() if now is None else now
        with self._write(durable=False) as conn:
            cur = conn.executemany(
                "UPDATE task_journal SET synced_version = ?1, synced_at = ?2 WHERE rowid = ?3 AND version = ?1",
                [(version, now, rowid) for version, rowid in marks],
            )
            return cur.rowcount

    def mark_synced(self, versions: Iterable[tuple[str, int]], now: float | None = None) -> int:
        """Mark rows synced at the version that was pushed; a row changed since stays unsynced."""
        now = time.time() if now is None else now
        with self._write() as conn:
            cur = conn.executemany(
                "UPDATE task_journal SET synced_version = ?, synced_at = ? WHERE task_id = ? AND version = ?",
                [(version, now, task_id, version) for task_id, version in versions],
            )
            return cur.rowcount

    def stats(self, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        with self._read() as conn:
            by_state = dict(
                conn.execute("SELECT state, COUNT(*) FROM task_journal GROUP BY state").fetchall()
            )
            unsynced, oldest = conn.execute(
                f"SELECT COUNT(*), MIN(finished_at) FROM task_journal WHERE {_UNSYNCED_WHERE}"
            ).fetchone()
        return {
            "worker": self.worker,
            "unsynced_rows": int(unsynced),
            "oldest_unsynced_age_s": (max(0.0, now - oldest) if oldest is not None else None),
            "file_bytes": self.file_bytes(),
            "rows_by_state": {str(s): int(by_state.get(str(s), 0)) for s in TaskState},
        }

    def last_synced_at(self) -> float | None:
        """When a row was last marked synced (seeds "last sync success" after a restart)."""
        with self._read() as conn:
            return conn.execute("SELECT MAX(synced_at) FROM task_journal").fetchone()[0]

    # -- maintenance ----------------------------------------------------------------------------
    def prune_synced(self, older_than_s: float, now: float | None = None, batch: int = 10_000) -> int:
        """Delete finished rows already in PostgreSQL whose outcome is older than ``older_than_s``.

        Keeps the file bounded; a redelivery older than the retention would run again, and the
        rank-guarded upsert keeps PostgreSQL right if it does.
        """
        cutoff = (time.time() if now is None else now) - older_than_s
        deleted = 0
        while True:
            with self._write() as conn:
                n = conn.execute(
                    "DELETE FROM task_journal WHERE rowid IN (SELECT rowid FROM task_journal"
                    " WHERE synced_version >= version AND state IN ('succeeded', 'failed', 'dead')"
                    " AND finished_at < ? LIMIT ?)",
                    (cutoff, batch),
                ).rowcount
            deleted += n
            if n < batch:
                return deleted

    def file_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal", "-shm"):
            p = Path(f"{self.path}{suffix}")
            if p.exists():
                total += p.stat().st_size
        return total

    def wal_bytes(self) -> int:
        p = Path(f"{self.path}-wal")
        return p.stat().st_size if p.exists() else 0

    def checkpoint(self, mode: str = "TRUNCATE") -> tuple[int, int, int]:
        """``PRAGMA wal_checkpoint(mode)`` -> (busy, wal pages, checkpointed pages)."""
        if mode not in ("PASSIVE", "FULL", "RESTART", "TRUNCATE"):
            raise ValueError(f"unknown checkpoint mode: {mode}")
        row = self._conn().execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def integrity_check(self) -> str:
        return str(self._conn().execute("PRAGMA integrity_check").fetchone()[0])


def journal_path(wal_dir: Path | str, worker: str) -> Path:
    return Path(wal_dir) / f"{worker}.db"


def open_journal(wal_dir: Path | str, worker: str) -> Journal:
    return Journal(journal_path(wal_dir, worker), worker)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)
