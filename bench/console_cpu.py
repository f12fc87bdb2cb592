"""CPU of the console: idle over N seconds under a pty, and the cost of one refresh per area.

    uv run python bench/console_cpu.py idle [--seconds 60] [--fixed | --profile sandbox] [--baseline REF --repeat N]
    uv run python bench/console_cpu.py refresh [--rounds 10]

``idle`` launches the console (live sources on ``--profile`` by default; the profile's
endpoints must be up, the bench does not start anything) and reads the process's own CPU time
from /proc after a warm-up. ``refresh`` renders synthetic snapshots headlessly (13 nodes / 200
pods / 10 queues / 2 workers, and 5,000 pods / 500 queues) with every value changed each round (and 5,000 pods with only a few rows
changed each round),
and times the render of each area including the layout/paint that follows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from console_ptyrun import FIXTURES, export_src, python, spawn

FIXED = f"""
from pathlib import Path
from ecoeco.console.app import EcoApp
from ecoeco.console.screenshots import load_fixture
EcoApp(snapshot=load_fixture(Path({str(FIXTURES / "incident.json")!r})), handle_signals=True).run()
"""


def idle_once(args: argparse.Namespace, env: dict[str, str | None] | None = None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, terminal bytes) of one idle console after its warm-up."""
    if args.fixed:
        argv = python("-c", FIXED)
    else:
        exe = shutil.which("ecoeco-console") or sys.executable.replace("python", "ecoeco-console")
        argv = [exe, "--profile", args.profile]
    proc = spawn(argv, size=(120, 40), env=env)
    try:
        if proc.pump(90, until=b"control-plane") is None:
            raise SystemExit("the console did not paint its overview within 90 s")
        proc.pump(args.warmup)
        cpu0, bytes0, t0 = proc.cpu_seconds(), proc.total_bytes, time.monotonic()
        proc.pump(args.seconds)
        cpu1, bytes1, t1 = proc.cpu_seconds(), proc.total_bytes, time.monotonic()
    finally:
        proc.stop()
    return t1 - t0, cpu1 - cpu0, bytes1 - bytes0


def idle(args: argparse.Namespace) -> None:
    what = "fixed snapshot, no sources" if args.fixed else f"live sources, profile {args.profile}"
    with tempfile.TemporaryDirectory() as tmp:
        trees: list[tuple[str, dict[str, str | None] | None]] = [("this tree", None)]
        if args.baseline:
            # The same sources, sandbox and load for both: the trees take turns (base, this, this, base).
            base_env: dict[str, str | None] = {"PYTHONPATH": str(export_src(args.baseline, Path(tmp)))}
            trees = []
            for i in range(args.repeat):
                pair = [(args.baseline, base_env), ("this tree", None)]
                trees += pair if i % 2 == 0 else pair[::-1]
        runs: dict[str, list[tuple[float, float, int]]] = {}
        for name, env in trees:
            runs.setdefault(name, []).append(idle_once(args, env))
    load = os.getloadavg()[0]
    print(
        f"idle console ({what}), {args.seconds:.0f} s after a {args.warmup:.0f} s warm-up, load {load:.1f}:"
    )
    for name, results in runs.items():
        for wall, cpu, out in results:
            print(
                f"  {name:>12}: CPU {cpu:.2f} s = {100 * cpu / wall:.1f}% of one core; "
                f"terminal {out * 60 / wall:,.0f} bytes/min"
            )
    if args.baseline:
        share = {n: statistics.median(c / w for w, c, _ in r) for n, r in runs.items()}
        print(f"  this tree / {args.baseline}: {share['this tree'] / share[args.baseline]:.2f}× the CPU")


