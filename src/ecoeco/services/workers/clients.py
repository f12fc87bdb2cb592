"""Per-process clients the tasks share (boto3 clients are thread-safe and slow to create)."""

from __future__ import annotations

import threading
from typing import Any

from ecoeco.services.common.settings import Settings
from ecoeco.services.common.storage import s3_client

_lock = threading.Lock()
_s3: dict[int, Any] = {}


def s3_for(settings: Settings) -> Any:
    with _lock:
        client = _s3.get(id(settings))
        if client is None:
            client = _s3[id(settings)] = s3_client(settings)
        return client
