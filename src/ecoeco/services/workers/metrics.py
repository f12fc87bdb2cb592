"""Worker metrics (prometheus_client), all labelled ``worker``.

Journal gauges are read from the journal at scrape time by a collector, so a scrape always
shows the file as it is (including rows written by a previous run of the process).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ecoeco.services.workers.journal import Journal
from ecoeco.services.workers.sync import Syncer, SyncOutcome

TASKS = Counter(
    "ecoeco_worker_tasks",
    "Task deliveries by outcome (succeeded, failed, retried, dead, skipped)",
    ["worker", "task", "outcome"],
)
SYNC_DURATION = Histogram(
    "ecoeco_wal_sync_duration_seconds",
    "Duration of one journal -> PostgreSQL sync",
    ["worker"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


class JournalCollector(Collector):
    def __init__(self, journal: Journal, syncer: Syncer) -> None:
        self.journal = journal
        self.syncer = syncer

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        worker = self.journal.worker
        stats = self.journal.stats(now=time.time())
        rows = GaugeMetricFamily("ecoeco_wal_rows", "Journal rows by state", labels=["worker", "state"])
        for state, n in stats["rows_by_state"].items():
            rows.add_metric([worker, state], n)
        yield rows
        yield _gauge(
            "ecoeco_wal_unsynced_rows", "Finished rows not yet in PostgreSQL", worker, stats["unsynced_rows"]
        )
        yield _gauge(
            "ecoeco_wal_oldest_unsynced_age_seconds",
            "Age of the oldest finished row not yet in PostgreSQL (0 when none)",
            worker,
            stats["oldest_unsynced_age_s"] or 0.0,
        )
        last = self.syncer.state.last_sync_success_ts
        yield _gauge(
            "ecoeco_wal_last_sync_success_timestamp_seconds",
            "Unix time of the last successful sync (0 before the first)",
            worker,
            last or 0.0,
        )
        yield _gauge(
            "ecoeco_wal_last_sync_failure_timestamp_seconds",
            "Unix time of the last failed sync (0 before the first)",
            worker,
            self.syncer.state.last_sync_failure_ts or 0.0,
        )
        yield _gauge(
            "ecoeco_wal_file_bytes", "Journal size on disk (db + -wal + -shm)", worker, stats["file_bytes"]
        )
        errors = CounterMetricFamily("ecoeco_wal_sync_errors", "Failed syncs", labels=["worker"])
        errors.add_metric([worker], self.syncer.state.sync_errors_total)
        yield errors


def _gauge(name: str, doc: str, worker: str, value: float) -> GaugeMetricFamily:
    g = GaugeMetricFamily(name, doc, labels=["worker"])
    g.add_metric([worker], value)
    return g


def observe_sync(worker: str, outcome: SyncOutcome) -> None:
    SYNC_DURATION.labels(worker=worker).observe(outcome.duration_s)


def serve_metrics(
    journal: Journal,
    syncer: Syncer,
    port: int,
    host: str = "127.0.0.1",
    registry: CollectorRegistry = REGISTRY,
) -> None:
    registry.register(JournalCollector(journal, syncer))
    start_http_server(port, addr=host, registry=registry)