def synth(pods: int, queues: int, round_no: int, few: bool = False):  # type: ignore[no-untyped-def]
    """Every value changes each round; with ``few``, only one pod in 250 and one queue in 50 do (the
    nodes, workers and services still change): a tick of a large cluster where most rows stay."""
    from ecoeco.console.snapshot import (
        MetricsState,
        NodeInfo,
        PodInfo,
        QueueInfo,
        ServiceMetrics,
        Snapshot,
        SourceStatus,
        WalInfo,
    )
    from ecoeco.shared.topology import load_topology

    r = round_no
    topo = load_topology().nodes

    def _pod(i: int, node: str, k: int, r: int) -> PodInfo:
        return PodInfo(
            name=f"pod-{i}-{k}",
            namespace=f"ns{k % 7}",
            node=node,
            phase="Running" if (k + r) % 13 else "Pending",
            ready=bool((k + r) % 11),
            restarts=(k * r) % 9,
            waiting_reason="CrashLoopBackOff" if (k + r) % 97 == 0 else None,
            owner=f"deploy-{k % 40}",
        )

    def _queue(k: int, r: int) -> QueueInfo:
        return QueueInfo(
            name=f"q.{k}",
            ready=(k * 31 + r * 17) % 5000,
            unacked=(k + r) % 10,
            consumers=(k + r) % 3,
            publish_rate=float(r % 50),
            deliver_rate=float((r + k) % 50),
            ack_rate=float((r * k) % 50),
            depth_history=[float((j + k + r) % 40) for j in range(30)],
        )

    nodes = []
    for i, t in enumerate(topo):
        mine = [
            _pod(i, t.name, k, r if not few or k % 250 == 0 else 0)
            for k in range(pods // len(topo) + (1 if i < pods % len(topo) else 0))
        ]
        hist = [float((j * 7 + r + i) % 100) for j in range(60)]
        nodes.append(
            NodeInfo(
                name=t.name,
                role=t.role,
                domain=t.domain,
                instance_type=t.instance_type,
                status="Ready" if (i + r) % 17 else "NotReady",
                cpu_percent=hist[-1],
                mem_percent=hist[-2],
                cpu_history=hist,
                mem_history=hist[::-1],
                pods=mine,
            )
        )
    snap = Snapshot(
        taken_at=1_780_000_000.0 + r * 2,
        sources={
            n: SourceStatus(name=n, ok=True, updated_at=1_780_000_000.0 + r * 2)
            for n in ("cluster", "queues")
        },
    )
    snap.cluster.nodes = nodes
    snap.queues = [_queue(k, r if not few or k % 50 == 0 else 0) for k in range(queues)]
    snap.wal = [
        WalInfo(
            worker=w,
            unsynced_rows=r * 10 + j,
            oldest_unsynced_age_s=float(r),
            sync_interval_s=300.0,
            unsynced_history=[float((x + r) % 50) for x in range(60)],
        )
        for j, w in enumerate(("storage", "ai"))
    ]
    snap.metrics = MetricsState(
        services=[
            ServiceMetrics(
                service=s,
                request_rate=float(r % 9),
                error_ratio=0.001 * r,
                p95_latency_s=0.01 * (r % 7),
                rate_history=[float((x + r) % 9) for x in range(60)],
                p95_history=[0.01 * ((x + r) % 7) for x in range(60)],
                error_history=[0.001 * ((x + r) % 5) for x in range(60)],
            )
            for s in ("auth", "userinfo", "location", "waste", "recycle-info", "chat-llm")
        ]
    )
    return snap


class _FixedSource:
    """Hands the collector one part of a synthetic snapshot, as a source's apply() would."""

    def __init__(self, name: str, part: object) -> None:
        self.name, self.part = name, part
        self.interval_s, self.timeout_s = 2.0, 5.0

    def poll(self) -> object:
        return self.part

    def apply(self, snapshot, data) -> None:  # type: ignore[no-untyped-def]
        setattr(snapshot, self.name, data)


def collector_for(snap):  # type: ignore[no-untyped-def]
    """A real Collector holding ``snap``'s parts (fed through _record, as polls would)."""
    from ecoeco.console.collector import Collector
    from ecoeco.console.config import Profile

    parts = ("cluster", "queues", "wal", "metrics")
    collector = Collector(Profile(name="bench"), [_FixedSource(n, getattr(snap, n)) for n in parts])
    for name in parts:
        collector._record(name, getattr(snap, name), None)
    return collector


def clock() -> float:
    """CPU time of this process (all threads): on a shared, loaded machine wall time mostly measures
    the other jobs; what a refresh costs is the CPU it burns."""
    return time.process_time()


async def refresh_cost(pods: int, queues: int, rounds: int, few: bool = False) -> dict[str, list[float]]:
    from ecoeco.console.app import EcoApp
    from ecoeco.console.triage import evaluate

    snaps = [synth(pods, queues, r, few) for r in range(rounds + 1)]
    timings: dict[str, list[float]] = {"snapshot copy": [], "triage": []}
    taken = []
    for s in snaps:  # what the app gets from the collector after a poll, and what judging it costs
        collector = collector_for(s)
        t = clock()
        copy = collector.snapshot()
        timings["snapshot copy"].append((clock() - t) * 1000)
        copy.taken_at = s.taken_at
        t = clock()
        findings = evaluate(copy)
        timings["triage"].append((clock() - t) * 1000)
        taken.append((copy, findings))
    # This tree judges in a thread (the event loop only renders); an older tree judged while rendering.
    threaded = hasattr(EcoApp, "install_snapshot")
    timings["triage"] = [f"{'thread' if threaded else 'event loop'}", *timings["triage"]]  # type: ignore[list-item]
    app = EcoApp(snapshot=taken[0][0])
    app.triage_decided = True  # the start-up "open on Triage when critical" is not a refresh
    async with app.run_test(size=(200, 60)) as pilot:
        for mode in ("overview", "nodes", "queues", "wal", "metrics"):
            await app.switch_mode(mode)
            await pilot.pause()
            timings[mode] = []
            timings[f"{mode} (code)"] = []
            for snap, findings in taken[1:]:
                t = clock()
                if threaded:
                    app.install_snapshot(snap, findings)
                else:
                    app.current_snapshot = snap
                    app.generation += 1
                    app._render_visible()
                timings[f"{mode} (code)"].append((clock() - t) * 1000)
                await pilot.pause()  # layout and paint of what changed
                timings[mode].append((clock() - t) * 1000)
        timings["no change"] = []
        for _ in range(len(snaps) - 1):  # what one message round-trip costs here, for reference
            t = clock()
            await pilot.pause()
            timings["no change"].append((clock() - t) * 1000)
    return timings


def refresh(args: argparse.Namespace) -> None:
    if args.baseline:
        with tempfile.TemporaryDirectory(prefix="console-cpu-") as tmp:
            env = {**os.environ, "PYTHONPATH": str(export_src(args.baseline, Path(tmp)))}
            argv = [sys.executable, __file__, "refresh", "--rounds", str(args.rounds), "--json"]
            results: dict[str, dict[str, dict[str, list]]] = {"this tree": {}, args.baseline: {}}
            # The two trees take turns (base, this, this, base, ...): on a machine whose load moves
            # from one minute to the next, neither tree gets all the quiet (or all the busy) minutes.
            for i in range(args.repeat):
                order = [(args.baseline, env), ("this tree", None)]
                for label, run_env in order if i % 2 == 0 else order[::-1]:
                    out = subprocess.run(argv, env=run_env, check=True, capture_output=True, text=True).stdout
                    for size, names in json.loads(out).items():
                        merged = results[label].setdefault(size, {})
                        for name, values in names.items():
                            have = merged.setdefault(name, [])
                            have += values if not have else [v for v in values if not isinstance(v, str)]
    else:
        results = {
            "this tree": {
                _size(p, q, f): asyncio.run(refresh_cost(p, q, args.rounds, f)) for p, q, f in SIZES
            }
        }
        if args.json:
            print(json.dumps(results["this tree"]))
            return
    load = os.getloadavg()[0]
    for pods, queues, few in SIZES:
        size = _size(pods, queues, few)
        what = "1 pod in 250 and 1 queue in 50 changed" if few else "every value changed"
        print(
            f"refresh with 13 nodes / {pods} pods / {queues} queues / 2 workers ({what} each "
            f"round, {args.rounds} rounds, 200x60), CPU ms per refresh, median (max), load average {load:.1f} on "
            f"{os.cpu_count()} cores:"
        )
        print(f"  {'':17s} " + "".join(f"{label:>24s}" for label in results))
        names = list(next(iter(results.values()))[size])
        for name in names:
            cells = []
            for r in results.values():
                values = r[size].get(name, [])
                where = f" [{values[0]}]" if values and isinstance(values[0], str) else ""
                values = [v for v in values if not isinstance(v, str)]
                cells.append(
                    f"{statistics.median(values):8.1f} ({max(values):7.1f}){where}" if values else "–"
                )
            print(f"  {name:17s} " + "".join(f"{c:>24s}" for c in cells))


SIZES = ((200, 10, False), (5000, 500, False), (5000, 500, True))


def _size(pods: int, queues: int, few: bool) -> str:
    return f"{pods}/{queues}" + (" few" if few else "")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    p_idle = sub.add_parser("idle")
    p_idle.add_argument("--seconds", type=float, default=60.0)
    p_idle.add_argument("--warmup", type=float, default=10.0)
    p_idle.add_argument("--profile", default="sandbox")
    p_idle.add_argument("--fixed", action="store_true", help="fixed snapshot instead of live sources")
    p_idle.add_argument(
        "--baseline", metavar="REF", help="also run git REF's console (its src/), taking turns"
    )
    p_idle.add_argument("--repeat", type=int, default=1, help="with --baseline: runs of each tree")
    p_ref = sub.add_parser("refresh")
    p_ref.add_argument("--rounds", type=int, default=10)
    p_ref.add_argument("--baseline", metavar="REF", help="also run git REF's console (its src/), same run")
    p_ref.add_argument(
        "--repeat", type=int, default=1, help="with --baseline: runs of each tree, taking turns"
    )
    p_ref.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    idle(args) if args.what == "idle" else refresh(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
