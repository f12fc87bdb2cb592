"""The collector with small real in-process sources (threads, events, counters)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from ecoeco.console.collector import Collector, backoff_delay, collect_once
from ecoeco.console.config import Profile
from ecoeco.console.snapshot import AlertInfo, Snapshot

FAST = 0.02  # tests lower the 2 s floor so that they run in milliseconds


class CountingSource:
    """Polls count up; ``fail_first`` polls raise; ``block`` (an Event) holds each poll until set."""

    def __init__(
        self, name: str, *, fail_first: int = 0, block: threading.Event | None = None, hold_s: float = 0.0
    ):
        self.name = name
        self.interval_s = FAST
        self.timeout_s = 5.0
        self.fail_first = fail_first
        self.block = block
        self.hold_s = hold_s
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def poll(self) -> int:
        with self._lock:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            n = self.calls
        try:
            if self.block is not None:
                self.block.wait(10)
            if self.hold_s:
                time.sleep(self.hold_s)
            if n <= self.fail_first:
                raise ConnectionError(f"refused by amqp://guest:topsecret@127.0.0.1/ecoeco (attempt {n})")
            return n
        finally:
            with self._lock:
                self.active -= 1

    def apply(self, snapshot: Snapshot, data: object) -> None:
        snapshot.alerts = [*snapshot.alerts, AlertInfo(name=f"{self.name}-{data}")]


def wait_until(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


@pytest.fixture
def profile() -> Profile:
    return Profile(name="t", rabbitmq_password="topsecret")


@pytest.fixture
def running() -> Iterator[list[Collector]]:
    started: list[Collector] = []
    yield started
    for c in started:
        c.stop()


def make(profile: Profile, running: list[Collector], *sources, **kw) -> Collector:
    c = Collector(profile, sources, min_interval_s=FAST, max_backoff_s=kw.pop("cap", 30.0), **kw)
    running.append(c)
    return c


def test_backoff_doubles_and_is_capped() -> None:
    assert backoff_delay(2.0, 0) == 2.0
    assert [backoff_delay(2.0, n) for n in (1, 2, 3, 4, 5)] == [4.0, 8.0, 16.0, 30.0, 30.0]


def test_the_floor_interval_is_two_seconds(profile: Profile) -> None:
    source = CountingSource("s")
    source.interval_s = 0.1
    assert Collector(profile, [source]).interval_of(source) == 2.0


def test_a_source_never_overlaps_itself(profile: Profile, running: list[Collector]) -> None:
    source = CountingSource("slow", hold_s=0.05)
    source.timeout_s = 0.01  # every poll is abandoned while still running
    c = make(profile, running, source)
    c.start()
    for _ in range(30):
        c.poll_now("slow")
        time.sleep(0.005)
    wait_until(lambda: source.calls >= 3)
    assert source.max_active == 1
    assert "no answer within" in c.status("slow").error or "still running" in c.status("slow").error


def test_a_hung_source_does_not_block_another(profile: Profile, running: list[Collector]) -> None:
    gate = threading.Event()
    hung, quick = CountingSource("hung", block=gate), CountingSource("quick")
    hung.timeout_s = 0.1
    updates: list[str] = []
    c = make(profile, running, hung, quick, on_update=updates.append)
    c.start()
    wait_until(lambda: quick.calls >= 5)
    snap = c.snapshot()
    assert snap.sources["quick"].ok and snap.sources["quick"].updated_at is not None
    assert any(a.name.startswith("quick-") for a in snap.alerts)
    wait_until(lambda: c.status("hung").error is not None)
    # Either the first poll's timeout or, when the machine is slow to get here, the next attempt's
    # "previous poll still running": both say the source hangs, after its 0.1 s timeout.
    hung = c.status("hung")
    assert not hung.ok and hung.error is not None and "0.1s" in hung.error
    assert "no answer within" in hung.error or "previous poll still running" in hung.error
    assert "quick" in updates and "hung" in updates
    gate.set()


def test_failures_back_off_and_recovery_clears_the_error(profile: Profile, running: list[Collector]) -> None:
    source = CountingSource("flaky", fail_first=3)
    c = make(profile, running, source)
    c.start()
    wait_until(lambda: c.failures("flaky") >= 1)
    st = c.status("flaky")
    assert not st.ok and "refused" in st.error and "topsecret" not in st.error
    assert c.next_delay("flaky") >= 2 * FAST
    wait_until(lambda: c.status("flaky").ok)
    st = c.status("flaky")
    assert st.error is None and st.updated_at is not None
    assert c.failures("flaky") == 0 and c.next_delay("flaky") == FAST
    assert any(a.name == "flaky-4" for a in c.snapshot().alerts)


def test_last_good_data_is_kept_while_a_source_fails(profile: Profile, running: list[Collector]) -> None:
    class Flipping(CountingSource):
        def poll(self) -> int:
            n = super().poll()
            if n > 1:
                raise RuntimeError("down")
            return n

    source = Flipping("flip")
    c = make(profile, running, source, cap=FAST * 2)
    c.start()
    wait_until(lambda: source.calls >= 3)
    snap = c.snapshot()
    assert [a.name for a in snap.alerts] == ["flip-1"]
    assert not snap.sources["flip"].ok and snap.sources["flip"].updated_at is not None


def test_pause_stops_polling_and_resume_restarts_it(profile: Profile, running: list[Collector]) -> None:
    source = CountingSource("p")
    c = make(profile, running, source)
    c.start()
    wait_until(lambda: source.calls >= 2)
    c.pause()
    assert c.paused and c.snapshot().sources["p"].paused
    time.sleep(FAST * 3)  # let an in-flight poll finish
    frozen = source.calls
    time.sleep(FAST * 10)
    assert source.calls == frozen
    c.poll_now("p")  # an explicit refresh still runs while paused
    wait_until(lambda: source.calls == frozen + 1)
    c.resume()
    wait_until(lambda: source.calls >= frozen + 3)
    assert not c.snapshot().sources["p"].paused


def test_snapshot_is_a_copy(profile: Profile, running: list[Collector]) -> None:
    """The copy is a top-level one (parts are shared, read-only): replacing a part or changing a
    status in the copy leaves the collector's snapshot as it was."""
    source = CountingSource("c")
    c = make(profile, running, source)
    c.start()
    wait_until(lambda: source.calls >= 1 and c.status("c").ok)
    snap = c.snapshot()
    snap.alerts = []
    snap.sources["c"].ok = False
    again = c.snapshot()
    assert again.alerts and again.sources["c"].ok


