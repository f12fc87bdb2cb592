"""What one worker process holds while it runs: its name, settings, journal, syncer, Redis client.

Set once by the CLI before the Celery worker starts; tasks and control commands read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecoeco.services.common.settings import Settings
from ecoeco.services.workers.journal import Journal
from ecoeco.services.workers.sync import Syncer
from ecoeco.shared.names import Q_AI, Q_STORAGE

WORKER_QUEUES = {"storage": Q_STORAGE, "ai": Q_AI}


@dataclass
class WorkerRuntime:
    worker: str
    settings: Settings
    journal: Journal
    syncer: Syncer
    redis: Any  # redis.Redis (decode_responses=True)


_current: WorkerRuntime | None = None


def install(runtime: WorkerRuntime | None) -> None:
    global _current
    _current = runtime


def current() -> WorkerRuntime:
    if _current is None:
        raise RuntimeError("no worker runtime installed: start workers with `ecoeco-worker storage|ai`")
    return _current
