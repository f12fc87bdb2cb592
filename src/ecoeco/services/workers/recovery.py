"""Recovery at start (and ``wal_replay`` on demand): act on rows that never finished.

A row still ``received`` or ``running`` means the process stopped mid-task. While attempts
remain it is re-enqueued under the same task id (the broker may redeliver the original too;
the journal makes the second delivery a no-op). Otherwise it is marked dead and published to
``q.dlq``. Nothing acked is ever silently dropped.

Throughput: rows are read in pages of ``PAGE_ROWS`` (bounded memory) and each page is published
on one channel in confirm mode without waiting per message; the page's confirms are then awaited
together (RabbitMQ acks them with ``multiple``), so the in-flight window is one page and the cost
is one round trip per page instead of one per row. Only then is the journal written for the page:
re-enqueued rows get ``requeued_version`` (a recovery that resumes after a crash skips them, their
message is durable in the broker), dead rows are finished — both only at the version read.

Next to the consumer: the worker starts consuming at once and recovery runs in the syncer thread.
Rows updated after recovery started belong to a delivery in this process and are left alone, a row
whose task id runs here right now too, and the journal writes are conditional on the version read,
so a delivery that overtakes recovery keeps its row. A crash mid-recovery re-publishes at most the
page in flight (duplicate task ids are no-ops) and loses nothing (the journal is written only
after the broker confirmed).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from kombu import Connection, Exchange, Queue
from kombu.serialization import dumps

from ecoeco.services.common import job_status
from ecoeco.services.common.messaging import tasks_exchange
from ecoeco.services.workers.consumer import UNDECODABLE_TASK
from ecoeco.services.workers.dead_letter import dead_letter_options
from ecoeco.services.workers.journaled import running_here
from ecoeco.services.workers.runtime import WORKER_QUEUES, WorkerRuntime
from ecoeco.shared.jobs import JobStatus, TaskState, step_ended
from ecoeco.shared.names import ROUTING_KEYS

log = logging.getLogger(__name__)

PAGE_ROWS = 1_000  # rows read, published and confirmed together: the in-flight window
CONFIRM_TIMEOUT_S = 30.0


class RecoveryError(RuntimeError):
    pass


@dataclass
class RecoveryReport:
    requeued: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    skipped: int = 0  # already re-enqueued at this version by an earlier, interrupted recovery
    duration_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"requeued": len(self.requeued), "dead": len(self.dead)}


class ConfirmedPublisher:
    """One channel in confirm mode on a connection of its own. ``send`` builds a Celery task
    message (protocol 2, as ``send_task`` would) and publishes it without waiting; the frames of
    everything sent are written to the socket together by ``confirm``, which then waits until the
    broker has acked all of it (raises on a nack or a timeout).

    Profile (docs/decisions/performance-platform.md): through ``send_task`` a message cost ~1 ms
    on the loaded VM — a ``sendall`` per message, ``saferepr`` of the kwargs, a ``maybe_declare``
    per call — far more than the confirm round trip it no longer waited for."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        # Not the app's connection: its confirm_publish transport option waits for each message.
        self.conn = Connection(app.conf.broker_url, connect_timeout=10)
        self.conn.ensure_connection(max_retries=5)
        self.channel = self.conn.channel()
        self.channel.confirm_select()
        # py-amqp polls the socket before every publish when it advertised connection.blocked;
        # here the confirm loop reads everything the broker sends anyway (blocked included), so
        # this private connection skips the per-message poll (a copy: the dict is shared).
        amqp_conn = self.conn.connection
        props = dict(amqp_conn.client_properties)
        props["capabilities"] = {**props.get("capabilities", {}), "connection.blocked": False}
        amqp_conn.client_properties = props
        self.sent = 0
        self._unconfirmed: set[int] = set()  # delivery tags the broker has not acked yet
        self.nacked = False
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        # Writes are gathered and sent in one sendall per page (our own connection only).
        self._transport = self.conn.connection.transport
        self._sendall = self._transport._write
        self._pending: list[bytes] = []
        self._declared: set[str] = set()

    def _settle(self, delivery_tag: int, multiple: bool) -> None:
        # Acks need not come in order; ``multiple`` settles every tag up to this one.
        if multiple:
            self._unconfirmed = {t for t in self._unconfirmed if t > delivery_tag}
        else:
            self._unconfirmed.discard(delivery_tag)

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple)
        self.nacked = True

    def send(
        self,
        name: str,
        kwargs: dict[str, Any],
        task_id: str,
        *,
        exchange: Exchange,
        routing_key: str,
        headers: dict[str, Any] | None = None,
        declare: list[Queue] | None = None,
    ) -> None:
        for queue in declare or ():
            if queue.name not in self._declared:
                self._flush()
                queue(self.channel).declare()  # waits for the broker's answer: written at once
                self._declared.add(queue.name)
        message = self.app.amqp.as_task_v2(
            task_id, name, (), kwargs, argsrepr="()", kwargsrepr=repr(kwargs)[:1024]
        )
        all_headers = dict(message.headers)
        if headers:
            all_headers.update(headers)
        content_type, encoding, body = dumps(message.body, serializer="json")
        msg = self.channel.prepare_message(
            body,
            content_type=content_type,
            content_encoding=encoding,
            headers=all_headers,
            properties={**message.properties, "delivery_mode": 2},
        )
        # py-amqp hands over a view of a buffer it reuses for the next frame: keep a copy.
        self._transport._write = self._buffer
        try:
            self.channel.basic_publish(msg, exchange=exchange.name, routing_key=routing_key)
        finally:
            self._transport._write = self._sendall
        self.sent += 1
        self._unconfirmed.add(self.sent)  # the channel numbers deliveries 1, 2, ... in confirm mode

    def _buffer(self, data: bytes | memoryview) -> None:
        self._pending.append(bytes(data))

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._sendall(data)

    def confirm(self, timeout_s: float = CONFIRM_TIMEOUT_S) -> None:
        self._flush()
        deadline = time.monotonic() + timeout_s
        while self._unconfirmed and not self.nacked:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RecoveryError(
                    f"broker left {len(self._unconfirmed)} of {self.sent} messages unconfirmed after {timeout_s:g} s"
                )
            try:
                self.conn.drain_events(timeout=min(left, 1.0))
            except TimeoutError:
                continue
            self._flush()
        if self.nacked:
            raise RecoveryError("broker refused (nack) a re-enqueued message")

    def close(self) -> None:
        self._pending.clear()
        self.conn.release()


