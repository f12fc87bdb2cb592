"""In-process sources and waiting helpers for the TUI tests (imported by conftest and tests)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from ecoeco.console.snapshot import QueueInfo, ServiceHealth, Snapshot


class ScriptedSource:
    """A source whose poll counts up (or raises ``fail`` when set); ``write`` applies the count."""

    def __init__(self, name: str, write: Callable[[Snapshot, int], None]) -> None:
        self.name = name
        self.interval_s = 0.05
        self.timeout_s = 2.0
        self.fail: str | None = None
        self.polls = 0
        self._write = write
        self._lock = threading.Lock()

    def poll(self) -> object:
        with self._lock:
            self.polls += 1
            if self.fail:
                raise ConnectionError(self.fail)
            return self.polls

    def apply(self, snapshot: Snapshot, data: object) -> None:
        self._write(snapshot, int(data))  # type: ignore[arg-type]


def write_queues(snapshot: Snapshot, n: int) -> None:
    snapshot.queues = [
        QueueInfo(name="q.storage", ready=n, consumers=1, depth_history=[float(n)]),
        QueueInfo(name="q.ai", ready=2 * n, consumers=1),
        QueueInfo(name="q.dlq", ready=0, consumers=0),
    ]


def write_services(snapshot: Snapshot, n: int) -> None:
    snapshot.services = [
        ServiceHealth(
            name=name, url=f"http://127.0.0.1:{9000 + i}", live=True, ready=True, latency_ms=float(n)
        )
        for i, name in enumerate(("auth", "waste"))
    ]


async def wait_until(pilot: object, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``predicate()`` holds; fail with a clear message after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not reached within {timeout}s")
        await pilot.pause(0.05)  # type: ignore[attr-defined]
