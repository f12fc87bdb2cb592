"""The Textual app: one mode per area, bindings with ids, a theme per environment.

Data flow: the collector's source threads call ``notify_source_updated`` (thread-safe: it only
posts a message). The app coalesces bursts of updates into one snapshot copy (a top-level copy,
taken with its triage findings in a thread; skipped when the collector's ``version`` says no poll
changed anything), bumps ``generation`` and renders the *visible* area only; hidden areas render
when they are shown again, and nothing redraws while a modal (help, palette) covers the area.
There is no animation or clock timer, so an idle console with unchanged data writes nothing.
Only the overview's module is imported at launch; the other areas on first use
(``docs/decisions/performance-console.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import importlib
import os
import signal
import sys
import termios
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from textual.app import App, ScreenStackError
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme

from ecoeco.console import keys
from ecoeco.console.screens.base import AreaScreen
from ecoeco.console.screens.overview import OverviewScreen

if TYPE_CHECKING:
    from textual.command import Provider

    from ecoeco.console.config import Profile
    from ecoeco.console.ops import Event, OperationRunner, RunHandle
    from ecoeco.console.screens.actions import OperationScreen
    from ecoeco.console.screens.pod import LogReader
    from ecoeco.console.snapshot import Snapshot
    from ecoeco.console.triage import Finding
    from ecoeco.console.triage.notify import FindingNotifier, Notice

NOTICE_LEVEL: dict[str, SeverityLevel] = {"critical": "error", "warning": "warning", "info": "information"}
COALESCE_S = 0.1  # updates from several sources polled together (one grid tick) become one render
AGE_TICK_S = 10.0  # with unchanged data, re-render this often (ages shown are relative to the snapshot)
HANGUP_GRACE_S = 3.0  # after SIGHUP, exit hard if a dead terminal blocks the clean exit this long
FREEZE_AFTER_S = 3.0  # after the first paint (not before it: the collection takes ~50 ms)
WATCHDOG_S = 5.0  # how often to check that the terminal is still there (lost without a SIGHUP)

# Distinct looks per environment: production is red so nobody mistakes it for a sandbox.
THEMES = {
    "prod": Theme(
        name="ecoeco-prod",
        primary="#D32F2F",
        secondary="#B71C1C",
        accent="#FF5252",
        warning="#FFB300",
        error="#FF1744",
        success="#43A047",
        background="#1A0E0E",
        surface="#261414",
        panel="#3A1A1A",
        dark=True,
    ),
    "staging": Theme(
        name="ecoeco-staging",
        primary="#F9A825",
        secondary="#F57F17",
        accent="#FFD54F",
        warning="#FFB300",
        error="#E53935",
        success="#43A047",
        background="#17150E",
        surface="#221F14",
        panel="#36301A",
        dark=True,
    ),
    "sandbox": Theme(
        name="ecoeco-sandbox",
        primary="#26A69A",
        secondary="#00796B",
        accent="#4DD0E1",
        warning="#FFB300",
        error="#E53935",
        success="#43A047",
        background="#0E1517",
        surface="#142024",
        panel="#1A3036",
        dark=True,
    ),
}


class CollectorLike(Protocol):
    """What the app needs of ``ecoeco.console.collector.Collector``."""

    @property
    def paused(self) -> bool: ...

    on_update: Callable[[str], None] | None

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def poll_now(self, name: str | None = None) -> None: ...
    def snapshot(self) -> Snapshot: ...

    @property
    def version(self) -> int: ...


def prepare_snapshot(collector: CollectorLike) -> tuple[Snapshot, list[Finding]]:
    """The collector's snapshot and its triage findings (run in a thread, off the event loop)."""
    from ecoeco.console.triage import evaluate

    snapshot = collector.snapshot()
    return snapshot, evaluate(snapshot)


def _lazy_screen(module: str, name: str) -> Callable[[], Screen]:
    """A mode's screen, its module imported when the mode is first shown (not at launch: only the
    overview is needed for the first paint; the Actions area alone pulls in the whole write side)."""

    def make() -> Screen:
        screen: Screen = getattr(importlib.import_module(f"ecoeco.console.screens.{module}"), name)()
        return screen

    return make


