"""Runs the sources: one daemon thread per source, each re-arming its own timer after a poll, on a
grid of its interval (sources with one interval poll together).

A poll never overlaps the previous poll of the same source, is abandoned (not killed) after the
source's timeout, and failures back off exponentially (capped). A failing or hanging source never
delays another one or the UI: the UI only ever reads ``snapshot()``, a consistent deep copy.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence

from ecoeco.console.config import Profile
from ecoeco.console.errors import short_error
from ecoeco.console.snapshot import Snapshot, SourceStatus
from ecoeco.console.sources.base import Source

__all__ = ["Collector", "backoff_delay", "collect_once"]

MIN_INTERVAL_S = 2.0
MAX_BACKOFF_S = 30.0


def backoff_delay(interval_s: float, failures: int, cap_s: float = MAX_BACKOFF_S) -> float:
    """Seconds until the next poll after ``failures`` consecutive failures (0 = healthy)."""
    if failures <= 0:
        return interval_s
    return min(max(cap_s, interval_s), interval_s * (2**failures))


class _Attempt:
    """One poll running in its own daemon thread, so a hung poll can be abandoned."""

    def __init__(self, source: Source) -> None:
        self.done = threading.Event()
        self.data: object = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(source,), name=f"poll-{source.name}", daemon=True
        )
        self._thread.start()

    def _run(self, source: Source) -> None:
        try:
            self.data = source.poll()
        except BaseException as exc:  # noqa: BLE001 - any failure is this source's error
            self.error = exc
        finally:
            self.done.set()


class Collector:
    def __init__(
        self,
        profile: Profile,
        sources: Sequence[Source],
        on_update: Callable[[str], None] | None = None,
        *,
        min_interval_s: float = MIN_INTERVAL_S,
        max_backoff_s: float = MAX_BACKOFF_S,
    ) -> None:
        # min_interval_s is the 2 s floor; only tests lower it, to run in milliseconds.
        self.profile = profile
        self.sources = {s.name: s for s in sources}
        self.on_update = on_update
        self._floor = min_interval_s
        self._cap = max_backoff_s
        self._secrets = _profile_secrets(profile)
        self._lock = threading.Lock()
        self._snapshot = Snapshot(
            profile=profile.name, environment=profile.environment, read_only=profile.read_only
        )
        self._status = {s.name: SourceStatus(name=s.name, interval_s=self.interval_of(s)) for s in sources}
        self._failures = {s.name: 0 for s in sources}
        self._inflight: dict[str, _Attempt | None] = {s.name: None for s in sources}
        self._wake = {s.name: threading.Event() for s in sources}
        self._forced = {s.name: False for s in sources}
        self._stop = threading.Event()
        self._paused = False
        self._threads: list[threading.Thread] = []
        self._version = 0

    # --- public API -------------------------------------------------------------------------------

    def interval_of(self, source: Source) -> float:
        return max(self._floor, float(source.interval_s))

    def start(self) -> None:
        for name in self.sources:
            t = threading.Thread(target=self._loop, args=(name,), name=f"source-{name}", daemon=True)
            self._threads.append(t)
            t.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        for ev in self._wake.values():
            ev.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            for st in self._status.values():
                st.paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            for st in self._status.values():
                st.paused = False
        for ev in self._wake.values():
            ev.set()

    @property
    def paused(self) -> bool:
        return self._paused

    def poll_now(self, name: str | None = None) -> None:
        """Poll ``name`` (or every source) as soon as its current poll, if any, has finished.

        An explicit request, so it runs even while paused.
        """
        names = [name] if name else list(self.sources)
        for n in names:
            if n not in self.sources:
                raise KeyError(n)
            self._forced[n] = True
            self._wake[n].set()

    def snapshot(self) -> Snapshot:
        """A consistent snapshot for the UI, copied at the top level only (structural sharing).

        Every ``Source.apply`` replaces its part with a new object and never mutates the one it
        replaces, and readers never mutate a snapshot, so the parts can be shared: the copy costs
        microseconds instead of the ~110 ms a deep copy of 5,000 pods took. The statuses are mutated
        in place by ``_record``, so they are copied.
        """
        with self._lock:
            snap = self._snapshot.model_copy()
            snap.sources = {n: s.model_copy() for n, s in self._status.items()}
        snap.join_node_usage()
        snap.taken_at = time.time()
        return snap

    @property
    def version(self) -> int:
        """Bumped whenever a poll changed the snapshot (data or a source's ok/error); not for a poll
        that brought the same data back."""
        return self._version

    def status(self, name: str) -> SourceStatus:
        with self._lock:
            return self._status[name].model_copy()

    def failures(self, name: str) -> int:
        """Consecutive failures of ``name`` (drives its backoff)."""
        return self._failures[name]

    def next_delay(self, name: str) -> float:
        return backoff_delay(self.interval_of(self.sources[name]), self._failures[name], self._cap)

    def until_next_poll(self, name: str, now: float | None = None) -> float:
        """Seconds to wait before ``name`` polls again. A healthy source polls on a grid of its
        interval shared by every source with that interval (multiples of it on the monotonic clock):
        their polls land together and the app renders them once, not once per source. A failing one
        backs off from now."""
        delay = self.next_delay(name)
        if self._failures[name]:
            return delay
        now = time.monotonic() if now is None else now
        return delay - (now % delay)

    # --- the per-source worker --------------------------------------------------------------------

    def _loop(self, name: str) -> None:
        source = self.sources[name]
        wake = self._wake[name]
        while not self._stop.is_set():
            forced, self._forced[name] = self._forced[name], False
            if forced or not self._paused:
                self._run_once(source)
            if self._stop.is_set():
                break
            wake.wait(self.until_next_poll(name))
            wake.clear()

    def _run_once(self, source: Source) -> None:
        name = source.name
        previous = self._inflight[name]
        if previous is not None and not previous.done.is_set():
            # The last (abandoned) poll still hangs: never start a second one beside it.
            self._record(name, None, TimeoutError(f"previous poll still running after {source.timeout_s:g}s"))
            return
        attempt = _Attempt(source)
        self._inflight[name] = attempt
        deadline = time.monotonic() + source.timeout_s
        # Waited in slices so that stop() is prompt even while a slow poll is in flight.
        while not attempt.done.wait(min(0.25, max(0.0, deadline - time.monotonic()))):
            if self._stop.is_set():
                return
            if time.monotonic() >= deadline:
                self._record(name, None, TimeoutError(f"no answer within {source.timeout_s:g}s"))
                return
        self._record(name, attempt.data, attempt.error)

    def _record(self, name: str, data: object, error: BaseException | None) -> None:
        source = self.sources[name]
        now = time.time()
        with self._lock:
            st = self._status[name]
            st.last_attempt_at = now
            before = (st.ok, st.error, st.paused)
            changed = False
            if error is None:
                parts = dict(self._snapshot.__dict__)
                try:
                    source.apply(self._snapshot, data)
                except Exception as exc:  # noqa: BLE001 - a bad apply is this source's error too
                    error = exc
                changed = _keep_unchanged_parts(self._snapshot, parts)
            if error is None:
                st.ok, st.error, st.updated_at = True, None, now
                self._failures[name] = 0
            else:
                st.ok, st.error = False, short_error(error, self._secrets)
                self._failures[name] += 1
            if changed or before != (st.ok, st.error, st.paused):
                self._version += 1
        if self.on_update is not None:
            # A failing UI callback must not kill the poller.
            with contextlib.suppress(Exception):
                self.on_update(name)


def _keep_unchanged_parts(snapshot: Snapshot, before: dict[str, object]) -> bool:
    """After an ``apply``: put back each part whose new value equals the old one (so an unchanged part
    keeps its identity and readers can skip it by ``is``); True when any part really changed.

    Runs in the source's thread; comparing is cheaper than what a change costs downstream (a render)."""
    changed = False
    for field, old in before.items():
        new = snapshot.__dict__.get(field)
        if new is old:
            continue
        if new == old:
            snapshot.__dict__[field] = old
        else:
            changed = True
    return changed


def _profile_secrets(profile: Profile) -> tuple[str, ...]:
    secrets = [profile.rabbitmq_password.get_secret_value()]
    if profile.broker_url is not None:
        secrets.append(profile.broker_url.get_secret_value())
    return tuple(s for s in secrets if s)


def collect_once(profile: Profile, sources: Sequence[Source], timeout: float = 10.0) -> Snapshot:
    """Poll every source once, in parallel, and return the snapshot (for ``status`` and scripts)."""
    secrets = _profile_secrets(profile)
    snap = Snapshot(profile=profile.name, environment=profile.environment, read_only=profile.read_only)
    started = time.monotonic()
    attempts = {s.name: _Attempt(s) for s in sources}
    for source in sources:
        attempt = attempts[source.name]
        wait = max(0.0, started + min(source.timeout_s, timeout) - time.monotonic())
        attempt.done.wait(wait)
        st = SourceStatus(name=source.name, interval_s=max(MIN_INTERVAL_S, source.interval_s))
        st.last_attempt_at = time.time()
        error = attempt.error
        if not attempt.done.is_set():
            error = TimeoutError(f"no answer within {min(source.timeout_s, timeout):g}s")
        if error is None:
            try:
                source.apply(snap, attempt.data)
            except Exception as exc:  # noqa: BLE001
                error = exc
        if error is None:
            st.ok, st.updated_at = True, st.last_attempt_at
        else:
            st.error = short_error(error, secrets)
        snap.sources[source.name] = st
    snap.join_node_usage()
    snap.taken_at = time.time()
    return snap
