"""The console while an operation streams 10,000 lines of output: its CPU and its input latency.

The TUI runs headless (Textual's Pilot) with an operation screen open; Run starts an operation whose
child process prints N lines (as fast as it can, or at ``--rate`` lines/s), each one streamed through
the real runner (``ops/proc.py`` reads the pipe, the runner redacts and records, the screen's Log
shows it). While it streams, an input event is posted to the app every ``--probe-ms`` the way the
terminal driver posts keys, and the time until the app handles it is the input latency. CPU is the
console process's own (every thread: the UI, the runner, the pipe reader; not the child's), from
getrusage, over the time the stream lasted.

    uv run python bench/ops_stream.py [--lines 10000] [--rate 0] [--probe-ms 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from textual import events
from textual.widgets import Button, Log

from ecoeco.console.app import EcoApp
from ecoeco.console.config import Profile
from ecoeco.console.ops.base import CancelToken, Emit, OperationContext, OutputLine, Plan, Result
from ecoeco.console.ops.proc import run_streaming
from ecoeco.console.screens.actions import OperationScreen

PROBE_KEY = "f24"  # bound to nothing: the app sees it and does nothing else


class StreamParams(BaseModel):
    lines: int = 10_000
    rate: float = 0.0  # lines/s; 0: as fast as the child can print


class StreamOp:
    """A check (no lock, no confirmation) whose child prints ``lines`` lines."""

    name = "bench.stream"
    kind = "bench"
    title = "Stream N lines (bench)"
    params_model = StreamParams
    mutates = False
    changes_infrastructure = False

    def plan(self, params: StreamParams, ctx: OperationContext) -> Plan[StreamParams]:
        return Plan(params=params, summary=(f"print {params.lines} lines",), changes=False)

    def run(self, plan: Plan[StreamParams], emit: Emit, cancel: CancelToken) -> Result:
        p = plan.params
        code = (
            "import sys, time\n"
            f"n, rate = {p.lines}, {p.rate}\n"
            "t0 = time.monotonic()\n"
            "for i in range(n):\n"
            '    print(f\'{i:05d} resource aws_instance.node["k8s-api-{i % 13}"]: Still creating... [{i}s elapsed] '
            "module.ec2.aws_instance.this', flush=rate > 0)\n"
            "    if rate: time.sleep(max(0.0, t0 + (i + 1) / rate - time.monotonic()))\n"
        )
        proc = run_streaming(
            [sys.executable, "-c", code],
            cwd=Path.cwd(),
            env=dict(os.environ),
            on_line=lambda text, stream: emit(OutputLine(text, "stderr" if stream == "stderr" else "stdout")),
            cancel=cancel,
        )
        return Result(ok=proc.returncode == 0, exit_code=proc.returncode, message=f"{p.lines} lines")


class ProbedApp(EcoApp):
    """Notes when each probe key reaches the app (and swallows it)."""

    # Textual resolves a relative CSS path beside the subclass's module: point at the console's.
    CSS_PATH = str(Path(sys.modules[EcoApp.__module__].__file__ or "").parent / str(EcoApp.CSS_PATH))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: deque[float] = deque()  # the app's queue is FIFO: probes come back in order
        self.latencies: list[float] = []

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and event.key == PROBE_KEY:
            if self.sent:
                self.latencies.append(time.perf_counter() - self.sent.popleft())
            return
        await super().on_event(event)


def cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


async def one_run(profile: Profile, lines: int, rate: float, probe_s: float) -> dict[str, float]:
    app = ProbedApp(profile)
    op = StreamOp()
    async with app.run_test(size=(160, 50)) as pilot:
        await app.switch_mode("actions")
        app.push_screen(OperationScreen(op))  # type: ignore[arg-type]
        while not app.screen.query("#op-run"):
            await pilot.pause(0.01)
        screen = app.screen
        assert isinstance(screen, OperationScreen)
        screen.query_one("#param-lines").value = str(lines)  # type: ignore[attr-defined]
        screen.query_one("#param-rate").value = str(rate)  # type: ignore[attr-defined]
        await pilot.click("#op-plan-button")
        while screen.plan is None or screen.query_one("#op-run", Button).disabled:
            await pilot.pause(0.01)
        await pilot.pause(0.2)  # settle: the plan's repaint is not the stream's cost
        log = screen.query_one("#op-log", Log)
        screen.query_one("#op-run", Button).focus()
        c0, t0 = cpu_s(), time.perf_counter()
        pressing = asyncio.ensure_future(pilot.press("enter"))
        while screen.handle is None:  # Run pressed, the run not started yet
            await asyncio.sleep(0.001)
        handle = screen.handle  # the screen forgets it once the run's end is shown
        while handle.outcome is None:
            # A key every probe_s, posted to the app as the terminal driver posts input.
            app.sent.append(time.perf_counter())
            app.post_message(events.Key(PROBE_KEY, None))
            await asyncio.sleep(probe_s)
        wall = time.perf_counter() - t0
        used = cpu_s() - c0
        await pressing
        # The Log may still be painting the tail: wait until every line is in (then stop the clock).
        while log.line_count < lines or app.sent:
            await pilot.pause(0.01)
        shown = time.perf_counter() - t0
        lat = sorted(app.latencies) or [float("nan")]
    return {
        "wall_s": wall,
        "shown_s": shown,
        "cpu_s": used,
        "cpu_pct": 100 * used / wall,
        "lines_per_s": lines / shown,
        "probes": len(lat),
        "lat_median_ms": statistics.median(lat) * 1000,
        "lat_p95_ms": lat[int(0.95 * (len(lat) - 1))] * 1000,
        "lat_max_ms": lat[-1] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=0.0, help="lines/s; 0 = as fast as possible")
    parser.add_argument("--probe-ms", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ["ECOECO_CONSOLE_STATE_DIR"] = tempfile.mkdtemp(prefix="ecoeco-bench-stream-")
    profile = Profile(name="bench", environment="sandbox")
    results = [
        asyncio.run(one_run(profile, args.lines, args.rate, args.probe_ms / 1000)) for _ in range(args.runs)
    ]
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    pace = f"at {args.rate:g} lines/s" if args.rate else "as fast as the child prints"
    print(
        f"{args.lines} lines streamed {pace}; median of {args.runs} runs (headless TUI, Actions output pane):"
    )
    print(
        f"  stream {med['wall_s']:.2f} s, all lines shown after {med['shown_s']:.2f} s "
        f"({med['lines_per_s']:.0f} lines/s)"
    )
    print(f"  console CPU {med['cpu_s']:.2f} s = {med['cpu_pct']:.0f}% of one core while streaming")
    print(
        f"  input latency ({med['probes']:.0f} probes every {args.probe_ms:g} ms): median "
        f"{med['lat_median_ms']:.1f} ms, p95 {med['lat_p95_ms']:.1f} ms, max {med['lat_max_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
