"""Bytes the console writes to its terminal per minute: when nothing changes, when everything does.

The console runs under a pty with a real Collector polling every 2 s (the floor) over in-process
sources that serve a synthetic platform (13 nodes / 200 pods / 10 queues / 2 workers / 6 services):
``static`` serves the same data every poll, ``changing`` changes every value every poll. All
bytes read from the pty master are counted after the first paint.

    uv run python bench/console_bytes.py [--seconds 60] [--area overview]
(a shorter ``--seconds`` is scaled to a minute.)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from console_ptyrun import export_src, python, spawn

HERE = Path(__file__).resolve().parent
PARTS = ("cluster", "queues", "wal", "metrics", "services")


_POLL_CPU = [0.0]
_POLL_LOCK = threading.Lock()


def _count_poll_cpu(seconds: float) -> None:
    """The synthetic polls stand in for HTTP requests and their parsing; their CPU is kept in a file
    so the parent can tell the console's own CPU from the bench's data generation."""
    with _POLL_LOCK:
        _POLL_CPU[0] += seconds
        path = os.environ.get("BENCH_POLL_CPU_FILE")
        if path:
            Path(path).write_text(f"{_POLL_CPU[0]:.6f}", encoding="utf-8")


def _poll_cpu(path: Path) -> float:
    try:
        return float(path.read_text(encoding="utf-8") or 0)
    except (OSError, ValueError):
        return 0.0


class SyntheticSource:
    def __init__(self, name: str, changing: bool) -> None:
        self.name = name
        self.interval_s = 2.0
        self.timeout_s = 5.0
        self.changing = changing
        self.polls = 0

    def poll(self) -> object:
        started = time.thread_time()
        try:
            return self._poll()
        finally:
            _count_poll_cpu(time.thread_time() - started)

    def _poll(self) -> object:
        from console_cpu import synth

        from ecoeco.console.snapshot import DependencyStatus, ServiceHealth

        self.polls += 1
        r = self.polls if self.changing else 0
        snap = synth(200, 10, r)
        snap.services = [
            ServiceHealth(
                name=s,
                url=f"http://127.0.0.1:{9000 + i}",
                live=True,
                ready=bool((r + i) % 5),
                latency_ms=float((r * 7 + i) % 90),
                dependencies={"postgresql": DependencyStatus(ok=bool((r + i) % 3))},
            )
            for i, s in enumerate(("auth", "userinfo", "location", "waste", "recycle-info", "chat-llm"))
        ]
        return snap

    def apply(self, snapshot, data) -> None:  # type: ignore[no-untyped-def]
        setattr(snapshot, self.name, getattr(data, self.name))


def child(mode: str, area: str) -> None:
    from ecoeco.console.app import EcoApp
    from ecoeco.console.collector import Collector
    from ecoeco.console.config import Profile

    profile = Profile(name="bench", environment="staging")
    sources = [SyntheticSource(name, mode == "changing") for name in PARTS]
    app = EcoApp(profile, handle_signals=True)
    # Stay on the area measured: the synthetic data has critical findings, and the start-up check
    # would otherwise open Triage in some runs and not in others.
    app.triage_decided = True
    collector = Collector(profile, sources, on_update=app.notify_source_updated)
    app.attach_collector(collector)
    if area != "overview":
        app.call_after_refresh(app.action_area, area)
    try:
        app.run()
    finally:
        collector.stop()


def measure(mode: str, seconds: float, area: str, env: dict[str, str | None]) -> tuple[float, float]:
    """Bytes per minute written to the terminal, and the console's CPU (% of one core, all threads:
    the collector's, the polls' and the UI's)."""
    argv = python(str(HERE / "console_bytes.py"), "--child", mode, "--area", area)
    with tempfile.NamedTemporaryFile(prefix="poll-cpu-") as counter:
        polls = Path(counter.name)
        proc = spawn(argv, size=(120, 40), env={**env, "BENCH_POLL_CPU_FILE": str(polls)})
        try:
            if proc.pump(90, until=b"Eco") is None:
                raise SystemExit("the console did not paint within 90 s")
            proc.pump(6)  # first polls land and the first full frame is drawn
            before, cpu0, poll0, t0 = proc.total_bytes, proc.cpu_seconds(), _poll_cpu(polls), time.monotonic()
            proc.pump(seconds)
            written, wall = proc.total_bytes - before, time.monotonic() - t0
            cpu = proc.cpu_seconds() - cpu0 - (_poll_cpu(polls) - poll0)
        finally:
            proc.stop()
    return written * 60 / wall, 100 * cpu / wall


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--area", default="overview", help="area shown while measuring (overview, nodes, queues...)"
    )
    parser.add_argument("--child", choices=("static", "changing"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--baseline", metavar="REF", help="also run git REF's console (its src/) in the same run"
    )
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(HERE))
        child(args.child, args.area)
        return 0
    trees: list[tuple[str, dict[str, str | None]]] = [("this tree", {})]
    with tempfile.TemporaryDirectory(prefix="console-bytes-") as tmp:
        if args.baseline:
            trees.append((args.baseline, {"PYTHONPATH": str(export_src(args.baseline, Path(tmp)))}))
        print(
            f"terminal bytes per minute and CPU, area {args.area}, 120x40, 5 sources polling every 2 s, "
            f"measured {args.seconds:.0f} s each, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores:"
        )
        for mode in ("static", "changing"):
            for label, env in trees:  # one after the other for each mode: the same load hits both
                per_min, cpu = measure(mode, args.seconds, args.area, env)
                what = "nothing changes" if mode == "static" else "everything changes"
                print(f"  {what:18s} {label:>12s}: {per_min:12,.0f} bytes/min   CPU {cpu:5.2f}% of one core")
        print("  (CPU: the console process less the synthetic polls' own CPU, which stands in for HTTP)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
