"""``JournaledTask``: the Celery task base that puts every delivery through the journal.

receipt as running (attempts + 1) -> body -> outcome in the journal -> return (the ack).
A finished row is never run again; a failure is retried under the same task id until the
journal's attempt count reaches ``max_attempts``, then the row is marked dead and the message
published to ``q.dlq``. ``PermanentTaskError`` (bad input) finishes the task as failed at once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Task
from celery.exceptions import Reject

from ecoeco.services.common import job_status
from ecoeco.services.workers import runtime
from ecoeco.services.workers.dead_letter import DEAD_REASON_HEADER, dead_letter
from ecoeco.services.workers.metrics import TASKS
from ecoeco.shared.jobs import STEP_DONE, JobStatus, TaskState, step_ended
from ecoeco.shared.redact import redact

log = logging.getLogger(__name__)

RETRY_BASE_DELAY_S = 0.5


class PermanentTaskError(Exception):
    """The input can never succeed (not an image, too large, ...): fail now, do not retry."""


def came_from_dead_letter(request: Any) -> bool:
    """A message requeued from ``q.dlq`` carries RabbitMQ's ``x-death`` or our dead-reason header."""
    headers = getattr(request, "headers", None) or {}
    return any(getattr(request, name, None) or headers.get(name) for name in ("x-death", DEAD_REASON_HEADER))


_inflight: set[str] = set()
_inflight_lock = threading.Lock()


def _claim(task_id: str) -> bool:
    with _inflight_lock:
        if task_id in _inflight:
            return False
        _inflight.add(task_id)
        return True


def running_here(task_id: str) -> bool:
    """Whether a delivery of this task id is running in this process right now."""
    with _inflight_lock:
        return task_id in _inflight


def _release(task_id: str) -> None:
    with _inflight_lock:
        _inflight.discard(task_id)


class JournaledTask(Task):
    abstract = True
    worker: str = ""  # the one worker whose journal this task writes
    final_stage: bool = False  # its success completes the job (the AI task)
    acks_late = True
    reject_on_worker_lost = True
    # No argument check when publishing: a retry of a message with bad kwargs must be re-published
    # (and counted by the journal) instead of rejected by Celery before the journal hears of it.
    typing = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        rt = runtime.current()
        if rt.worker != self.worker:
            # Never write into another worker's journal (a defect of the original).
            raise Reject(f"{self.name} belongs to the {self.worker} worker, not {rt.worker}", requeue=False)
        task_id = self.request.id
        if not _claim(task_id):
            # The same task id is running in this process right now (a broker redelivery and a
            # recovery re-enqueue can both arrive): that run records the outcome.
            TASKS.labels(self.worker, self.name, "skipped").inc()
            log.info("task %s is already running here; duplicate delivery skipped", task_id)
            return {"skipped": "running"}
        try:
            return self._journaled_call(rt, task_id, args, kwargs)
        finally:
            _release(task_id)

    def _journaled_call(
        self, rt: runtime.WorkerRuntime, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        max_attempts = rt.settings.max_attempts
        receipt = rt.journal.receive(
            task_id,
            self.name,
            kwargs,
            max_attempts=max_attempts,
            revive=came_from_dead_letter(self.request),
            start=True,  # the body starts right away: receipt and "running" in one commit
        )
        if not receipt.run:
            if receipt.exhausted:
                reason = f"attempts exhausted ({receipt.attempts} of {max_attempts})"
                self._dead(rt, task_id, kwargs, reason)
                return {"dead": reason}
            TASKS.labels(self.worker, self.name, "skipped").inc()
            log.info("task %s already %s; delivery skipped", task_id, receipt.state)
            if self.final_stage and receipt.state == TaskState.SUCCEEDED:
                # The job status may have expired while an earlier stage ran again (after a crash)
                # and wrote a fresh "processing": put the finished result back.
                row = rt.journal.get(task_id)
                job_status.advance(
                    rt.redis, kwargs.get("job_id"), STEP_DONE, result=row.result if row else None
                )
            return {"skipped": receipt.state}
        try:
            result = self.run(*args, **kwargs)
        except PermanentTaskError as exc:
            rt.journal.finish(task_id, TaskState.FAILED, error=str(exc))
            TASKS.labels(self.worker, self.name, "failed").inc()
            job_status.advance(
                rt.redis, kwargs.get("job_id"), step_ended(JobStatus.FAILED, self.worker), error=str(exc)
            )
            return {"failed": str(exc)}
        except Exception as exc:
            # Exception texts can carry URLs with credentials: the journal and logs get them masked.
            error = redact(f"{type(exc).__name__}: {exc}")[:2000]
            if receipt.attempts >= max_attempts:
                self._dead(rt, task_id, kwargs, error)
                return {"dead": error}
            rt.journal.record_retry(task_id, error)
            TASKS.labels(self.worker, self.name, "retried").inc()
            log.warning("task %s attempt %d failed, retrying: %s", task_id, receipt.attempts, error)
            raise self.retry(
                exc=exc, countdown=RETRY_BASE_DELAY_S * 2 ** (receipt.attempts - 1), max_retries=None
            ) from exc
        rt.journal.finish(task_id, TaskState.SUCCEEDED, result=result)
        TASKS.labels(self.worker, self.name, "succeeded").inc()
        return result

    def _dead(self, rt: runtime.WorkerRuntime, task_id: str, kwargs: dict[str, Any], reason: str) -> None:
        # q.dlq first, then the journal: a crash in between dead-letters twice rather than never.
        dead_letter(self.app, self.name, kwargs, task_id, self.worker, reason)
        rt.journal.finish(task_id, TaskState.DEAD, error=reason)
        TASKS.labels(self.worker, self.name, "dead").inc()
        job_status.advance(
            rt.redis, kwargs.get("job_id"), step_ended(JobStatus.DEAD, self.worker), error=reason
        )
        log.error("task %s is dead and was sent to the dead-letter queue: %s", task_id, reason)
