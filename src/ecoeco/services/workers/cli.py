"""``ecoeco-worker storage|ai [--metrics-port N]``: one Celery worker for one queue.

Start order: journal -> topology declared -> metrics server -> syncer thread, which runs recovery
(re-enqueue or dead-letter unfinished rows) in the background -> Celery worker (hostname ``storage@%h`` / ``ai@%h``).
SIGTERM is Celery's warm shutdown; then the syncer makes a last push and the journal closes.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import threading
import time

import redis
import redis.exceptions
from celery.signals import worker_ready
from kombu import Connection
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from ecoeco.services.common.logging import configure_logging
from ecoeco.services.common.messaging import declare_topology
from ecoeco.services.common.settings import InsecureSettingsError, get_settings, require_safe_settings
from ecoeco.services.workers import runtime
from ecoeco.services.workers.journal import open_journal
from ecoeco.services.workers.runtime import WORKER_QUEUES, WorkerRuntime
from ecoeco.services.workers.sync import Syncer, SyncOutcome
from ecoeco.shared.redact import redact

log = logging.getLogger("ecoeco.worker")

RECOVERY_RETRY_S = 30.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="ecoeco-worker", description="Run one Eco² worker (Celery + SQLite WAL journal)."
    )
    p.add_argument("worker", choices=sorted(WORKER_QUEUES), help="which worker (and queue) to run")
    p.add_argument("--metrics-port", type=int, default=None, help="serve Prometheus metrics on this port")
    p.add_argument(
        "--metrics-host", default="127.0.0.1", help="address for the metrics server (0.0.0.0 in a pod)"
    )
    p.add_argument("--concurrency", type=int, default=2, help="task threads (default 2)")
    p.add_argument("--loglevel", default=None, help="log level (default: ECOECO_LOG_LEVEL)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = get_settings()
    try:
        # Journal sync, queues, images; workers never see a JWT, so no secret is demanded for one.
        require_safe_settings(settings, uses=("postgres", "rabbitmq", "s3"))
    except InsecureSettingsError as exc:
        # Before the journal opens or anything connects; one line, no values.
        print(f"ecoeco-worker {args.worker}: {exc}", file=sys.stderr)
        return 2
    level = (args.loglevel or settings.log_level).upper()
    configure_logging(f"worker-{args.worker}", level)

    from ecoeco.services.workers import control, memtrace, metrics, recovery  # noqa: F401  (control registers commands)
    from ecoeco.services.workers.celery_app import app

    memtrace.limit_arenas()  # before any thread starts (memtrace.py says why)

    def after_sync(outcome: SyncOutcome) -> None:
        metrics.observe_sync(args.worker, outcome)
        memtrace.trim()  # a sync's batches are the largest allocations: give them back

    memtrace.start_from_env(args.worker)
    journal = open_journal(settings.wal_dir, args.worker)
    syncer = Syncer(
        journal,
        settings.database_url,
        settings.wal_sync_interval_s,
        retention_s=settings.wal_retention_s,
        on_sync=after_sync,
    )
    # The last successful sync survives restarts through the rows it marked.
    syncer.state.last_sync_success_ts = journal.last_synced_at()
    # As the APIs' client (common.cache): a connection Redis dropped is retried once on a fresh one.
    client = redis.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=2,
        socket_connect_timeout=2,
        health_check_interval=15,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=1),
        retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
        client_name=f"ecoeco-worker-{args.worker}@{socket.gethostname()}/{os.getpid()}",
    )
    rt = WorkerRuntime(worker=args.worker, settings=settings, journal=journal, syncer=syncer, redis=client)
    runtime.install(rt)
    try:
        try:
            with Connection(settings.broker_url, connect_timeout=10) as conn:
                conn.ensure_connection(max_retries=5)
                declare_topology(conn.default_channel)
        except Exception as exc:
            raise RuntimeError(f"cannot reach RabbitMQ at {settings.broker_url}: {exc}") from exc
        if args.metrics_port is not None:
            metrics.serve_metrics(journal, syncer, args.metrics_port, args.metrics_host)
        # Recovery runs in the syncer thread while the worker already consumes: rows updated from
        # now on belong to this process's deliveries (recovery.py explains why that is safe).
        started_at = time.time()

        def recover_in_background() -> None:
            try:
                report = recovery.recover(rt, app, started_at=started_at)
            except Exception as exc:  # noqa: BLE001 -- the broker went away: resume later
                # Rows already re-enqueued are skipped on the next pass (requeued_version).
                log.warning(
                    "journal recovery interrupted, resuming in %g s: %s", RECOVERY_RETRY_S, redact(str(exc))
                )
                retry = threading.Timer(RECOVERY_RETRY_S, syncer.request, ("recovery", recover_in_background))
                retry.daemon = True
                retry.start()
                return
            log.info("journal %s recovery %s in %.1f s", journal.path, report.as_dict(), report.duration_s)

        def start_recovery(**_: object) -> None:
            syncer.request("recovery", recover_in_background)

        syncer.start()
        # Once Celery consumes (worker_ready), so recovery's CPU never delays the worker's boot.
        worker_ready.connect(start_recovery, weak=False)
        log.info(
            "journal %s opened; recovery starts in the background once the worker is ready", journal.path
        )
        app.worker_main(
            [
                "worker",
                "--queues",
                WORKER_QUEUES[args.worker],
                "--hostname",
                f"{args.worker}@%h",
                "--pool",
                "threads",
                "--concurrency",
                str(args.concurrency),
                "--loglevel",
                level,
                "--without-mingle",
                "--without-gossip",
            ]
        )
    except Exception as exc:  # noqa: BLE001 -- redacted: a traceback could carry the broker URL
        log.error("worker %s failed: %s", args.worker, redact(str(exc)))
        return 1
    except SystemExit as exc:
        if exc.code not in (None, 0):
            return int(exc.code) if isinstance(exc.code, int) else 1
    finally:
        syncer.stop(final_sync=True)
        journal.close()
        runtime.install(None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
