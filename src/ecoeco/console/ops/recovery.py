"""Worker recovery: journal sync, replay and checkpoint through the workers' Celery remote-control
commands, and moving dead letters from ``q.dlq`` back to the queue they came from.

The control commands hand their work to the worker's syncer thread and answer at once
(``ecoeco.shared.names``), so a run asks, then watches ``wal_stats`` until the work shows (a newer
last-sync time, fewer unfinished rows, a smaller file) or a bounded wait ends.

DLQ requeue moves one message at a time: get (unacked) -> publish to ``ecoeco.tasks`` with its origin's
routing key, mandatory, and wait for the broker's confirm -> ack the dead letter. A cancel is honoured
only between two messages, so stopping half way leaves every message either still in ``q.dlq`` or
in its origin queue, never both and never neither. (Only a crash between the confirm and the ack can
leave a copy in both; the workers are idempotent by task id, which makes that copy a no-op.)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field

from ecoeco.console.config import Profile
from ecoeco.console.errors import NotConfigured, OperatorError
from ecoeco.console.ops.base import (
    CancelToken,
    Emit,
    ItemStatus,
    OperationContext,
    OutputLine,
    Plan,
    Progress,
    Result,
)
from ecoeco.shared.names import (
    EXCHANGE,
    Q_AI,
    Q_DLQ,
    Q_STORAGE,
    ROUTING_KEYS,
    WAL_CHECKPOINT,
    WAL_REPLAY,
    WAL_STATS,
    WAL_SYNC,
)

__all__ = ["DlqRequeue", "WalCheckpoint", "WalReplay", "WalStats", "WalSync", "origin_queue"]

KIND = "recovery"
CONTROL_TIMEOUT_S = 2.0
POLL_S = 0.25
WorkerName = Literal["storage", "ai", "all"]

# The header the workers put on a message they dead-letter themselves (the journal said: no attempts
# left). RabbitMQ's own dead-lettering (a reject) adds ``x-death`` instead. Kept in step with
# ecoeco.services.workers.dead_letter by the recovery tests, which dead-letter through a real worker.
DEAD_WORKER_HEADER = "x-ecoeco-dead-worker"
WORK_QUEUES = (Q_STORAGE, Q_AI)
QUEUE_OF_WORKER = {ROUTING_KEYS[q]: q for q in WORK_QUEUES}


# --- Celery remote control ----------------------------------------------------------------------------


def _broker(profile: Profile) -> str:
    url = profile.effective_broker_url()
    if not url:
        raise NotConfigured(f"profile {profile.name} has no broker_url nor rabbitmq_management_url")
    return url


@contextlib.contextmanager
def _control(profile: Profile) -> Iterator[Any]:
    from celery import Celery  # the client side only: it talks to the broker, never to the platform code

    app = Celery("ecoeco-console-ops", broker=_broker(profile))
    app.conf.broker_connection_timeout = 5.0
    app.conf.broker_connection_retry_on_startup = False
    app.conf.broker_connection_max_retries = 0
    try:
        yield app.control
    finally:
        app.close()


def _stats(control: Any, nodes: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """{node: wal_stats reply} of every worker that answers (or of ``nodes``)."""
    kwargs: dict[str, Any] = {"reply": True, "timeout": CONTROL_TIMEOUT_S}
    if nodes:
        kwargs |= {"destination": nodes, "limit": len(nodes)}
    try:
        replies = control.broadcast(WAL_STATS, **kwargs)
    except Exception as exc:
        raise OperatorError(f"cannot reach the workers through the broker: {exc}") from exc
    out: dict[str, dict[str, Any]] = {}
    for reply in replies or []:
        for node, body in reply.items():
            if isinstance(body, dict) and "worker" in body:
                out[node] = body
    return out


def _select(stats: dict[str, dict[str, Any]], worker: str) -> dict[str, dict[str, Any]]:
    chosen = {n: b for n, b in stats.items() if worker == "all" or b.get("worker") == worker}
    if not chosen:
        seen = ", ".join(sorted(stats)) or "none"
        raise OperatorError(f"no {worker} worker answered wal_stats (answering: {seen})")
    return chosen


def _unfinished(body: dict[str, Any], include_dead: bool = False) -> int:
    by = body.get("rows_by_state") or {}
    return (
        int(by.get("received", 0))
        + int(by.get("running", 0))
        + (int(by.get("dead", 0)) if include_dead else 0)
    )


def _send(control: Any, command: str, node: str, **arguments: Any) -> dict[str, Any]:
    replies = control.broadcast(
        command, reply=True, timeout=CONTROL_TIMEOUT_S, destination=[node], arguments=arguments, limit=1
    )
    for reply in replies or []:
        if node in reply and isinstance(reply[node], dict):
            return reply[node]
    raise OperatorError(f"{node} did not answer {command} within {CONTROL_TIMEOUT_S:g}s")


class WorkerParams(BaseModel):
    worker: WorkerName = Field("all", description="storage, ai or all")
    wait_s: float = Field(30.0, gt=0, le=600, description="how long to watch for the work to show")


def _plan_workers(
    params: WorkerParams, ctx: OperationContext, line: Any
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """One summary line per chosen worker (from a wal_stats broadcast: read-only), and its figures."""
    with _control(ctx.profile) as control:
        chosen = _select(_stats(control), params.worker)
    summary = tuple(line(node, body) for node, body in sorted(chosen.items()))
    return summary, {"nodes": sorted(chosen), "before": {n: b for n, b in sorted(chosen.items())}}


def _watch(
    control: Any,
    nodes: list[str],
    done: Any,
    cancel: CancelToken,
    wait_s: float,
    emit: Emit,
    label: str,
) -> dict[str, dict[str, Any]]:
    """Poll wal_stats of ``nodes`` until ``done(node, body)`` for each, or ``wait_s`` has passed."""
    deadline = time.monotonic() + wait_s
    finished: dict[str, dict[str, Any]] = {}
    while True:
        now = _stats(control, nodes)
        for node, body in now.items():
            if node not in finished and done(node, body):
                finished[node] = body
        emit(Progress(len(finished), len(nodes), label))
        if len(finished) == len(nodes) or time.monotonic() >= deadline:
            return {n: finished.get(n, now.get(n, {})) | {"_done": n in finished} for n in nodes}
        if cancel.wait(POLL_S):
            cancel.check()


class WalStats:
    name = "recovery.wal_stats"
    kind = KIND
    title = "Worker journal figures (wal_stats)"
    params_model = WorkerParams
    mutates = False
    changes_infrastructure = False

    def plan(self, params: WorkerParams, ctx: OperationContext) -> Plan[WorkerParams]:
        return Plan(params=params, summary=(f"ask {params.worker} worker(s) for wal_stats",), changes=False)

    def run(self, plan: Plan[WorkerParams], emit: Emit, cancel: CancelToken) -> Result:
        with _control(plan.profile) as control:
            chosen = _select(_stats(control), plan.params.worker)
        for node, body in sorted(chosen.items()):
            emit(OutputLine(_stats_line(node, body)))
        return Result(message=f"{len(chosen)} worker(s) answered", data={"workers": chosen})


def _stats_line(node: str, body: dict[str, Any]) -> str:
    by = body.get("rows_by_state") or {}
    states = " ".join(f"{k}={v}" for k, v in by.items())
    return f"{node}: unsynced {body.get('unsynced_rows')}  file {body.get('file_bytes')} B  {states}"


class WalSync:
    name = "recovery.wal_sync"
    kind = KIND
    title = "Force a journal sync to PostgreSQL"
    params_model = WorkerParams
    mutates = True
    changes_infrastructure = False

    def plan(self, params: WorkerParams, ctx: OperationContext) -> Plan[WorkerParams]:
        summary, details = _plan_workers(
            params, ctx,
            lambda n, b: f"sync {n}: {b.get('unsynced_rows', 0)} unsynced row(s) to PostgreSQL",
        )  # fmt: skip
        return Plan(params=params, summary=summary, details=details)

    def run(self, plan: Plan[WorkerParams], emit: Emit, cancel: CancelToken) -> Result:
        nodes = list(plan.details["nodes"])
        with _control(plan.profile) as control:
            before = _stats(control, nodes)
            for node in nodes:
                cancel.check()
                emit(
                    ItemStatus(node, "running", detail=str(_send(control, WAL_SYNC, node)), group="wal_sync")
                )

            def synced(node: str, body: dict[str, Any]) -> bool:
                was = before.get(node, {})
                newer = (body.get("last_sync_success_ts") or 0) > (was.get("last_sync_success_ts") or 0)
                erred = (body.get("sync_errors_total") or 0) > (was.get("sync_errors_total") or 0)
                return newer or erred

            after = _watch(control, nodes, synced, cancel, plan.params.wait_s, emit, "syncing")
        failed = []
        for node, body in after.items():
            was = before.get(node, {})
            erred = (body.get("sync_errors_total") or 0) > (was.get("sync_errors_total") or 0)
            if erred or not body.get("_done"):
                why = body.get("last_sync_error") if erred else f"no sync within {plan.params.wait_s:g}s"
                failed.append(f"{node}: {why}")
                emit(ItemStatus(node, "failed", detail=str(why), group="wal_sync"))
            else:
                emit(
                    ItemStatus(
                        node, "ok", detail=f"unsynced now {body.get('unsynced_rows')}", group="wal_sync"
                    )
                )
        data = {
            n: {
                "unsynced_before": before.get(n, {}).get("unsynced_rows"),
                "unsynced_after": b.get("unsynced_rows"),
            }
            for n, b in after.items()
        }
        if failed:
            return Result(ok=False, message="; ".join(failed), data=data)
        return Result(message=f"synced {len(nodes)} worker(s)", data=data)


class ReplayParams(WorkerParams):
    include_dead: bool = Field(False, description="also revive dead rows (attempts reset)")
    task_ids: list[str] = Field(default_factory=list, description="only these task ids")


class WalReplay:
    name = "recovery.wal_replay"
    kind = KIND
    title = "Replay unfinished (or dead) journal rows"
    params_model = ReplayParams
    mutates = True
    changes_infrastructure = False

    def plan(self, params: ReplayParams, ctx: OperationContext) -> Plan[ReplayParams]:
        what = "unfinished and dead" if params.include_dead else "unfinished"
        only = f" (only {len(params.task_ids)} given task id(s))" if params.task_ids else ""
        summary, details = _plan_workers(
            params, ctx,
            lambda n, b: f"replay {n}: {_unfinished(b, params.include_dead)} {what} row(s){only}",
        )  # fmt: skip
        count = sum(_unfinished(b, params.include_dead) for b in details["before"].values())
        return Plan(
            params=params,
            summary=(f"{count} row(s) to re-enqueue under their own task ids", *summary),
            details=details | {"count": count},
            changes=count > 0 or bool(params.task_ids),
        )

    def run(self, plan: Plan[ReplayParams], emit: Emit, cancel: CancelToken) -> Result:
        p = plan.params
        nodes = list(plan.details["nodes"])
        args: dict[str, Any] = {"include_dead": p.include_dead}
        if p.task_ids:
            args["task_ids"] = list(p.task_ids)
        with _control(plan.profile) as control:
            before = _stats(control, nodes)
            for node in nodes:
                cancel.check()
                emit(
                    ItemStatus(
                        node,
                        "running",
                        detail=str(_send(control, WAL_REPLAY, node, **args)),
                        group="wal_replay",
                    )
                )
            # The rows are re-enqueued by the syncer thread, then run by the worker: watch them go.
            after = _watch(
                control, nodes,
                lambda n, b: _unfinished(b, p.include_dead) < _unfinished(before.get(n, {}), p.include_dead)
                or _unfinished(b, p.include_dead) == 0,
                cancel, p.wait_s, emit, "replaying",
            )  # fmt: skip
        data = {}
        for node, body in after.items():
            left = _unfinished(body, p.include_dead)
            data[node] = {"before": _unfinished(before.get(node, {}), p.include_dead), "left": left}
            emit(
                ItemStatus(
                    node, "ok" if body.get("_done") else "running", detail=f"{left} left", group="wal_replay"
                )
            )
        return Result(message=f"replay requested on {len(nodes)} worker(s)", data=data)


class WalCheckpoint:
    name = "recovery.wal_checkpoint"
    kind = KIND
    title = "Checkpoint the journal (WAL TRUNCATE)"
    params_model = WorkerParams
    mutates = True
    changes_infrastructure = False

    def plan(self, params: WorkerParams, ctx: OperationContext) -> Plan[WorkerParams]:
        summary, details = _plan_workers(
            params, ctx, lambda n, b: f"checkpoint {n}: journal file {b.get('file_bytes')} bytes"
        )
        return Plan(params=params, summary=summary, details=details)

    def run(self, plan: Plan[WorkerParams], emit: Emit, cancel: CancelToken) -> Result:
        nodes = list(plan.details["nodes"])
        with _control(plan.profile) as control:
            for node in nodes:
                cancel.check()
                _send(control, WAL_CHECKPOINT, node)
                emit(ItemStatus(node, "running", group="wal_checkpoint"))
            # The reply only says "accepted"; a short look shows the file once the syncer got to it.
            time.sleep(min(1.0, plan.params.wait_s))
            after = _stats(control, nodes)
        data = {
            n: {
                "file_bytes_before": plan.details["before"][n].get("file_bytes"),
                "file_bytes_after": after.get(n, {}).get("file_bytes"),
            }
            for n in nodes
        }
        for node, d in data.items():
            emit(
                ItemStatus(
                    node,
                    "ok",
                    detail=f"{d['file_bytes_before']} -> {d['file_bytes_after']} bytes",
                    group="wal_checkpoint",
                )
            )
        return Result(message=f"checkpoint requested on {len(nodes)} worker(s)", data=data)


# --- DLQ requeue --------------------------------------------------------------------------------------


def origin_queue(headers: dict[str, Any] | None) -> str | None:
    """The work queue a dead letter came from: RabbitMQ's ``x-death`` (newest first), else the
    worker's own dead-letter header; None when neither names one of our work queues."""
    headers = headers or {}
    for death in headers.get("x-death") or []:
        queue = death.get("queue") if isinstance(death, dict) else None
        if isinstance(queue, bytes):
            queue = queue.decode()
        if queue in WORK_QUEUES:
            return str(queue)
    worker = headers.get(DEAD_WORKER_HEADER)
    if isinstance(worker, bytes):
        worker = worker.decode()
    return QUEUE_OF_WORKER.get(str(worker)) if worker else None