def recover(
    rt: WorkerRuntime,
    app: Celery,
    *,
    started_at: float | None = None,
    resume: bool = True,
    page_rows: int = PAGE_ROWS,
) -> RecoveryReport:
    """Re-enqueue or dead-letter the unfinished rows last updated before ``started_at`` (default:
    now). ``resume``: skip rows an earlier recovery already re-enqueued at their current version
    (at start); an operator's replay re-enqueues them all again."""
    t0 = time.monotonic()
    report = RecoveryReport()
    touched_before = time.time() if started_at is None else started_at
    max_attempts = rt.settings.max_attempts
    reason = f"unfinished at restart with no attempts left (max {max_attempts})"
    routing_key = ROUTING_KEYS[WORKER_QUEUES[rt.worker]]
    dead_step = step_ended(JobStatus.DEAD, rt.worker)
    to_dlq = dead_letter_options(rt.worker, reason)
    publisher: ConfirmedPublisher | None = None
    after = 0
    try:
        while True:
            page = rt.journal.unfinished_page(
                after, page_rows, touched_before=touched_before, skip_requeued=resume
            )
            if not page:
                break
            after = page[-1][0]
            if publisher is None:
                publisher = ConfirmedPublisher(app)
            requeue: list[tuple[str, int]] = []
            dead: list[tuple[str, int]] = []
            dead_jobs: list[tuple[str | None, Any, str | None]] = []
            for _, row in page:
                if running_here(row.task_id):
                    continue
                if row.attempts >= max_attempts:
                    # q.dlq first, the journal after: a crash in between dead-letters twice, never not.
                    publisher.send(row.task_name, row.kwargs, row.task_id, **to_dlq)
                    dead.append((row.task_id, row.version))
                    dead_jobs.append((row.job_id, dead_step, reason))
                else:
                    publisher.send(
                        row.task_name,
                        row.kwargs,
                        row.task_id,
                        exchange=tasks_exchange,
                        routing_key=routing_key,
                    )
                    requeue.append((row.task_id, row.version))
            publisher.confirm()
            if dead:
                job_status.advance_many(rt.redis, dead_jobs)
                rt.journal.finish_many_at(dead, TaskState.DEAD, reason)
                report.dead.extend(tid for tid, _ in dead)
            if requeue:
                rt.journal.mark_requeued(requeue)
                report.requeued.extend(tid for tid, _ in requeue)
    finally:
        if publisher is not None:
            publisher.close()
    report.duration_s = time.monotonic() - t0
    if report.requeued or report.dead:
        log.warning(
            "journal recovery: %d re-enqueued, %d dead-lettered in %.1f s",
            len(report.requeued),
            len(report.dead),
            report.duration_s,
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
    return recover(rt, app, resume=False)
