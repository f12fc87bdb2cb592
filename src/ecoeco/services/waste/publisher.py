"""Hands a job to ``q.storage``: Celery ``send_task`` with publisher confirms, after declaring the
shared topology once per process (same arguments as the workers, so it is idempotent)."""

from __future__ import annotations

import logging
import threading

from celery import Celery

from ecoeco.services.common.messaging import declare_topology, work_queues
from ecoeco.services.common.settings import Settings
from ecoeco.shared.jobs import TASK_STORAGE, task_id
from ecoeco.shared.names import EXCHANGE, Q_STORAGE, ROUTING_KEYS

log = logging.getLogger("ecoeco.waste.publisher")

RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1.0}


class StoragePublisher:
    def __init__(self, settings: Settings) -> None:
        self.app = Celery("ecoeco-waste", broker=settings.broker_url, set_as_current=False)
        self.app.conf.update(
            task_queues=work_queues(),
            task_routes={TASK_STORAGE: {"queue": Q_STORAGE}},
            task_default_queue=Q_STORAGE,
            task_create_missing_queues=False,
            task_serializer="json",
            accept_content=["json"],
            broker_transport_options={"confirm_publish": True},
            broker_connection_timeout=3,
            broker_connection_retry_on_startup=False,
        )
        self._declared = False
        self._lock = threading.Lock()

    def _declare(self) -> None:
        with self._lock:
            if self._declared:
                return
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
                declare_topology(conn.default_channel)
            self._declared = True

    def publish(self, job_id: str, user_id: str, object_key: str) -> str:
        """Blocking: returns once RabbitMQ confirmed the message (run it in a thread)."""
        self._declare()
        tid = task_id(job_id, "storage")
        self.app.send_task(
            TASK_STORAGE,
            kwargs={"job_id": job_id, "user_id": user_id, "object_key": object_key},
            task_id=tid,
            queue=Q_STORAGE,
            exchange=EXCHANGE,
            routing_key=ROUTING_KEYS[Q_STORAGE],
            retry=True,
            retry_policy=RETRY_POLICY,
        )
        log.info("job enqueued", extra={"job_id": job_id, "task_id": tid})
        return tid

    def close(self) -> None:
        self.app.close()