def _pika_params(profile: Profile) -> Any:
    import pika

    params = pika.URLParameters(_broker(profile))
    params.socket_timeout = 10
    params.blocked_connection_timeout = 30  # a broker in flow control must not hang the run forever
    params.heartbeat = 30
    return params


class RequeueParams(BaseModel):
    limit: int | None = Field(None, ge=1, description="move at most this many (else all counted now)")


class DlqRequeue:
    name = "recovery.dlq_requeue"
    kind = KIND
    title = "Move dead letters back to their queues"
    params_model = RequeueParams
    mutates = True
    changes_infrastructure = False

    def plan(self, params: RequeueParams, ctx: OperationContext) -> Plan[RequeueParams]:
        import pika
        import pika.exceptions

        try:
            conn = pika.BlockingConnection(_pika_params(ctx.profile))
        except pika.exceptions.AMQPError as exc:
            raise OperatorError(f"cannot connect to RabbitMQ: {exc!r}") from exc
        try:
            # Passive: counts, creates nothing.
            declared = conn.channel().queue_declare(Q_DLQ, passive=True)
        except pika.exceptions.ChannelClosedByBroker as exc:
            raise OperatorError(f"{Q_DLQ} does not exist on this broker ({exc.reply_text})") from exc
        finally:
            with contextlib.suppress(Exception):
                conn.close()
        count = int(declared.method.message_count)
        target = min(count, params.limit) if params.limit else count
        return Plan(
            params=params,
            summary=(
                f"{count} message(s) in {Q_DLQ}; move {target} back to their origin queue "
                f"({', '.join(WORK_QUEUES)}) one by one, each confirmed by the broker before it leaves "
                f"{Q_DLQ}",
                "messages whose origin is unknown stay in " + Q_DLQ,
            ),
            details={"count": count, "target": target},
            changes=target > 0,
        )

    def run(self, plan: Plan[RequeueParams], emit: Emit, cancel: CancelToken) -> Result:
        import pika
        import pika.exceptions

        target = int(plan.details["target"])
        moved: dict[str, int] = {q: 0 for q in WORK_QUEUES}
        held: list[int] = []  # unknown origin: kept unacked, so basic_get moves on; requeued at the end
        conn = pika.BlockingConnection(_pika_params(plan.profile))
        failure: str | None = None
        try:
            ch = conn.channel()
            ch.confirm_delivery()
            while sum(moved.values()) + len(held) < target:
                if cancel.cancelled:
                    break  # between two messages: each is wholly here or wholly there
                method, props, body = ch.basic_get(Q_DLQ, auto_ack=False)
                if method is None:
                    break  # fewer than counted: another consumer took some
                headers = dict(props.headers or {})
                label = str(
                    headers.get("id") or props.correlation_id or props.message_id or f"#{method.delivery_tag}"
                )
                origin = origin_queue(headers)
                if origin is None:
                    held.append(method.delivery_tag)
                    emit(
                        ItemStatus(
                            label, "skipped", detail="origin queue unknown; left in q.dlq", group=Q_DLQ
                        )
                    )
                    continue
                try:
                    # Same body and properties (the x-death / dead-reason headers too: they tell the
                    # worker to revive the journal's dead row rather than ignore a known task id).
                    ch.basic_publish(EXCHANGE, ROUTING_KEYS[origin], body, properties=props, mandatory=True)
                except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as exc:
                    ch.basic_nack(method.delivery_tag, requeue=True)
                    failure = f"{label}: the broker did not take it for {origin} ({type(exc).__name__}); it stays in {Q_DLQ}"
                    emit(ItemStatus(label, "failed", detail=failure, group=Q_DLQ))
                    break
                ch.basic_ack(method.delivery_tag)
                moved[origin] += 1
                emit(ItemStatus(label, "ok", detail=f"-> {origin}", group=Q_DLQ))
                emit(Progress(sum(moved.values()), target, f"{label} -> {origin}"))
            for tag in held:
                ch.basic_nack(tag, requeue=True)
        finally:
            with contextlib.suppress(Exception):
                conn.close()  # unacked messages (only on a lost connection) go back to q.dlq
        total = sum(moved.values())
        data = {"moved": moved, "total": total, "left_unknown_origin": len(held), "target": target}
        if failure:
            return Result(ok=False, message=f"moved {total}; {failure}", data=data)
        if cancel.cancelled:
            return Result(
                ok=False, message=f"stopped after {total} of {target}; the rest stay in {Q_DLQ}", data=data
            )
        where = ", ".join(f"{n} to {q}" for q, n in moved.items() if n) or "none"
        extra = f"; {len(held)} of unknown origin left in {Q_DLQ}" if held else ""
        return Result(message=f"moved {total} of {target} ({where}){extra}", data=data)
