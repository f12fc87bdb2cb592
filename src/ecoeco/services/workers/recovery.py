"""Recovery at start (and ``wal_replay`` on demand): act on rows that never finished.

A row still ``received`` or ``running`` means the process stopped mid-task. While attempts
remain it is re-enqueued under the same task id (the broker may redeliver the original too;
the journal makes the second delivery a no-op). Otherwise it is marked dead and published to
``q.dlq``. Nothing acked is ever silently dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from celery import Celery

from ecoeco.services.common import job_status
from ecoeco.services.workers.consumer import UNDECODABLE_TASK
from ecoeco.services.workers.dead_letter import dead_letter
from ecoeco.services.workers.journal import JournalRow
from ecoeco.services.workers.runtime import WORKER_QUEUES, WorkerRuntime
from ecoeco.shared.jobs import JobStatus, TaskState, step_ended

log = logging.getLogger(__name__)


@dataclass
class RecoveryReport:
    requeued: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"requeued": len(self.requeued), "dead": len(self.dead)}


def _requeue(app: Celery, rt: WorkerRuntime, row: JournalRow) -> None:
    app.send_task(row.task_name, kwargs=row.kwargs, task_id=row.task_id, queue=WORKER_QUEUES[rt.worker])


def recover(rt: WorkerRuntime, app: Celery) -> RecoveryReport:
    report = RecoveryReport()
    max_attempts = rt.settings.max_attempts
    reason = f"unfinished at restart with no attempts left (max {max_attempts})"
    for row in rt.journal.unfinished():
        if row.attempts >= max_attempts:
            # q.dlq first, the journal after (one commit for all): a crash in between
            # dead-letters a row twice rather than never.
            dead_letter(app, row.task_name, row.kwargs, row.task_id, rt.worker, reason)
            job_status.advance(rt.redis, row.job_id, step_ended(JobStatus.DEAD, rt.worker), error=reason)
            report.dead.append(row.task_id)
        else:
            _requeue(app, rt, row)
            report.requeued.append(row.task_id)
    if report.dead:
        rt.journal.finish_many(report.dead, TaskState.DEAD, reason)
    if report.requeued or report.dead:
        log.warning(
            "journal recovery: %d re-enqueued, %d dead-lettered", len(report.requeued), len(report.dead)
        )
    return report


def replay(
    rt: WorkerRuntime, app: Celery | None, *, include_dead: bool = False, task_ids: list[str] | None = None
) -> RecoveryReport:
    """Operator replay: recovery again, plus dead rows revived (attempts reset) when asked."""
    if app is None:
        from ecoeco.services.workers.celery_app import app as default_app

        app = default_app
    if include_dead or task_ids:
        for row in rt.journal.rows([TaskState.DEAD]):
            if row.task_name != UNDECODABLE_TASK and (task_ids is None or row.task_id in task_ids):
                rt.journal.revive(row.task_id)
    return recover(rt, app)
