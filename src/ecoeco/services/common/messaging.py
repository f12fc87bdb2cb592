"""RabbitMQ topology shared by the waste API (publisher) and the workers (consumers).

Exchange ``ecoeco.tasks`` (direct) routes to durable ``q.storage`` and ``q.ai``; both dead-letter to
``ecoeco.dlx`` (direct), where ``q.dlq`` is bound under every routing key in use, so a rejected
message lands in ``q.dlq`` whichever key it carried. Declaring is idempotent as long as every
declarer uses these exact arguments — so everyone declares through this module.
"""

from __future__ import annotations

from typing import Any

from kombu import Exchange, Queue

from ecoeco.shared.names import DEAD_LETTER_EXCHANGE, EXCHANGE, Q_AI, Q_DLQ, Q_STORAGE, ROUTING_KEYS

QUEUE_ARGUMENTS: dict[str, Any] = {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE}

tasks_exchange = Exchange(EXCHANGE, type="direct", durable=True)
dead_letter_exchange = Exchange(DEAD_LETTER_EXCHANGE, type="direct", durable=True)


def work_queues() -> list[Queue]:
    """``q.storage`` and ``q.ai`` as kombu queues (usable as Celery ``task_queues``)."""
    return [
        Queue(
            name,
            exchange=tasks_exchange,
            routing_key=ROUTING_KEYS[name],
            durable=True,
            queue_arguments=dict(QUEUE_ARGUMENTS),
        )
        for name in (Q_STORAGE, Q_AI)
    ]


def dead_letter_queue() -> Queue:
    keys = sorted(set(ROUTING_KEYS.values()))
    from kombu import binding

    return Queue(
        Q_DLQ,
        exchange=dead_letter_exchange,
        bindings=[binding(dead_letter_exchange, routing_key=k) for k in keys],
        durable=True,
    )


def all_queues() -> list[Queue]:
    return [*work_queues(), dead_letter_queue()]


def declare_topology(channel: Any) -> None:
    """Declare exchanges, queues and bindings on a kombu channel (or connection). Idempotent."""
    tasks_exchange(channel).declare()
    dead_letter_exchange(channel).declare()
    for queue in all_queues():
        queue(channel).declare()
