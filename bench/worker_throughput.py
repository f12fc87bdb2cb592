"""Tasks/s of one worker process on no-op tasks, with and without the journal (prints figures).

Each run: a fresh RabbitMQ vhost, N no-op tasks published to q.storage, then one worker process
(the production Celery config: acks_late, prefetch 1, threads pool) drains them. The journal run
uses ``JournaledTask`` (a receipt committed without its own fsync, then the outcome FULL-synchronous:
one fsync per task); the plain run the same task without it. Rate = N / (last finish - first start).

    uv run python bench/worker_throughput.py [--tasks 3000] [--concurrency 2] [--work-ms 0]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

MGMT = "http://127.0.0.1:15672"
AUTH = ("guest", "guest")
NOOP_JOURNAL = "ecoeco.bench.noop_journal"
NOOP_PLAIN = "ecoeco.bench.noop_plain"


def create_vhost() -> str:
    vhost = f"ecoeco-bench-{uuid.uuid4().hex[:8]}"
    httpx.put(f"{MGMT}/api/vhosts/{vhost}", auth=AUTH, timeout=10).raise_for_status()
    httpx.put(
        f"{MGMT}/api/permissions/{vhost}/guest",
        auth=AUTH,
        json={"configure": ".*", "write": ".*", "read": ".*"},
        timeout=10,
    ).raise_for_status()
    return vhost


def serve(mode: str, total: int, marks: Path, concurrency: int, work_ms: float) -> None:
    """Run inside the worker subprocess: register the no-op task and drain the queue."""
    from ecoeco.services.common.settings import get_settings
    from ecoeco.services.workers import runtime
    from ecoeco.services.workers.celery_app import app
    from ecoeco.services.workers.journal import open_journal
    from ecoeco.services.workers.journaled import JournaledTask
    from ecoeco.services.workers.sync import Syncer

    settings = get_settings()
    journal = open_journal(settings.wal_dir, "storage")
    syncer = Syncer(journal, settings.database_url, 1e9)  # never started: sync is not measured here
    runtime.install(runtime.WorkerRuntime("storage", settings, journal, syncer, None))
    lock = threading.Lock()
    state = {"n": 0}

    def mark(i: int) -> None:
        with lock:
            if state["n"] == 0:
                (marks / "first").write_text(repr(time.time()))
            state["n"] += 1
            if state["n"] == total:
                (marks / "last").write_text(repr(time.time()))

    @app.task(name=NOOP_JOURNAL, base=JournaledTask, worker="storage", bind=True)
    def noop_journal(self, i: int) -> dict:
        time.sleep(work_ms / 1000)
        mark(i)
        return {"i": i}

    @app.task(name=NOOP_PLAIN, bind=True)
    def noop_plain(self, i: int) -> dict:
        time.sleep(work_ms / 1000)
        mark(i)
        return {"i": i}

    app.worker_main(
        [
            "worker",
            "-Q",
            "q.storage",
            "-P",
            "threads",
            "-c",
            str(concurrency),
            "-n",
            f"bench-{mode}@%h",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ]
    )


def run(mode: str, total: int, concurrency: int, work_ms: float) -> float:
    from kombu import Connection

    from ecoeco.services.common.messaging import declare_topology
    from ecoeco.services.workers.celery_app import make_app

    vhost = create_vhost()
    broker = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    try:
        with Connection(broker) as conn:
            declare_topology(conn.default_channel)
        client = make_app(broker)
        name = NOOP_JOURNAL if mode == "journal" else NOOP_PLAIN
        started = time.perf_counter()
        with client.producer_or_acquire() as producer:
            for i in range(total):
                client.send_task(name, args=(i,), task_id=f"bench-{i}", queue="q.storage", producer=producer)
        publish_rate = total / (time.perf_counter() - started)
        with tempfile.TemporaryDirectory() as tmp:
            marks = Path(tmp)
            env = {**os.environ, "ECOECO_BROKER_URL": broker, "ECOECO_WAL_DIR": str(marks / "wal")}
            proc = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--serve",
                    mode,
                    "--tasks",
                    str(total),
                    "--marks",
                    tmp,
                    "--concurrency",
                    str(concurrency),
                    "--work-ms",
                    str(work_ms),
                ],
                env=env,
            )
            try:
                deadline = time.monotonic() + 600
                while not (marks / "last").exists():
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"worker for {mode} stopped early ({proc.returncode})")
                    time.sleep(0.2)
                elapsed = float((marks / "last").read_text()) - float((marks / "first").read_text())
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        rate = total / elapsed
        print(
            f"{mode:8s} {total} tasks in {elapsed:6.2f} s = {rate:7.0f} tasks/s (published at {publish_rate:.0f}/s)"
        )
        return rate
    finally:
        httpx.delete(f"{MGMT}/api/vhosts/{vhost}", auth=AUTH, timeout=10)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--tasks", type=int, default=3000)
    p.add_argument("--concurrency", type=int, default=2)
    # Simulated I/O per task (S3 get/put, Redis): the journal's fixed cost against real work.
    p.add_argument("--work-ms", type=float, default=0.0)
    p.add_argument("--serve", choices=["plain", "journal"], help="internal: run as the worker subprocess")
    p.add_argument("--marks", help="internal")
    args = p.parse_args()
    if args.serve:
        serve(args.serve, args.tasks, Path(args.marks), args.concurrency, args.work_ms)
        return
    print(
        f"worker throughput, tasks doing {args.work_ms:g} ms of simulated I/O, threads pool concurrency"
        f" {args.concurrency}, prefetch 1, acks_late"
    )
    plain = run("plain", args.tasks, args.concurrency, args.work_ms)
    journal = run("journal", args.tasks, args.concurrency, args.work_ms)
    print(
        f"journal overhead: {100 * (plain - journal) / plain:.1f} % fewer tasks/s "
        f"({1000 / journal - 1000 / plain:.2f} ms more per task)"
    )


if __name__ == "__main__":
    main()
