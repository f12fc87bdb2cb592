"""A small circuit breaker per backing service (PostgreSQL, Redis, RabbitMQ, S3).

Without it every request during an outage waits the full connect or acquire timeout before its 503.
After a connection failure the breaker is *open* for ``open_s``: requests that need the dependency
fail at once with a 503 and ``Retry-After``. When the window ends one request (the trial) is let
through; its outcome closes the breaker or opens it again. Any successful connection (a trial, a
readiness probe, a pool's background connect) closes it.

Only *connection* failures should be recorded: a pool exhausted by load, a rejected query or a
missing object says nothing about whether the server is up.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time

DEFAULT_OPEN_S = 2.0
# A trial that neither succeeds nor fails within this long (cancelled, hung) lets another one try.
TRIAL_TIMEOUT_S = 10.0


class Breaker:
    """Thread-safe: the RabbitMQ and S3 calls record outcomes from worker threads."""

    def __init__(self, name: str, open_s: float = DEFAULT_OPEN_S) -> None:
        self.name = name
        self.open_s = open_s
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._trial_until = 0.0
        self.failures = 0  # consecutive, for logs and tests
        self.trips = 0  # every recorded failure, ever: ``wait_tripped(since=...)`` compares against it
        # Requests waiting (for a pool slot) that should give up as soon as the breaker trips.
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def retry_after_s(self) -> int | None:
        """Whole seconds until the breaker lets a request try again, or None when it is closed."""
        with self._lock:
            open_until = self._open_until
        if open_until == 0.0:
            return None
        return max(1, math.ceil(open_until - time.monotonic()))

    @property
    def is_open(self) -> bool:
        return self._open_until != 0.0

    def allow(self) -> bool:
        """May this request use the dependency? True when closed, or for the one trial per window."""
        with self._lock:
            if self._open_until == 0.0:
                return True
            now = time.monotonic()
            if now < self._open_until or now < self._trial_until:
                return False
            self._trial_until = now + TRIAL_TIMEOUT_S
            return True

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1
            self.trips += 1
            self._open_until = time.monotonic() + self.open_s
            self._trial_until = 0.0
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_resolve, future)

    def record_success(self) -> None:
        with self._lock:
            self.failures = 0
            self._open_until = 0.0
            self._trial_until = 0.0

    async def wait_tripped(self, since: int) -> None:
        """Return once a failure is recorded after ``trips`` was ``since`` (at once if one was)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self.trips > since:
                return
            self._waiters.append((loop, future))
        try:
            await future
        finally:
            with self._lock:
                if (loop, future) in self._waiters:
                    self._waiters.remove((loop, future))


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
