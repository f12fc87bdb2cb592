"""Soak: both workers' resident memory over time under ``ecoeco-sandbox load`` (prints figures).

Starts a sandbox of its own (temporary state dir, unique database and vhost, Redis db 1), drives
``ecoeco-sandbox load --rate R --duration D`` through its APIs, and samples the storage and AI
workers' RSS and open fds every ``--interval`` seconds. At the end it prints each worker's slope
(MB/min, least squares) after ``--warmup`` seconds, and the sandbox is torn down (``down --purge``).

``--tracemalloc`` also starts tracemalloc in both workers (``workers/memtrace.py``) and prints the
top allocation growth between the first and the last snapshot (the RSS figures then include the
tracer's own overhead: use it to find a leak, not to quote the RSS).

    uv run python bench/worker_rss_soak.py [--duration 1800] [--rate 5] [--interval 30] [--tracemalloc]
        [--malloc-arenas 0]   # the baseline: glibc's default arenas, no trimming
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from worker_scrape_soak import usage  # bench/ is on sys.path when run as a script

CLI = [sys.executable, "-m", "ecoeco.services.sandbox.cli"]
WORKERS = ("storage", "ai")


def slope_mb_per_min(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    return 60 * sum((t - mx) * (v - my) for t, v in points) / var if var else 0.0


def diff_snapshots(directory: Path, worker: str, top: int) -> None:
    snaps = sorted(directory.glob(f"{worker}-*.snap"))
    if len(snaps) < 2:
        print(f"{worker}: fewer than two tracemalloc snapshots")
        return
    first, last = tracemalloc.Snapshot.load(str(snaps[0])), tracemalloc.Snapshot.load(str(snaps[-1]))
    print(f"\n{worker}: tracemalloc growth {snaps[0].name} -> {snaps[-1].name} (top {top} by traceback)")
    for stat in last.compare_to(first, "traceback")[:top]:
        print(f"  {stat.size_diff / 1e6:+8.2f} MB {stat.count_diff:+8d} blocks")
        for line in stat.traceback.format()[-8:]:
            print(f"      {line}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=1800.0, help="seconds of load (default 1800)")
    p.add_argument("--rate", type=float, default=5.0, help="load operations started per second (default 5)")
    p.add_argument("--interval", type=float, default=30.0, help="seconds between samples (default 30)")
    p.add_argument("--warmup", type=float, default=120.0, help="seconds left out of the slope (default 120)")
    p.add_argument("--tracemalloc", action="store_true", help="trace allocations in both workers")
    p.add_argument(
        "--malloc-arenas",
        type=int,
        default=None,
        help="ECOECO_WORKER_MALLOC_ARENAS for the workers (0 = glibc default)",
    )
    p.add_argument("--top", type=int, default=12, help="tracemalloc entries to print")
    args = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ecoeco-rss-soak-"))
    tag = uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOECO_")}
    env |= {
        "ECOECO_SANDBOX_DIR": str(tmp / "state"),
        "ECOECO_SANDBOX_DATABASE": f"ecoeco_rss_{tag}",
        "ECOECO_SANDBOX_VHOST": f"ecoeco-rss-{tag}",
        "ECOECO_SANDBOX_REDIS_URL": "redis://127.0.0.1:6379/1",
        "ECOECO_SANDBOX_WAL_SYNC_INTERVAL_S": "30",
    }
    if args.malloc_arenas is not None:
        env["ECOECO_WORKER_MALLOC_ARENAS"] = str(args.malloc_arenas)
    traces = tmp / "tracemalloc"
    if args.tracemalloc:
        env["ECOECO_WORKER_TRACEMALLOC_DIR"] = str(traces)
        env["ECOECO_WORKER_TRACEMALLOC_EVERY_S"] = str(max(60.0, args.interval))

    def sandbox(*a: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *a], env=env, capture_output=True, text=True, timeout=timeout, check=False
        )

    up = sandbox("up")
    if up.returncode != 0:
        print(up.stdout, up.stderr, file=sys.stderr)
        sandbox("down", "--purge")
        return 1
    try:
        status = json.loads(sandbox("status", "--json").stdout)
        pids = {c["name"]: c["pid"] for c in status["components"] if c["name"] in WORKERS}
        arenas = env.get("ECOECO_WORKER_MALLOC_ARENAS", "default (2)")
        print(
            f"sandbox up ({tmp}); workers {pids}; malloc arenas {arenas}; "
            f"load rate {args.rate:g}/s for {args.duration:g} s"
        )
        load_log = (tmp / "load.log").open("w")
        load = subprocess.Popen(
            [*CLI, "load", "--rate", str(args.rate), "--duration", str(args.duration)],
            env=env,
            stdout=load_log,
            stderr=subprocess.STDOUT,
        )
        started = time.monotonic()
        samples: dict[str, list[tuple[float, float]]] = {w: [] for w in WORKERS}
        print(f"{'t (s)':>7} " + " ".join(f"{w + ' RSS MB':>14} {'fds':>4}" for w in WORKERS), flush=True)
        while True:
            t = time.monotonic() - started
            cells = []
            for w in WORKERS:
                fds, rss = usage(pids[w])
                samples[w].append((t, rss))
                cells.append(f"{rss:14.1f} {fds:4d}")
            print(f"{t:7.0f} " + " ".join(cells), flush=True)
            if load.poll() is not None:
                break
            time.sleep(args.interval)
        load_log.close()
        print((tmp / "load.log").read_text()[-1500:])
        for w in WORKERS:
            after = [(t, v) for t, v in samples[w] if t >= args.warmup]
            first, last = (after or samples[w])[0], samples[w][-1]
            print(
                f"{w}: RSS {samples[w][0][1]:.1f} MB at start, {first[1]:.1f} MB after warm-up "
                f"({first[0]:.0f} s), {last[1]:.1f} MB at {last[0]:.0f} s; slope after warm-up "
                f"{slope_mb_per_min(after):+.2f} MB/min"
            )
        if args.tracemalloc:
            for w in WORKERS:
                diff_snapshots(traces, w, args.top)
    finally:
        down = sandbox("down", "--purge")
        if down.returncode != 0:
            print(down.stdout, down.stderr, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
