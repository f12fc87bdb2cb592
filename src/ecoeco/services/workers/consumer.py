"""Celery consumer that dead-letters undecodable messages instead of acking them away.

Celery's default ``on_decode_error`` logs and acks, silently dropping the message. Ours records
it in the journal as dead and rejects it without requeue, so the queue's dead-letter exchange
moves it to ``q.dlq`` where an operator can see it.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from celery.worker.consumer import Consumer

from ecoeco.services.workers import runtime

log = logging.getLogger(__name__)

UNDECODABLE_TASK = "undecodable"


def undecodable_task_id(message: Any) -> str:
    headers = message.headers or {}
    if isinstance(headers.get("id"), str):
        return headers["id"]
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    return f"undecodable:{hashlib.sha256(body).hexdigest()[:16]}"


class JournalConsumer(Consumer):
    def on_decode_error(self, message: Any, exc: Exception) -> None:
        task_id = undecodable_task_id(message)
        reason = f"undecodable message ({message.content_type}): {type(exc).__name__}: {exc}"[:500]
        log.error("task %s: %s; dead-lettered", task_id, reason)
        try:
            rt = runtime.current()
            rt.journal.record_dead(task_id, UNDECODABLE_TASK, {}, reason)
        except Exception:  # the reject below must happen whatever the journal says
            log.exception("could not journal undecodable message %s", task_id)
        message.reject(requeue=False)
