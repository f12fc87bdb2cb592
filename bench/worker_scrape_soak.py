"""Soak: scrape a worker's /metrics every second and print its open file descriptors and resident
memory over time (prints figures; no assertions). Each scrape is answered on a new thread that
reads the journal, so a connection kept per thread shows here as +2 fds and about +2 MB a scrape.

By default it starts its own storage worker against the local RabbitMQ, PostgreSQL and Redis (a
fresh vhost and database, dropped afterwards), on a journal holding ``--backlog`` synced rows so
each scrape reads real pages. ``--pid`` and ``--url`` watch a worker that is already running.

    uv run python bench/worker_scrape_soak.py [--duration 600] [--interval 1] [--backlog 20000]
    uv run python bench/worker_scrape_soak.py --pid 1234 --url http://127.0.0.1:9100/metrics
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

from ecoeco.services.workers.journal import Journal

MGMT = "http://127.0.0.1:15672"
AUTH = ("guest", "guest")
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def usage(pid: int) -> tuple[int, float]:
    """(open file descriptors, resident set in MB)."""
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return fds, int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def fill_synced(path: Path, rows: int) -> None:
    """Finished rows already marked synced: the syncer leaves them alone, the scrapes read them."""
    journal = Journal(path, "storage")
    now = time.time()
    result = json.dumps({"width": 640, "height": 480})
    conn = journal._conn()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO task_journal (task_id, job_id, worker, task_name, user_id, kwargs, state, attempts,"
        " result, received_at, started_at, finished_at, updated_at, synced_version, synced_at)"
        " VALUES (?, ?, 'storage', 'ecoeco.storage.process_upload', 'u', '{}', 'succeeded', 1, ?, ?, ?, ?, ?, 1, ?)",
        ((f"soak-{i}:storage", f"soak-{i}", result, now, now, now, now, now) for i in range(rows)),
    )
    conn.execute("COMMIT")
    journal.close()


@contextmanager
def own_worker(backlog: int) -> Iterator[tuple[int, str]]:
    """A storage worker of our own: yields (pid, metrics URL); everything is removed afterwards."""
    vhost = f"ecoeco-scrape-soak-{uuid.uuid4().hex[:8]}"
    httpx.put(f"{MGMT}/api/vhosts/{vhost}", auth=AUTH, timeout=10).raise_for_status()
    httpx.put(
        f"{MGMT}/api/permissions/{vhost}/guest",
        auth=AUTH,
        json={"configure": ".*", "write": ".*", "read": ".*"},
        timeout=10,
    ).raise_for_status()
    db = f"ecoeco_scrape_soak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db}"')
    tmp = tempfile.TemporaryDirectory()
    proc: subprocess.Popen[bytes] | None = None
    try:
        wal = Path(tmp.name) / "wal"
        fill_synced(wal / "storage.db", backlog)
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ECOECO_")},
            "ECOECO_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{db}",
            "ECOECO_BROKER_URL": f"amqp://guest:guest@127.0.0.1:5672/{vhost}",
            "ECOECO_REDIS_URL": "redis://127.0.0.1:6379/1",
            "ECOECO_WAL_DIR": str(wal),
            "ECOECO_LOG_LEVEL": "WARNING",
        }
        log_path = Path(tmp.name) / "worker.log"
        binary = str(Path(sys.executable).parent / "ecoeco-worker")
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                [binary, "storage", "--metrics-port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}/metrics"
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                httpx.get(url, timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield proc.pid, url
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        tmp.cleanup()
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        httpx.delete(f"{MGMT}/api/vhosts/{vhost}", auth=AUTH, timeout=10)


def soak(pid: int, url: str, duration_s: float, interval_s: float, report_every_s: float) -> None:
    print(f"scraping {url} every {interval_s:g} s for {duration_s:g} s (worker pid {pid})")
    print(f"{'t (s)':>7} {'scrapes':>8} {'fds':>5} {'RSS (MB)':>9}")
    started = time.monotonic()
    scrapes = 0
    samples: list[tuple[float, int, int, float]] = []
    next_report = 0.0
    with httpx.Client(timeout=10) as client:
        while True:
            now = time.monotonic() - started
            if now >= next_report or now >= duration_s:
                fds, rss = usage(pid)
                samples.append((now, scrapes, fds, rss))
                print(f"{now:7.0f} {scrapes:8d} {fds:5d} {rss:9.1f}", flush=True)
                next_report += report_every_s
            if now >= duration_s:
                break
            client.get(url, headers={"Connection": "close"}).raise_for_status()
            scrapes += 1
            time.sleep(max(0.0, interval_s - (time.monotonic() - started - now)))
    # The first sample after ten scrapes is the baseline: the first scrapes warm the process up.
    base = next((s for s in samples if s[1] >= 10), samples[0])
    last = samples[-1]
    print(
        f"after warm-up ({base[1]} scrapes) -> end ({last[1]} scrapes): fds {base[2]} -> {last[2]} "
        f"({last[2] - base[2]:+d}), RSS {base[3]:.1f} -> {last[3]:.1f} MB ({last[3] - base[3]:+.1f} MB)"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=600.0, help="seconds to scrape (default 600)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between scrapes (default 1)")
    p.add_argument("--report-every", type=float, default=10.0, help="seconds between printed samples")
    p.add_argument("--backlog", type=int, default=20_000, help="synced rows in our own worker's journal")
    p.add_argument("--pid", type=int, help="watch this running worker instead of starting one")
    p.add_argument("--url", help="its metrics URL (with --pid)")
    args = p.parse_args()
    if (args.pid is None) != (args.url is None):
        p.error("--pid and --url go together")
    if args.pid is not None:
        soak(args.pid, args.url, args.duration, args.interval, args.report_every)
        return
    with own_worker(args.backlog) as (pid, url):
        soak(pid, url, args.duration, args.interval, args.report_every)


if __name__ == "__main__":
    main()
