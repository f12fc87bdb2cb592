"""Publishing a task message to ``q.dlq`` (via ``ecoeco.dlx``) when the journal marks it dead.

The message stays a valid Celery task message (same name, kwargs and task id), so an operator
can requeue it to ``ecoeco.tasks`` once the cause is fixed.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from ecoeco.services.common.messaging import dead_letter_exchange, dead_letter_queue
from ecoeco.shared.names import Q_DLQ, ROUTING_KEYS

DEAD_REASON_HEADER = "x-ecoeco-dead-reason"
DEAD_WORKER_HEADER = "x-ecoeco-dead-worker"


def dead_letter_options(worker: str, reason: str) -> dict[str, Any]:
    """``send_task`` options that route a task message to ``q.dlq`` with our dead-letter headers."""
    return {
        "exchange": dead_letter_exchange,
        "routing_key": ROUTING_KEYS[Q_DLQ],
        "declare": [dead_letter_queue()],
        "headers": {DEAD_REASON_HEADER: reason[:500], DEAD_WORKER_HEADER: worker},
    }


def dead_letter(
    app: Celery, task_name: str, kwargs: dict[str, Any], task_id: str, worker: str, reason: str
) -> None:
    app.send_task(task_name, kwargs=kwargs, task_id=task_id, **dead_letter_options(worker, reason))
