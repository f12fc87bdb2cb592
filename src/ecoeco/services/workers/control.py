"""Celery remote-control commands ``wal_stats``, ``wal_sync``, ``wal_replay``, ``wal_checkpoint``.

Called with ``app.control.broadcast(name, reply=True, destination=[...], arguments={...})``.
``wal_stats`` reads the journal and answers; the others hand the work to the syncer thread and
answer at once, so a slow PostgreSQL never blocks the worker's control channel.
"""

from __future__ import annotations

from typing import Any

from celery.worker.control import control_command

from ecoeco.services.workers import runtime
from ecoeco.services.workers.recovery import replay
from ecoeco.shared.names import WAL_CHECKPOINT, WAL_REPLAY, WAL_STATS, WAL_SYNC


def wal_stats_reply() -> dict[str, Any]:
    rt = runtime.current()
    stats = rt.journal.stats()
    state = rt.syncer.state
    return {
        "worker": rt.worker,
        "unsynced_rows": stats["unsynced_rows"],
        "oldest_unsynced_age_s": stats["oldest_unsynced_age_s"],
        "last_sync_success_ts": state.last_sync_success_ts,
        "sync_errors_total": state.sync_errors_total,
        "last_sync_error": state.last_error,
        "last_sync_failure_ts": state.last_sync_failure_ts,
        "file_bytes": stats["file_bytes"],
        "rows_by_state": stats["rows_by_state"],
        "sync_interval_s": rt.syncer.interval_s,
    }


@control_command(name=WAL_STATS)
def wal_stats(state: Any, **kwargs: Any) -> dict[str, Any]:
    """Journal and sync figures of this worker."""
    return wal_stats_reply()


@control_command(name=WAL_SYNC)
def wal_sync(state: Any, **kwargs: Any) -> dict[str, Any]:
    """Push unsynced finished rows to PostgreSQL now (in the syncer thread)."""
    runtime.current().syncer.request_sync()
    return {"ok": True, "accepted": "sync"}


@control_command(name=WAL_REPLAY, args=[("include_dead", bool)])
def wal_replay(
    state: Any, include_dead: bool = False, task_ids: list[str] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Re-enqueue unfinished rows (and dead ones when asked) under their task ids."""
    rt = runtime.current()
    app = state.app if state is not None else None
    rt.syncer.request("replay", lambda: replay(rt, app, include_dead=include_dead, task_ids=task_ids))
    return {"ok": True, "accepted": "replay"}


@control_command(name=WAL_CHECKPOINT)
def wal_checkpoint(state: Any, **kwargs: Any) -> dict[str, Any]:
    """``PRAGMA wal_checkpoint(TRUNCATE)`` on this worker's journal (in the syncer thread)."""
    runtime.current().syncer.request("checkpoint")
    return {"ok": True, "accepted": "checkpoint"}