class SameDataSource(CountingSource):
    """Polls count up, but the data applied is the same every time (an idle platform)."""

    def apply(self, snapshot: Snapshot, data: object) -> None:
        snapshot.alerts = [AlertInfo(name=self.name)]


def test_a_poll_with_the_same_data_keeps_the_version_and_the_part(
    profile: Profile, running: list[Collector]
) -> None:
    source = SameDataSource("c")
    c = make(profile, running, source)
    c.start()
    wait_until(lambda: source.calls >= 1 and c.status("c").ok)
    version, first = c.version, c.snapshot().alerts
    wait_until(lambda: source.calls >= 3)
    assert c.version == version
    assert c.snapshot().alerts is first  # the old part kept: readers can skip it by identity


def test_stop_ends_every_thread_promptly(profile: Profile) -> None:
    sources = [CountingSource(f"s{i}") for i in range(4)]
    c = Collector(profile, sources)  # real 2 s floor: threads sit in their wait
    c.start()
    wait_until(lambda: all(s.calls >= 1 for s in sources))
    c.stop(timeout=1.0)
    assert not any(t.is_alive() for t in c._threads)


def test_stop_is_prompt_while_a_poll_hangs(profile: Profile) -> None:
    gate = threading.Event()
    hung = CountingSource("hung", block=gate)
    hung.timeout_s = 60.0
    c = Collector(profile, [hung])
    c.start()
    wait_until(lambda: hung.calls == 1)
    c.stop(timeout=2.0)
    assert not any(t.is_alive() for t in c._threads)
    gate.set()


def test_collect_once_reports_every_source_even_a_hung_one(profile: Profile) -> None:
    gate = threading.Event()
    hung, good, bad = (
        CountingSource("hung", block=gate),
        CountingSource("good"),
        CountingSource("bad", fail_first=1),
    )
    hung.timeout_s = 0.2
    snap = collect_once(profile, [hung, good, bad], timeout=5)
    gate.set()
    assert snap.sources["good"].ok
    assert not snap.sources["bad"].ok and "topsecret" not in snap.sources["bad"].error
    assert "no answer within 0.2s" in snap.sources["hung"].error
    assert snap.unreachable_sources() == ["bad", "hung"]
    assert [a.name for a in snap.alerts] == ["good-1"]


class StampingSource(CountingSource):
    """Records when each poll starts (monotonic)."""

    def __init__(self, name: str, interval_s: float, hold_s: float = 0.0) -> None:
        super().__init__(name, hold_s=hold_s)
        self.interval_s = interval_s
        self.starts: list[float] = []

    def poll(self) -> int:
        self.starts.append(time.monotonic())
        return super().poll()


def test_sources_with_one_interval_poll_together_on_a_grid(
    profile: Profile, running: list[Collector]
) -> None:
    # A slow source (0.15 s per poll) would drift against a quick one if each waited an interval after
    # its own poll; on the shared grid both start at multiples of the interval, so the app renders
    # their updates once.
    interval = 0.5
    quick, slow = StampingSource("quick", interval), StampingSource("slow", interval, hold_s=0.15)
    c = make(profile, running, quick, slow)
    c.start()
    wait_until(lambda: len(slow.starts) >= 5, timeout=10)
    for source in (quick, slow):
        phases = [t % interval for t in source.starts[1:]]  # the first poll is at start-up, off-grid
        assert all(min(p, interval - p) < 0.1 for p in phases), (source.name, phases)


def test_the_wait_lands_on_the_next_grid_tick_and_a_failing_source_backs_off_from_now(
    profile: Profile, running: list[Collector]
) -> None:
    source = CountingSource("s")
    source.interval_s = 2.0
    c = make(profile, running, source)
    assert c.until_next_poll("s", now=100.5) == pytest.approx(1.5)  # next tick at 102
    assert c.until_next_poll("s", now=101.9) == pytest.approx(0.1)
    c._failures["s"] = 2
    assert c.until_next_poll("s", now=100.5) == c.next_delay("s") == 8.0
