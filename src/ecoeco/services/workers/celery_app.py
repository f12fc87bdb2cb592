"""The Celery app both workers share: queues from ``ecoeco.services.common.messaging``, crash-safe acks.

``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acked only after the task's
outcome is in the journal, and a task whose process dies is redelivered, never dropped.
``task_acks_on_failure_or_timeout=False``: an exception that escapes the journal wrapper
rejects the message, which the queue dead-letters to ``q.dlq`` instead of acking it away.
"""

from __future__ import annotations

from celery import Celery

from ecoeco.services.common.messaging import work_queues
from ecoeco.services.common.settings import get_settings
from ecoeco.shared.jobs import TASK_AI, TASK_STORAGE
from ecoeco.shared.names import Q_AI, Q_STORAGE


def make_app(broker_url: str | None = None) -> Celery:
    app = Celery("ecoeco-workers", broker=broker_url or get_settings().broker_url, set_as_current=True)
    app.conf.update(
        task_queues=work_queues(),
        task_routes={TASK_STORAGE: {"queue": Q_STORAGE}, TASK_AI: {"queue": Q_AI}},
        task_default_queue=Q_STORAGE,
        task_create_missing_queues=False,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=False,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        # Publisher confirms: send_task returns only once RabbitMQ has the message.
        broker_transport_options={"confirm_publish": True},
        broker_connection_retry_on_startup=True,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_hijack_root_logger=False,
        worker_consumer="ecoeco.services.workers.consumer:JournalConsumer",
        worker_send_task_events=False,
        include=[
            "ecoeco.services.workers.storage_tasks",
            "ecoeco.services.workers.ai_tasks",
            "ecoeco.services.workers.control",
        ],
    )
    return app


app = make_app()
