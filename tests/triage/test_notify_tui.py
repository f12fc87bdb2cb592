"""Pilot, with a real Collector: a new critical finding is toasted and rings the bell once; a flapping
signal afterwards neither rings again nor spams toasts; recovery is toasted once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from ecoeco.console.app import EcoApp
from ecoeco.console.collector import Collector
from ecoeco.console.config import Profile
from ecoeco.console.snapshot import QueueInfo, Snapshot


class QueuesState:
    """The queues source, its state set by the test; it polls only when asked (``poll_now``)."""

    name = "queues"
    interval_s = 3600.0
    timeout_s = 2.0

    def __init__(self) -> None:
        self.consumers = 1
        self.polls = 0
        self._lock = threading.Lock()

    def poll(self) -> object:
        # The depth moves every poll, as a live queue's does: the console skips a poll that brought
        # back the very same data, and each poll here must be a new evaluation.
        with self._lock:
            self.polls += 1
            return self.consumers, 40 + self.polls

    def apply(self, snapshot: Snapshot, data: object) -> None:
        consumers, ready = data  # type: ignore[misc]
        snapshot.queues = [QueueInfo(name="q.ai", ready=ready, consumers=consumers)]


async def until(pilot: object, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "the console did not get there"
        await pilot.pause(0.02)  # type: ignore[attr-defined]


async def test_new_critical_rings_once_and_a_flap_does_not_spam() -> None:
    source = QueuesState()
    collector = Collector(Profile(name="t", environment="sandbox"), [source], min_interval_s=0.05)
    app = EcoApp(Profile(name="t", environment="sandbox"), collector=collector)

    async def poll(consumers: int) -> None:
        source.consumers = consumers
        seen = app.generation
        collector.poll_now("queues")
        await until(
            pilot,
            lambda: (
                app.generation > seen
                and app.current_snapshot is not None
                and app.current_snapshot.queues[0].consumers == consumers
            ),
        )

    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.triage_decided)  # healthy baseline
            await poll(0)
            assert app.bells == 0  # one evaluation is not enough: it could be a blip
            await poll(0)
            assert app.bells == 1
            assert [n.text for n in app.notices] == ["New critical: Queue q.ai: work, no consumer"]
            toasts = [n.message for n in app._notifications]
            assert toasts == ["New critical: Queue q.ai: work, no consumer"]
            for consumers in (1, 0) * 4 + (0,):  # flapping every poll, then still down
                await poll(consumers)
            assert app.bells == 1 and len(app.notices) == 1
            await poll(1)
            await poll(1)
            assert [n.kind for n in app.notices] == ["appeared", "cleared"] and app.bells == 1
            assert app.notices[-1].text == "Cleared: Queue q.ai: work, no consumer"
    finally:
        collector.stop()