def _console_commands() -> type[Provider]:
    from ecoeco.console.screens.commands import ConsoleCommands

    return ConsoleCommands


class SourceUpdated(Message):
    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source


OP_BATCH_S = 0.05  # run events reach the screen at most 20 times a second, each time all of them


class OpEvents(Message):
    """Events of running operations are waiting in ``EcoApp._op_pending``. Posted by a run's thread
    only when none is pending already: a tool printing 10,000 lines puts one message in the queue,
    not 10,000, so a key pressed meanwhile is handled next (bench/ops_stream.py)."""


class EcoApp(App[int]):
    CSS_PATH = "styles/app.tcss"
    TITLE = "Eco² Ops"
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {
        "overview": OverviewScreen,
        "nodes": _lazy_screen("nodes", "NodesScreen"),
        "queues": _lazy_screen("queues", "QueuesScreen"),
        "wal": _lazy_screen("wal", "WalScreen"),
        "metrics": _lazy_screen("metrics", "MetricsScreen"),
        "services": _lazy_screen("services", "ServicesScreen"),
        "triage": _lazy_screen("triage", "TriageScreen"),
        "actions": _lazy_screen("actions", "ActionsScreen"),
        "audit": _lazy_screen("audit", "AuditScreen"),
    }
    BINDINGS = keys.APP_BINDINGS
    COMMANDS = App.COMMANDS | {_console_commands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        profile: Profile | Any | None = None,
        *,
        read_only: bool | None = None,
        origins: dict[str, str] | None = None,
        collector: CollectorLike | None = None,
        snapshot: Snapshot | None = None,
        handle_signals: bool = False,
        keymap: dict[str, str] | None = None,
        op_runner: OperationRunner | None = None,
    ) -> None:
        super().__init__()
        self._op_runner = op_runner
        self._run_views: dict[str, OperationScreen] = {}
        self._op_lock = threading.Lock()
        self._op_pending: list[tuple[RunHandle, Event]] = []
        self._op_posted = False
        self.profile = profile
        # With no profile (screenshots, tests) the fixed snapshot says where it was taken.
        described = profile if profile is not None else snapshot
        self.profile_name: str = getattr(described, "name", "") or getattr(described, "profile", "sandbox")
        self.environment: str = getattr(described, "environment", "sandbox")
        self.read_only = bool(getattr(described, "read_only", False) if read_only is None else read_only)
        self.origins = origins or {}
        self.collector: CollectorLike | None = None
        self.current_snapshot: Snapshot | None = snapshot
        self.generation = 1 if snapshot is not None else 0
        self.renders = 0  # renders of an area, for tests and benches
        self._paused = False
        self._flush_pending = False
        self._dirty = False
        self._taken_version, self._taken_at = -1, 0.0
        self._connect: Callable[[], CollectorLike] | None = None
        self.pending_node: str | None = None  # drill-down target for the Nodes/Pods area
        self.triage_decided = False  # whether the start-up "open on Triage when critical" check ran
        self._triage: tuple[int, list[Finding]] = (-1, [])  # (snapshot generation, its findings)
        # Findings that appear/escalate/clear are notified, debounced (triage.notify; made on first use,
        # the judge layer is not imported before the first paint); bells rung, for tests.
        self.finding_notifier: FindingNotifier | None = None
        self.notices: deque[Notice] = deque(maxlen=100)
        self.bells = 0
        # Reads a pod's logs on request (the composition root sets it for kubernetes profiles).
        self.log_reader: LogReader | None = None
        self._handle_signals = handle_signals
        self.title = f"Eco² Ops · {self.environment} · {self.profile_name}"
        for theme in THEMES.values():
            self.register_theme(theme)
        wanted = getattr(profile, "theme", None)
        self.theme = wanted if wanted in self.available_themes else THEMES[self.environment].name
        if keymap:
            self.set_keymap(keymap)
        if collector is not None:
            self.attach_collector(collector)

    # --- collector wiring --------------------------------------------------------------------

    def connect_after_first_paint(self, connect: Callable[[], CollectorLike]) -> None:
        """Make the collector with ``connect()`` once the first frame is on the terminal (the sources'
        imports are not needed to draw it), then attach and start it."""
        self._connect = connect

    def _connect_now(self) -> None:
        connect, self._connect = self._connect, None
        if connect is None:
            return
        collector = connect()
        self.attach_collector(collector)
        collector.start()

    def attach_collector(self, collector: CollectorLike) -> None:
        """Use ``collector`` for data and be told (from its threads) when a source has polled."""
        self.collector = collector
        collector.on_update = self.notify_source_updated

    def notify_source_updated(self, source: str) -> None:
        """Called from a source's thread after each poll. Thread-safe and never blocks the source."""
        with contextlib.suppress(Exception):  # the app may already be gone at shutdown
            self.post_message(SourceUpdated(source))

    def on_source_updated(self, message: SourceUpdated) -> None:
        self._dirty = True
        if not self._flush_pending:
            self._flush_pending = True
            self.set_timer(COALESCE_S, self._take_snapshot)

    async def _take_snapshot(self) -> None:
        """Copy the collector's snapshot and judge it (triage) in a thread, then render the visible
        area: the event loop only renders. A poll that brought the same data back costs no copy and
        no render, except once per ``AGE_TICK_S`` so the ages shown keep moving."""
        collector = self.collector
        if collector is None:
            self._flush_pending = False
            return
        self._dirty = False
        version = collector.version
        now = time.monotonic()
        if version == self._taken_version and now - self._taken_at < AGE_TICK_S:
            self._flush_pending = False
            return
        try:
            snapshot, findings = await asyncio.to_thread(prepare_snapshot, collector)
        finally:
            self._flush_pending = False
        self._taken_version, self._taken_at = version, now
        self.install_snapshot(snapshot, findings)
        if self._dirty:  # a source polled while the copy was being made
            self._flush_pending = True
            self.set_timer(COALESCE_S, self._take_snapshot)

    def install_snapshot(self, snapshot: Snapshot, findings: list[Finding] | None = None) -> None:
        """Make ``snapshot`` current (with its triage ``findings`` when already known) and render the
        visible area."""
        self.current_snapshot = snapshot
        self.generation += 1
        if findings is not None:
            self._triage = (self.generation, findings)
        if not self.triage_decided:
            self.open_triage_if_critical()
        if self.triage_decided:  # the first full picture is the notifier's baseline
            self.announce_findings()
        self._render_visible()

    def triage_findings(self) -> list[Finding]:
        """The current snapshot's findings, evaluated once per snapshot generation (badge and area share it)."""
        if self.current_snapshot is None:
            return []
        if self._triage[0] != self.generation:
            from ecoeco.console.triage import evaluate

            self._triage = (self.generation, evaluate(self.current_snapshot))
        return self._triage[1]

    def triage_counts(self) -> dict[str, int]:
        """Findings by severity, for the top bar's badge."""
        counts: dict[str, int] = {}
        for f in self.triage_findings():
            counts[f.severity] = counts.get(f.severity, 0) + 1
        return counts

    def announce_findings(self) -> None:
        """Toast the findings that appeared, escalated or cleared since the last snapshot (debounced:
        ``triage.notify``); the terminal bell, once, when one of them is a new critical."""
        snap = self.current_snapshot
        if snap is None:
            return
        if self.finding_notifier is None:
            from ecoeco.console.triage.notify import FindingNotifier

            self.finding_notifier = FindingNotifier()
        notices = self.finding_notifier.update(self.triage_findings(), snap.taken_at)
        for n in notices:
            self.notices.append(n)
            level: SeverityLevel = "information" if n.kind == "cleared" else NOTICE_LEVEL[n.finding.severity]
            self.notify(n.text, title="Triage", severity=level, timeout=8 if level == "error" else 5)
        if any(n.bell for n in notices):
            self.bells += 1
            self.bell()

    def open_triage_if_critical(self) -> None:
        """At start-up, open on Triage when a critical finding exists (issue 10).

        Decided once, when every source has answered or failed at least once: a first snapshot with
        half the sources would decide on half the picture. Only from the overview, so an operator who
        already moved is not pulled away.
        """
        snap = self.current_snapshot
        if snap is None or any(s.last_attempt_at is None for s in snap.sources.values()):
            return
        self.triage_decided = True
        if self.current_mode == "overview" and any(f.severity == "critical" for f in self.triage_findings()):
            self.switch_mode("triage")

    def _render_visible(self) -> None:
        try:
            screen = self.screen
        except ScreenStackError:  # shutting down: nothing left to draw on
            return
        if isinstance(screen, AreaScreen):  # a modal on top means: draw nothing now
            self.renders += 1
            screen.refresh_from_app()

    # --- lifecycle ---------------------------------------------------------------------------

    @staticmethod
    def _freeze_startup_objects() -> None:
        """What start-up built (modules, Textual's CSS, the screens) lives as long as the app: once
        its garbage is collected, move it out of the collector's sight, so that a full collection
        walks the snapshots only (a 5,000-pod refresh's worst case was a ~300 ms gen-2 pause)."""
        gc.collect()
        gc.freeze()

    def on_mount(self) -> None:
        self.set_timer(FREEZE_AFTER_S, self._freeze_startup_objects)
        if self._handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, self._hang_up)
            if sys.__stdin__ is not None and sys.__stdin__.isatty():
                # Watchdog (no drawing): a terminal can vanish without a SIGHUP reaching us
                # (e.g. it was ignored by a wrapper); then Textual's input thread reads EOF in a loop.
                self.set_interval(WATCHDOG_S, self._check_terminal)
        self.switch_mode("overview")
        if self.collector is not None:
            self.collector.start()
        elif self._connect is not None:
            self.call_after_refresh(self._connect_now)

    def _check_terminal(self) -> None:
        if sys.__stdin__ is None or terminal_lost(sys.__stdin__.fileno()):
            self._hang_up()

    def _hang_up(self) -> None:
        """SIGHUP/SIGTERM: the terminal (or SSH session) is gone, or we were asked to stop.

        A clean exit restores the terminal; when it is already gone the shutdown's writes can
        block, so a daemon timer ends the process after a grace period: never an orphan left.
        """
        watchdog = threading.Timer(HANGUP_GRACE_S, os._exit, args=(0,))
        watchdog.daemon = True
        watchdog.start()
        self.stop_collector()
        self.close_runner(timeout=HANGUP_GRACE_S / 2)
        self.exit(0)

    def stop_collector(self) -> None:
        if self.collector is not None:
            self.collector.stop()

    # --- actions -----------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return bool(self.collector.paused) if self.collector is not None else self._paused

    def action_area(self, mode: str) -> None:
        from ecoeco.console.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        if self.current_mode != mode:
            self.switch_mode(mode)

    def drill_down(self, node: str) -> None:
        """Open Nodes/Pods with ``node`` selected (the screen picks it up when it is shown)."""
        from ecoeco.console.screens.help import HelpScreen
        from ecoeco.console.screens.nodes import NodesScreen

        self.pending_node = node
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        if isinstance(self.screen, NodesScreen):
            self.screen.take_pending_node()
        else:
            self.action_area("nodes")

    def action_help(self) -> None:
        from ecoeco.console.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        # Only bindings with an id: those are the console's own (and what a keymap can rebind);
        # Textual's scrolling and focus keys are the same everywhere and would drown them.
        rows = [
            (
                self.get_key_display(active.binding),
                active.binding.tooltip or active.binding.description or active.binding.action,
                active.binding.id or "",
            )
            for active in self.active_bindings.values()
            if active.binding.id and active.enabled
        ]
        area = keys.AREA_TITLES.get(self.current_mode, self.current_mode)
        self.push_screen(HelpScreen(rows, area))

    def action_attention(self) -> None:
        from ecoeco.console.screens.attention import AttentionScreen
        from ecoeco.console.screens.help import HelpScreen

        if isinstance(self.screen, AttentionScreen):
            self.screen.dismiss()
            return
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        if self.current_snapshot is not None:
            self.push_screen(AttentionScreen(self.current_snapshot))

    def action_toggle_pause(self) -> None:
        if self.collector is not None:
            if self.collector.paused:
                self.collector.resume()
            else:
                self.collector.pause()
            # Re-read at once so every source line shows "(paused)" without waiting for a poll.
            self.current_snapshot = self.collector.snapshot()
            self.generation += 1
        else:
            self._paused = not self._paused
        self.notify("Polling paused" if self.paused else "Polling resumed", timeout=2)
        self._render_chrome()

    def action_refresh_now(self) -> None:
        if self.collector is not None:
            self.collector.poll_now()
            self.notify("Refreshing every source", timeout=2)

    def action_quit(self) -> None:  # type: ignore[override]
        self.stop_collector()
        self.close_runner()
        self.exit(0)

    # --- operations (the write side) -----------------------------------------------------------

    @property
    def op_runner(self) -> OperationRunner:
        """The one runner of this console, made on first use (the Actions area, the Audit area)."""
        if self._op_runner is None:
            from ecoeco.console.config import Profile
            from ecoeco.console.ops import OperationRunner

            profile = self.profile
            if not isinstance(profile, Profile):  # a fixed snapshot (tests, screenshots): its environment
                profile = Profile.model_validate(
                    {"name": self.profile_name, "environment": self.environment, "read_only": self.read_only}
                )
            elif self.read_only and not profile.read_only:
                profile = profile.model_copy(update={"read_only": True})
            self._op_runner = OperationRunner(profile, on_event=self._post_op_event)
        return self._op_runner

    def _post_op_event(self, handle: RunHandle, event: Event) -> None:
        with self._op_lock:
            self._op_pending.append((handle, event))
            if self._op_posted:
                return  # the message already in the queue will take this one too
            self._op_posted = True
        with contextlib.suppress(Exception):  # the app may be gone while a run ends
            self.post_message(OpEvents())

    def watch_run(self, handle: RunHandle, view: OperationScreen) -> None:
        self._run_views[handle.run_id] = view

    def on_op_events(self, message: OpEvents) -> None:
        from ecoeco.console.ops import Finished
        from ecoeco.console.screens.audit import AuditScreen

        with self._op_lock:
            batch, self._op_pending = self._op_pending, []
        # At most one batch per OP_BATCH_S: a tool flushing every line would otherwise repaint the
        # output pane for each one. Events arriving meanwhile wait for the window to close.
        self.set_timer(OP_BATCH_S, self._op_window_closed)
        by_run: dict[str, tuple[RunHandle, list[Event]]] = {}
        for handle, event in batch:
            by_run.setdefault(handle.run_id, (handle, []))[1].append(event)
        for run_id, (handle, events) in by_run.items():
            view = self._run_views.get(run_id)
            if view is not None and view.is_mounted:
                view.show_events(handle, events)
            if isinstance(events[-1], Finished):
                self._run_views.pop(run_id, None)
                if isinstance(self.screen, AuditScreen):
                    self.screen.reload()

    def _op_window_closed(self) -> None:
        with self._op_lock:
            more = bool(self._op_pending)
            self._op_posted = more
        if more:
            self.post_message(OpEvents())

    def close_runner(self, timeout: float = 5.0) -> None:
        """Cancel running operations and wait for them (the audit log then says how each ended)."""
        if self._op_runner is not None:
            self._op_runner.close(timeout)

    def _render_chrome(self) -> None:
        if isinstance(self.screen, AreaScreen):
            self.screen.refresh_from_app(force=True)


def terminal_lost(fd: int) -> bool:
    """True when ``fd``'s terminal has hung up (ioctls on it then fail with EIO)."""
    try:
        fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
    except OSError:
        return True
    return False
