"""The sandbox's watchdog: restarts a managed process that died, the way the kubelet restarts a
container (at once the first time, then with a doubling back-off up to a cap, reset after a while
running), on the same port, counting restarts in the state file the console reads.

``up`` starts it (``ecoeco-sandbox watch``, detached, recorded under ``watchdog`` in the state) and
``down`` stops it before anything else. It acts only while it holds the state dir's lock, taken
without waiting: while ``up``, ``down`` or ``restart`` run, they own the sandbox. See
docs/decisions/sandbox-supervisor.md.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from ecoeco.services.sandbox import aws
from ecoeco.services.sandbox.processes import stop_group
from ecoeco.services.sandbox.secrets_file import ensure_jwt_secret
from ecoeco.services.sandbox.settings import SandboxSettings
from ecoeco.services.sandbox.state import save_state, state_dir
from ecoeco.services.sandbox.supervisor import follow_ports, log_tail, spawn, try_locked, wait_healthy
from ecoeco.shared.procs import pid_alive
from ecoeco.shared.sandbox_state import MANAGED, StateError, load_state


@dataclass
class Backoff:
    """CrashLoopBackOff's shape with sandbox-sized numbers (the kubelet: 10 s doubling to 5 min,
    reset after 10 min): a sandbox should heal within seconds of a single crash."""

    initial_s: float = 1.0
    cap_s: float = 30.0
    reset_after_s: float = 60.0

    def delay(self, crashes: int) -> float:
        """Wait before restarting after ``crashes`` consecutive restarts that did not last."""
        if crashes <= 0:
            return 0.0
        return min(self.cap_s, self.initial_s * 2 ** (crashes - 1))


@dataclass
class _Track:
    crashes: int = 0  # consecutive restarts that did not last reset_after_s
    restarted_at: float = 0.0
    dead_since: float | None = None
    exit: str | None = None
    not_before: float = 0.0
    next_probe: float = 0.0
    probe_failures: int = 0
    hung: tuple[int, str] | None = None  # the pid the liveness probe stopped, and why (its last_exit)


def exit_description(pid: int) -> str:
    """How ``pid`` ended, when we can still learn it (only a parent can; ``up`` exits, so the processes
    it started belong to init and their status is gone)."""
    try:
        waited, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return "process gone (exit status unknown)"
    if waited == 0:
        return "process gone (exit status unknown)"
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with code {os.WEXITSTATUS(status)}"


class Watchdog:
    def __init__(
        self,
        settings: SandboxSettings,
        backoff: Backoff | None = None,
        poll_s: float = 0.5,
        say=print,
    ) -> None:
        self.settings = settings
        self.directory: Path = state_dir(settings)
        self.backoff = backoff or Backoff()
        self.poll_s = poll_s
        self.say = say
        self.tracks: dict[str, _Track] = {}
        self.stopping = False
        # One client for every probe: httpx.get builds a client (and a TLS context) per call.
        self._http = httpx.Client(timeout=settings.liveness_timeout_s)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.say(f"watchdog {os.getpid()} watching {self.directory}")
        while not self.stopping:
            try:
                state = load_state(self.directory)
            except StateError as exc:  # left as it is, as every command does; `up` or a person fixes it
                self.say(f"watchdog: {exc}")
                time.sleep(max(self.poll_s, 5.0))
                continue
            if state is None or (state.get("watchdog") or {}).get("pid") != os.getpid():
                # The state dir was purged, or another watchdog replaced this one: nothing to guard.
                self.say("watchdog: no longer the sandbox's watchdog; exiting")
                return 0
            try:
                self.check(state)
            except Exception as exc:  # noqa: BLE001  (a supervisor that dies supervises nothing: log, go on)
                self.say(f"watchdog: {type(exc).__name__}: {exc}")
            time.sleep(self.poll_s)
        return 0

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def check(self, state: dict[str, Any]) -> None:
        now = time.time()
        for name in MANAGED:
            entry = state["components"].get(name) or {}
            if entry.get("skipped") or not entry.get("pid"):
                continue  # never started, or stopped by `down`: not ours to restart
            track = self.tracks.setdefault(name, _Track())
            if pid_alive(entry["pid"], entry.get("start_time")):
                track.dead_since = None
                if track.crashes and now - track.restarted_at > self.backoff.reset_after_s:
                    track.crashes = 0
                self._probe(name, entry, track, now)
                continue
            if track.dead_since is None:
                track.dead_since = now
                hung = track.hung if track.hung and track.hung[0] == entry["pid"] else None
                track.exit = hung[1] if hung else exit_description(entry["pid"])
                track.hung = None
                track.not_before = now + self.backoff.delay(track.crashes)
                self.say(f"{name}: {track.exit}; restart in {track.not_before - now:.0f} s")
                if track.not_before > now:
                    self._record(name, {"backoff_until": track.not_before})
            if now >= track.not_before:
                self._restart(name, track)

    def _probe(self, name: str, entry: dict[str, Any], track: _Track, now: float) -> None:
        """The liveness probe: alive is not enough (a stopped or deadlocked process keeps its pid and
        its socket). After ``liveness_failures`` failures in a row it is stopped; the next round finds
        it dead and restarts it, with the back-off and the restart count of any other exit."""
        settings = self.settings
        url = entry.get("health_url")
        if settings.liveness_period_s <= 0 or not url or now < track.next_probe:
            return
        if now - float(entry.get("started_at") or 0) < settings.liveness_grace_s:
            return
        track.next_probe = now + settings.liveness_period_s
        try:
            status = self._http.get(url).status_code
            why = None if status < 500 else f"HTTP {status}"
        except httpx.HTTPError as exc:
            why = "timed out" if isinstance(exc, httpx.TimeoutException) else type(exc).__name__
        if why is None:
            track.probe_failures = 0
            return
        track.probe_failures += 1
        if track.probe_failures < settings.liveness_failures:
            return
        failures, track.probe_failures = track.probe_failures, 0
        with try_locked(self.directory) as locked:
            # up, down or restart at work own the sandbox (a restart's graceful stop fails probes too).
            current = ((load_state(self.directory) or {}).get("components") or {}).get(name) or {}
            if not locked or current.get("pid") != entry["pid"]:
                return
            track.hung = (entry["pid"], f"liveness probe failed {failures} times ({why} at {url})")
            self.say(f"{name}: {track.hung[1]}; stopping pid {entry['pid']}")
            stop_group(entry["pid"], entry.get("start_time"), 2.0)

    def _record(self, name: str, fields: dict[str, Any]) -> None:
        with try_locked(self.directory) as locked:
            if not locked:
                return
            state = load_state(self.directory)
            if state and name in state["components"]:
                state["components"][name] |= fields
                save_state(self.directory, state)

    def _restart(self, name: str, track: _Track) -> None:
        with try_locked(self.directory) as locked:
            if not locked:
                return  # up/down/restart is at work; look again next round
            state = load_state(self.directory)
            entry = (state or {}).get("components", {}).get(name) or {}
            if not state or not entry.get("pid") or pid_alive(entry["pid"], entry.get("start_time")):
                track.dead_since = None  # someone else restarted or stopped it meanwhile
                return
            entry.pop("backoff_until", None)
            jwt_secret = ensure_jwt_secret(self.directory)
            new = spawn(
                name,
                self.settings,
                self.directory,
                state,
                jwt_secret,
                restarted=track.exit,
                # What is left of a dead process (pool children) holds its port: do not wait long for it.
                leftover_grace_s=1.0,
                port_wait_s=2.0,
            )
            if new["port"] != entry["port"] and follow_ports(self.settings, self.directory, state):
                self.say(f"{name}: port {entry['port']} was taken; Prometheus now scrapes {new['port']}")
            self.say(
                f"{name}: restarted as pid {new['pid']} on port {new['port']} (restart {new['restarts']})"
            )
            if name == "aws":
                self._recreate_aws(state)
        track.crashes += 1
        track.restarted_at = time.time()
        track.dead_since = None

    def _recreate_aws(self, state: dict[str, Any]) -> None:
        """moto kept the bucket and the distribution in memory: make them again (same port, so the
        services' endpoint still holds)."""
        try:
            wait_healthy(["aws"], self.settings, self.directory, state)
            state["aws"] = aws.ensure_resources(
                state["components"]["aws"]["url"], self.settings.aws_region, self.settings.s3_bucket
            )
        except Exception as exc:  # noqa: BLE001  (botocore or StartError: the watchdog must live on; say why)
            self.say(f"aws: restarted but not set up ({exc}); last lines:\n{log_tail(self.directory, 'aws')}")
            return
        save_state(self.directory, state)
